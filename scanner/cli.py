"""The `maturity` command.

Exit codes: 0 done; 1 a --fail-under or --fail-on-regression gate failed; 2 bad
usage or bad input (one line says what and where); 3 the scan completed partially
(a source failed; the rest is stored and reported); 4 an internal error (a bug);
130 interrupted (Ctrl-C), 143 terminated (SIGTERM): one line says whether anything was
stored, and no worker process is left running.
Heavy modules are imported inside each command so `maturity --help` is fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner import __version__, leaders
from scanner.errors import (
    EXIT_GATE_FAILED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_TERMINATED,
    InternalError,
    Terminated,
    UserError,
)
from scanner.logs import emit
from scanner.printable import printable

if TYPE_CHECKING:
    from scanner.config import Config

FORMATS = ("table", "json", "markdown", "html")
STAGE_CHOICES = ("beginner", "intermediate", "advanced", "expert")


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit code 2."""

    def error(self, message: str) -> Any:
        raise UserError(f"{message} (see `{self.prog} --help`)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="maturity", description="Estimate DevSecOps maturity from evidence.")
    parser.add_argument("--version", action="version", version=f"maturity-scanner {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    scan = commands.add_parser("scan", help="collect evidence, score it, store and report it")
    scan.add_argument("paths", nargs="*", metavar="PATH",
                      help="local repositories to scan (default: the config's targets, else .)")
    scan.add_argument("--config", type=Path, help="configuration file (see config.example.yaml)")
    _output_options(scan)
    scan.add_argument("--fail-under", action="append", default=[], metavar="STAGE",
                      help="exit 1 if the overall stage (or COMPETENCY=STAGE) is below STAGE")
    scan.add_argument("--jobs", type=int, metavar="N",
                      help="targets scanned at once (default: the number of CPUs)")
    scan.add_argument("--clone", action="store_true",
                      help="clone Git host repositories (shallow, cut at the history window) "
                           "instead of reading them through the API: adds history evidence")
    scan.add_argument("--fresh", action="store_true",
                      help="read every Git host repository again, even one unchanged since "
                           "the last scan (collect.reuse_days)")
    scan.add_argument("--recursive", action="store_true",
                      help="scan every git repository found under the given folders")
    scan.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                      help="show progress on stderr (default: when stderr is a terminal)")
    scan.add_argument("--model", type=Path, help="another maturity model file")
    scan.add_argument("--no-store", action="store_true", help="do not keep the scan")
    scan.add_argument("--fail-on-regression", action="store_true",
                      help="exit 1 if a stage went down since the previous scan of this config")
    _log_option(scan)

    report = commands.add_parser("report", help="render a stored scan again")
    report.add_argument("scan_id", nargs="?", metavar="SCAN",
                        help="scan id or unique prefix (default: the latest)")
    report.add_argument("--list", action="store_true", help="list stored scans")
    report.add_argument("--entity", action="append", metavar="ENTITY",
                        help="score only this entity (e.g. repo:/path); repeatable")
    report.add_argument("--config", type=Path, help="configuration (for --entity re-scoring)")
    _output_options(report)

    history = commands.add_parser("history", help="stages over time, from stored scans")
    history.add_argument("--competency", metavar="ID",
                         help="one competency, with its sub-competencies")
    history.add_argument("--entity", metavar="ID",
                         help="one repository of a fleet scan (e.g. repo:/srv/api)")
    history.add_argument("--limit", type=int, metavar="N", help="only the last N scans")
    _store_options(history, ("table", "csv", "json"))

    diff = commands.add_parser("diff", help="what changed between two stored scans")
    diff.add_argument("scan_ids", nargs="*", metavar="SCAN",
                      help="A B (default: the last two scans of the config); one SCAN: "
                           "that scan against the one before it")
    _store_options(diff, ("table", "json"))

    prune = commands.add_parser("prune", help="drop old scans from the store")
    prune.add_argument("--keep", required=True, metavar="AGE_OR_N",
                       help="90d: scans of the last 90 days; 30: the newest 30 scans of each "
                            "config (the newest scan of a config is always kept)")
    prune.add_argument("--dry-run", action="store_true", help="only say what would go")
    prune.add_argument("--vacuum", action="store_true",
                       help="then give the freed space back (SQLite shrinks its file)")
    prune.add_argument("--db", metavar="PATH_OR_URL", help="the store")
    prune.add_argument("--config", type=Path, help="the configuration naming the store")
    _log_option(prune)

    rules = commands.add_parser("rules", help="list, validate or explain rules")
    rule_commands = rules.add_subparsers(dest="rules_command", metavar="ACTION",
                                         parser_class=_Parser, required=True)
    rules_list = rule_commands.add_parser("list", help="every rule, by cell")
    rules_list.add_argument("--config", type=Path)
    validate = rule_commands.add_parser("validate", help="check rule files")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    validate.add_argument("--model", type=Path)
    explain = rule_commands.add_parser("explain", help="what one rule checks")
    explain.add_argument("rule_id", metavar="RULE_ID")
    explain.add_argument("--config", type=Path)

    signals = commands.add_parser("signals", help="every signal, its type and sources")
    signals.add_argument("--format", choices=("table", "json"), default="table")

    model = commands.add_parser("model", help="show the maturity model")
    model.add_argument("--model", type=Path, help="another model file")
    model.add_argument("--format", choices=("table", "json"), default="table")
    leaders.add_commands(commands)
    return parser


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, help="report format (default: table)")
    parser.add_argument("--output", type=Path, metavar="FILE", help="write the report here")
    parser.add_argument("--db", metavar="PATH_OR_URL",
                        help="the store: a SQLite file or database URL "
                             "(default: $MATURITY_DB, else the user data folder)")


def _store_options(parser: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    """Options of the commands that read the store: which scans (config), where, how."""
    parser.add_argument("--config", type=Path,
                        help="the configuration whose scans to read (default: that of the "
                             "latest scan); its store.url is the store")
    parser.add_argument("--format", choices=formats, default=formats[0])
    parser.add_argument("--output", type=Path, metavar="FILE", help="write the output here")
    parser.add_argument("--db", metavar="PATH_OR_URL",
                        help="the store (default: the config's, else $MATURITY_DB, else the "
                             "user data folder)")


def _log_option(parser: argparse.ArgumentParser) -> None:
    from scanner.logs import ENV_LOG_FORMAT, LOG_FORMATS

    parser.add_argument("--log-format", choices=LOG_FORMATS,
                        help=f"stderr as plain lines or JSON lines (default: ${ENV_LOG_FORMAT}, "
                             "else text)")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_OK
        _configure_logs(getattr(args, "log_format", None))
        handler = {"scan": cmd_scan, "report": cmd_report, "rules": cmd_rules,
                   "signals": cmd_signals, "model": cmd_model,
                   "history": cmd_history, "diff": cmd_diff,
                   "prune": cmd_prune, **leaders.HANDLERS}[args.command]
        return handler(args)
    except UserError as exc:
        emit(logging.ERROR, "error", f"maturity: error: {exc}", exit_code=exc.exit_code)
        return exc.exit_code
    except (KeyboardInterrupt, Terminated) as stop:
        how, code = ("terminated", EXIT_TERMINATED) if isinstance(stop, Terminated) \
            else ("interrupted", EXIT_INTERRUPTED)
        kept = getattr(stop, "__notes__", None) or ["nothing was stored"]
        emit(logging.ERROR, how, f"maturity: {how}; {kept[-1]}")
        return code
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("MATURITY_DEBUG"):
            raise
        cause = str(exc) if isinstance(exc, InternalError) else f"{type(exc).__name__}: {exc}"
        emit(logging.ERROR, "internal_error", f"maturity: internal error: "
             f"{cause} (set MATURITY_DEBUG=1 for details; please report it)")
        return EXIT_INTERNAL


def _configure_logs(given: str | None) -> None:
    from scanner.logs import ENV_LOG_FORMAT, LOG_FORMATS, configure

    fmt = given or os.environ.get(ENV_LOG_FORMAT) or "text"
    if fmt not in LOG_FORMATS:
        raise UserError(f"${ENV_LOG_FORMAT}={fmt}: use one of {', '.join(LOG_FORMATS)}")
    configure(fmt)


def _config(path: Path | None) -> Config:
    from scanner.config import Config, load_config

    return load_config(path) if path else Config()


def _emit(text: str, output: Path | None) -> None:
    """Every report and listing leaves through here: credentials masked (a report quotes
    sources' own words: refusals, errors, notes), then made printable."""
    from scanner.credentials import redact

    text = printable(redact(text))
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write the report to {output}: {exc.strerror}") from None
    print(f"report written to {output}", file=sys.stderr)


def _render(document: dict[str, Any], fmt: str, store: Any = None) -> str:
    if fmt == "html":  # the store, when there is one, gives the trend chart
        return leaders.html_report(document, store)
    if fmt == "json":
        return json.dumps(document, indent=2, default=str) + "\n"
    if fmt == "markdown":
        from scanner.reports.markdown import render_markdown

        return render_markdown(document)
    from scanner.reports.table import render_table

    return render_table(document)


def cmd_scan(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from scanner.collectors.local import LocalRepoCollector
    from scanner.progress import Progress
    from scanner.repositories import find_repositories
    from scanner.scan import run_scan

    config = _config(args.config)
    if args.model:
        config = replace(config, model_path=args.model)
    if args.fresh:
        config = replace(config, collect=replace(config.collect, reuse_days=0))
    gates = [_parse_gate(text) for text in args.fail_under]
    paths = [Path(p).expanduser().resolve() for p in args.paths]
    if args.recursive:
        paths = find_repositories(paths or [Path.cwd()])
    if paths:
        targets = tuple(LocalRepoCollector.target(str(p)) for p in paths)
    else:
        targets = config.targets or (LocalRepoCollector.target(str(Path.cwd())),)
    if args.clone:
        targets = tuple(replace(t, options={**t.options, "clone": True})
                        if "clone" in t.options else t for t in targets)
    _gate_competencies_exist(config, gates)
    store = None
    if not args.no_store or args.fail_on_regression:  # SQLAlchemy only when a store is used
        from scanner.store.store import Store, database_url, describe_url

        store = Store(database_url(args.db or config.store_url))
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    if args.jobs is not None and args.jobs < 1:
        raise UserError("--jobs needs a number of at least 1")
    from scanner.scan import scan_fingerprint

    fingerprint = scan_fingerprint(config, targets)
    _raise_on_sigterm()
    with ExitStack() as if_stopped:
        with _one_scan_at_a_time(store, fingerprint):
            result = run_scan(config, targets,
                              progress=Progress(len(targets)) if show else None,
                              workers=args.jobs,
                              recall=(lambda t: store.memory(t.collector, t.label)) if store
                              else None)
            verdicts = [(f"--fail-under {f'{c}=' if c else ''}{stage}",
                         _check_gate(result.document, (c, stage))) for c, stage in gates]
            if args.fail_on_regression and store is not None:
                verdicts.append(("--fail-on-regression", _regression(store, result)))
            if verdicts:  # the report says why a pipeline stopped, not only stderr
                result.document["gates"] = [{"gate": gate, "passed": reason is None,
                                             "reason": reason} for gate, reason in verdicts]
            if store is not None and not args.no_store:
                store.save(result.document, result.evidence, result.results, result.memory)
                if_stopped.enter_context(_said_if_stopped(f"scan {result.info.id} was stored"))
                emit(logging.INFO, "stored",
                     f"scan {result.info.id} stored in {describe_url(store.url)}",
                     scan_id=result.info.id, status=result.document["scan"]["status"],
                     config_fingerprint=fingerprint,
                     overall=result.document["overall"]["stage"])
        return _report_scan(args, config, store, result, verdicts)


def _report_scan(args: argparse.Namespace, config: Config, store: Any, result: Any,
                 verdicts: list[tuple[str, str | None]]) -> int:
    fmt = args.format or config.output_format or "table"
    _emit(_render(result.document, fmt, store), args.output or config.output_file)
    for problem in result.info.problems:
        if problem.severity == "error":
            emit(logging.ERROR, "source_failed", f"maturity: {problem.line()}",
                 target=problem.target)
    failed = [reason for _, reason in verdicts if reason]
    for message in failed:
        emit(logging.ERROR, "gate_failed", f"maturity: gate failed: {message}")
    if failed:
        return EXIT_GATE_FAILED
    if any(p.internal for p in result.info.problems if p.severity == "error"):
        return EXIT_INTERNAL  # stored and reported, but a bug of ours lost a source
    return EXIT_PARTIAL if result.info.partial else EXIT_OK


def _one_scan_at_a_time(store: Any, fingerprint: str) -> AbstractContextManager[None]:
    """A lock per config: in a shared PostgreSQL store, so that it holds across machines;
    otherwise a lock file next to the SQLite store (or in the cache without a store)."""
    if store is not None and store.dialect == "postgresql":
        from scanner.store.lock import config_lock

        return config_lock(store, fingerprint)
    from scanner.lock import lock_path, scan_lock
    from scanner.store.store import sqlite_file

    return scan_lock(lock_path(sqlite_file(store.url) if store else None, fingerprint),
                     fingerprint)


def _raise_on_sigterm() -> None:
    """A scheduler's SIGTERM stops the scan as Ctrl-C does: it unwinds (workers ended,
    lock released, an unfinished store transaction rolled back) and main says so."""
    import signal

    main_process = os.getpid()

    def terminated(signum: int, _frame: object) -> None:
        if os.getpid() != main_process:  # a worker not yet past its own set-up
            os._exit(128 + signum)
        # A second SIGTERM, should unwinding hang (a store that stopped answering),
        # ends the process at once: its workers and its lock go with it all the same.
        signal.signal(signal.SIGTERM, lambda *_: os._exit(EXIT_TERMINATED))
        raise Terminated

    signal.signal(signal.SIGTERM, terminated)


@contextmanager
def _said_if_stopped(note: str) -> Iterator[None]:
    """Ctrl-C or SIGTERM from here on: the line reporting it says `note` (what is kept)."""
    try:
        yield
    except (KeyboardInterrupt, Terminated) as stop:
        stop.add_note(note)
        raise


def _gate_competencies_exist(config: Config, gates: list[tuple[str | None, str]]) -> None:
    """Checked before scanning: a typo in a gate must not cost a whole scan."""
    named = [(competency, stage) for competency, stage in gates if competency]
    if not named:
        return
    from scanner.model import load_model

    model = load_model(config.model_path)
    for competency, stage in named:
        if model.competency(competency) is None:
            known = ", ".join(c.id for c in model.competencies)
            raise UserError(f"--fail-under {competency}={stage}: no competency "
                            f"'{competency}'; known: {known}")


def _regression(store: Any, result: Any) -> str | None:
    """Why the gate fails: a stage that went down since the config's previous scan."""
    from scanner.diff import Side, diff_scans, observation
    from scanner.store.history import scan_records

    previous = scan_records(store, result.info.config_fingerprint, limit=1)
    if not previous:
        return None
    from scanner.store.rows import scan_outline

    evidence = result.evidence
    current = Side(result.info.id, scan_outline(result.document),
                   lambda signals: [observation(e.entity, e.signal, e.value)
                                    for e in evidence if e.signal in signals])
    return diff_scans(_stored_side(store, previous[0].id), current).regression_line()


def _stored_side(store: Any, scan_id: str, other: str | None = None) -> Any:
    """A stored scan as a diff reads it; against `other` (also stored), entities whose
    evidence is the same in both are skipped, since they cannot differ."""
    from scanner.diff import Side, observation

    return Side(scan_id, store.outline(scan_id),
                lambda signals: [observation(*found) for found in
                                 store.observations(scan_id, signals, besides=other)])


def _parse_gate(text: str) -> tuple[str | None, str]:
    target, _, stage = text.rpartition("=")
    stage = stage.strip().lower()
    if stage not in STAGE_CHOICES:
        raise UserError(f"--fail-under {text}: '{stage}' is not a stage; use one of "
                        f"{', '.join(STAGE_CHOICES)} (optionally COMPETENCY=STAGE)")
    return (target.strip() or None), stage


def _check_gate(document: dict[str, Any], gate: tuple[str | None, str]) -> str | None:
    from scanner.model import stage_index

    competency_id, wanted = gate
    if competency_id is None:
        actual, label = document["overall"]["stage"], "overall stage"
    else:
        match = [c for c in document["competencies"] if c["id"] == competency_id]
        if not match:
            known = ", ".join(c["id"] for c in document["competencies"])
            raise UserError(f"--fail-under {competency_id}={wanted}: no competency "
                            f"'{competency_id}'; known: {known}")
        actual, label = match[0]["stage"], f"{competency_id} stage"
    if stage_index(actual) < stage_index(wanted):
        return f"{label} is {actual}, below {wanted}"
    return None


def cmd_report(args: argparse.Namespace) -> int:
    from scanner.store.store import Store, database_url

    config = _config(args.config)
    store = Store(database_url(args.db or config.store_url))
    if args.list:
        lines = [f"{s.id}  {s.started_at}  {s.status:<8}  {s.overall_stage:<12}  "
                 f"{', '.join(s.targets)}" for s in store.scans()]
        _emit("\n".join(lines) + "\n" if lines else "no scans stored yet\n", args.output)
        return EXIT_OK
    scan_id = store.resolve_id(args.scan_id)
    document = store.document(scan_id)
    if args.entity:
        document = _rescore(store, scan_id, document, args.entity, config)
    _emit(_render(document, args.format or config.output_format or "table", store),
          args.output)
    return EXIT_OK


def _rescore(store: Any, scan_id: str, document: dict[str, Any], entities: list[str],
             config: Config) -> dict[str, Any]:
    """Score a stored scan's evidence for a slice of its entities, with today's rules.

    A repository's slice includes its services.
    """
    from datetime import datetime

    from scanner.collectors.base import Problem
    from scanner.reports.document import ScanInfo, build_document
    from scanner.scan import judge, load_engine, repository_groups
    from scanner.waivers import Waiver, by_entity

    known = [e["id"] for e in document["entities"]]
    unknown = [e for e in entities if e not in known]
    if unknown:
        raise UserError(f"scan {scan_id} has no entity '{unknown[0]}'; it has: "
                        f"{', '.join(known[:10])}{' …' if len(known) > 10 else ''}")
    evidence = store.evidence(scan_id)
    groups = repository_groups(evidence)
    entities = list(dict.fromkeys(m for e in entities for m in groups.get(e, [e])))
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


def cmd_history(args: argparse.Namespace) -> int:
    from scanner.reports.history import (
        render_history_csv,
        render_history_json,
        render_history_table,
    )
    from scanner.store.history import latest_fingerprint, load_history
    from scanner.store.store import Store, database_url

    if args.limit is not None and args.limit < 1:
        raise UserError("--limit needs a number of at least 1")
    config = _config(args.config)
    store = Store(database_url(args.db or config.store_url))
    fingerprint = config.fingerprint or latest_fingerprint(store)
    history = load_history(store, fingerprint, competency=args.competency,
                           entity=args.entity, limit=args.limit)
    render = {"table": render_history_table, "csv": render_history_csv,
              "json": render_history_json}[args.format]
    _emit(render(history), args.output)
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from scanner.diff import diff_scans
    from scanner.reports.diff import render_diff_json, render_diff_table
    from scanner.store.history import latest_fingerprint, previous_scan, scan_records
    from scanner.store.store import Store, database_url

    if len(args.scan_ids) > 2:
        raise UserError("diff takes at most two scans: A B")
    config = _config(args.config)
    store = Store(database_url(args.db or config.store_url))
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
    diff = diff_scans(_stored_side(store, before, after),
                      _stored_side(store, after, before))
    render = render_diff_json if args.format == "json" else render_diff_table
    _emit(render(diff), args.output)
    return EXIT_OK


def cmd_prune(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from scanner.store.prune import doomed, parse_keep, prune, vacuum
    from scanner.store.store import Store, database_url, describe_url

    keep = parse_keep(args.keep)
    config = _config(args.config)
    store = Store(database_url(args.db or config.store_url))
    drop = doomed(store, keep, datetime.now(UTC))
    if not args.dry_run:
        prune(store, drop)
    verb = "would remove" if args.dry_run else "removed"
    emit(logging.INFO, "pruned", f"{verb} {len(drop)} scan(s) from {describe_url(store.url)}",
         scans=len(drop), dry_run=args.dry_run)
    if args.vacuum and not args.dry_run:
        vacuum(store)
        emit(logging.INFO, "vacuumed", f"vacuumed {describe_url(store.url)}")
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    from scanner.collectors import registry
    from scanner.engine.loader import builtin_rule_files, load_rules
    from scanner.model import load_model

    if args.rules_command == "validate":
        model = load_model(args.model)
        catalogue = registry.catalogue()
        builtin = load_rules(builtin_rule_files(), model, catalogue)
        # Given files may use the built-in packs' thresholds, and may replace those packs.
        checked = load_rules(args.files, model, catalogue, thresholds=builtin.thresholds)
        print(f"{len(args.files)} file(s), {len(checked.rules)} rule(s): valid")
        return EXIT_OK
    from scanner.scan import load_engine

    config = _config(args.config)
    engine = load_engine(config)
    if args.rules_command == "list":
        lines = []
        for sub in engine.model.all_subcompetencies():
            for stage in STAGE_CHOICES[1:]:
                for rule in engine.rules.for_cell(sub.full_id, stage):
                    lines.append(f"{rule.id:<62} {stage:<12} {rule.summary}")
        _emit("\n".join(lines) + "\n", None)
        return EXIT_OK
    explained = engine.rules.rules.get(args.rule_id)
    if explained is None:
        import difflib

        close = difflib.get_close_matches(args.rule_id, list(engine.rules.rules), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise UserError(f"no rule '{args.rule_id}'{hint}; `maturity rules list` shows them all")
    from scanner.reports.explain import explain_rule

    _emit(explain_rule(explained, engine), None)
    return EXIT_OK


def cmd_signals(args: argparse.Namespace) -> int:
    from scanner.collectors import registry
    from scanner.engine.loader import builtin_rule_files, load_rules
    from scanner.model import load_model

    catalogue = registry.catalogue()
    ruleset = load_rules(builtin_rule_files(), load_model(), catalogue)
    readers: dict[str, list[str]] = {}
    for rule in ruleset.rules.values():
        for signal in rule.signals():
            readers.setdefault(signal, []).append(rule.id)
    rows: list[dict[str, Any]] = []
    for name in catalogue.names():
        spec = catalogue.get(name)
        assert spec is not None
        sources = [s.id for s in catalogue.sources(name)]
        rows.append({"signal": name, "type": spec.type, "entities": list(spec.entity_kinds),
                     "description": spec.description, "collectors": sources,
                     "installed": any(s in registry.available() for s in sources),
                     "rules": readers.get(name, [])})
    if args.format == "json":
        _emit(json.dumps(rows, indent=2) + "\n", None)
        return EXIT_OK
    lines = []
    for row in rows:
        source = ",".join(row["collectors"]) + ("" if row["installed"] else " (planned)")
        lines.append(f"{row['signal']:<40} {row['type']:<6} {source:<20} "
                     f"{len(row['rules']):>2} rule(s)  {row['description']}")
    _emit("\n".join(lines) + "\n", None)
    return EXIT_OK


def cmd_model(args: argparse.Namespace) -> int:
    from scanner.model import STAGES, load_model

    model = load_model(args.model)
    if args.format == "json":
        data = {"name": model.name, "version": model.version, "source": model.source,
                "competencies": [{"id": c.id, "name": c.name, "subcompetencies": [
                    {"id": s.id, "name": s.name, "cells": s.cells} for s in c.subcompetencies]}
                    for c in model.competencies]}
        _emit(json.dumps(data, indent=2) + "\n", None)
        return EXIT_OK
    lines = [f"{model.name} {model.version}", f"source: {model.source.get('title', '')}", ""]
    for competency in model.competencies:
        lines.append(f"{competency.name} ({competency.id})")
        for sub in competency.subcompetencies:
            lines.append(f"  {sub.name} ({sub.full_id})")
            for stage in STAGES:
                lines.append(f"    {stage:<12} {sub.cells[stage]}")
        lines.append("")
    _emit("\n".join(lines), None)
    return EXIT_OK
