"""The commands that read stored scans: `report`, `history`, `diff` and `prune`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.cli.commands import Command
from scanner.cli.common import (
    config_from,
    open_store,
    output_options,
    store_options,
    stored_side,
    write_output,
)
from scanner.cli.rendering import render_report
from scanner.errors import EXIT_OK, UserError
from scanner.logs import emit

if TYPE_CHECKING:
    from scanner.config import Config


def report_arguments(report: argparse.ArgumentParser) -> None:
    report.add_argument("scan_id", nargs="?", metavar="SCAN",
                        help="scan id or unique prefix (default: the latest)")
    report.add_argument("--list", action="store_true", help="list stored scans")
    report.add_argument("--entity", action="append", metavar="ENTITY",
                        help="score only this entity (e.g. repo:/path); repeatable")
    report.add_argument("--config", type=Path, help="configuration (for --entity re-scoring)")
    output_options(report)


def history_arguments(history: argparse.ArgumentParser) -> None:
    history.add_argument("--competency", metavar="ID",
                         help="one competency, with its sub-competencies")
    history.add_argument("--entity", metavar="ID",
                         help="one repository of a fleet scan (e.g. repo:/srv/api)")
    history.add_argument("--limit", type=int, metavar="N", help="only the last N scans")
    store_options(history, ("table", "csv", "json"))


def diff_arguments(diff: argparse.ArgumentParser) -> None:
    diff.add_argument("scan_ids", nargs="*", metavar="SCAN",
                      help="A B (default: the last two scans of the config); one SCAN: "
                           "that scan against the one before it")
    store_options(diff, ("table", "json"))


def prune_arguments(prune: argparse.ArgumentParser) -> None:
    prune.add_argument("--keep", required=True, metavar="AGE_OR_N",
                       help="90d: scans of the last 90 days; 30: the newest 30 scans of each "
                            "config (the newest scan of a config is always kept)")
    prune.add_argument("--dry-run", action="store_true", help="only say what would go")
    prune.add_argument("--vacuum", action="store_true",
                       help="then give the freed space back (SQLite shrinks its file)")
    prune.add_argument("--db", metavar="PATH_OR_URL", help="the store")
    prune.add_argument("--config", type=Path, help="the configuration naming the store")


def report(args: argparse.Namespace) -> int:

    config = config_from(args.config)
    store = open_store(args.db, config)
    if args.list:
        lines = [f"{s.id}  {s.started_at}  {s.status:<8}  {s.overall_stage:<12}  "
                 f"{', '.join(s.targets)}" for s in store.scans()]
        write_output("\n".join(lines) + "\n" if lines else "no scans stored yet\n", args.output)
        return EXIT_OK
    scan_id = store.resolve_id(args.scan_id)
    document = store.document(scan_id)
    if args.entity:
        document = _rescore(store, scan_id, document, args.entity, config)
    write_output(render_report(document, args.format or config.output_format or "table", store,
                               detail=args.detail, explain=args.explain), args.output)
    return EXIT_OK


def _rescore(store: Any, scan_id: str, document: dict[str, Any], entities: list[str],
             config: Config) -> dict[str, Any]:
    """Score a stored scan's evidence for a slice of its entities, with today's rules.

    A repository's slice includes its services.
    """
    from datetime import datetime

    from scanner.problems import Problem
    from scanner.reports.document import ScanInfo, build_document
    from scanner.scan import judge, load_engine
    from scanner.waivers import Waiver, by_entity

    known = [e["id"] for e in document["entities"]]
    unknown = [e for e in entities if e not in known]
    if unknown:
        raise UserError(f"scan {scan_id} has no entity '{unknown[0]}'; it has: "
                        f"{', '.join(known[:10])}{' …' if len(known) > 10 else ''}")
    # Only the slice's evidence is read: a large estate's would not fit in memory.
    groups = {r["entity"]: [r["entity"], *r.get("services", [])]
              for r in document.get("repositories", [])}
    entities = list(dict.fromkeys(m for e in entities for m in groups.get(e, [e])))
    evidence = store.evidence(scan_id, entities)
    engine = load_engine(config)
    waivers = [Waiver.from_dict(w) for w in document.get("waivers", [])]
    assessment, _ = judge(engine, evidence, config, entities, by_entity(waivers, entities))
    scan = document["scan"]
    info = ScanInfo(scan["id"], datetime.fromisoformat(scan["started_at"]),
                    datetime.fromisoformat(scan["finished_at"]), tuple(scan["targets"]),
                    tuple(Problem.from_dict(p) for p in scan["errors"] + scan["warnings"]),
                    scan["config_fingerprint"], tuple(scan["rule_files"]),
                    tuple(scan.get("rule_packs", [])))
    return build_document(assessment, info, entities,
                          waivers=[w for w in waivers if any(w.covers(e) for e in entities)])


def history(args: argparse.Namespace) -> int:
    from scanner.reports.history import (
        render_history_csv,
        render_history_json,
        render_history_table,
    )
    from scanner.store.history import latest_fingerprint, load_history

    if args.limit is not None and args.limit < 1:
        raise UserError("--limit needs a number of at least 1")
    config = config_from(args.config)
    store = open_store(args.db, config)
    fingerprint = config.fingerprint or latest_fingerprint(store)
    history = load_history(store, fingerprint, competency=args.competency,
                           entity=args.entity, limit=args.limit)
    render = {"table": render_history_table, "csv": render_history_csv,
              "json": render_history_json}[args.format]
    write_output(render(history), args.output)
    return EXIT_OK


def diff(args: argparse.Namespace) -> int:
    from scanner.diff import diff_scans
    from scanner.reports.diff import render_diff_json, render_diff_table
    from scanner.store.history import latest_fingerprint, previous_scan, scan_records

    if len(args.scan_ids) > 2:
        raise UserError("diff takes at most two scans: A B")
    config = config_from(args.config)
    store = open_store(args.db, config)
    if len(args.scan_ids) == 2:
        before, after = (store.resolve_id(given) for given in args.scan_ids)
    elif args.scan_ids:
        after = store.resolve_id(args.scan_ids[0])
        before = previous_scan(store, after)
    else:
        fingerprint = config.fingerprint or latest_fingerprint(store)
        last = scan_records(store, fingerprint, limit=2)
        if len(last) < 2:
            raise UserError(f"config {fingerprint} has {len(last)} stored scan(s); diff "
                            "needs two")
        before, after = last[0].id, last[1].id
    diff = diff_scans(stored_side(store, before, after),
                      stored_side(store, after, before))
    render = render_diff_json if args.format == "json" else render_diff_table
    write_output(render(diff), args.output)
    return EXIT_OK


def prune(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from scanner.store.prune import abandoned, doomed, parse_keep, prune, vacuum
    from scanner.store.store import describe_url

    keep = parse_keep(args.keep)
    config = config_from(args.config)
    store = open_store(args.db, config)
    now = datetime.now(UTC)
    drop, unfinished = doomed(store, keep, now), abandoned(store, keep, now)
    if not args.dry_run:
        prune(store, drop + unfinished)
    verb = "would remove" if args.dry_run else "removed"
    also = f" and {len(unfinished)} sharded scan(s) never finalized" if unfinished else ""
    emit(logging.INFO, "pruned", f"{verb} {len(drop)} scan(s){also} from "
         f"{describe_url(store.url)}", scans=len(drop), unfinalized=len(unfinished),
         dry_run=args.dry_run)
    if args.vacuum and not args.dry_run:
        vacuum(store)
        emit(logging.INFO, "vacuumed", f"vacuumed {describe_url(store.url)}")
    return EXIT_OK


COMMANDS = {
    "report": Command(report_arguments, report),
    "history": Command(history_arguments, history),
    "diff": Command(diff_arguments, diff),
    "prune": Command(prune_arguments, prune),
}
