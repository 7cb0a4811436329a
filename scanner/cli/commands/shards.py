"""A scan collected by shards: `maturity scan --config C --shard I/N --scan-id ID` collects
one shard into the shared PostgreSQL store, and `maturity finalize ID` judges and reports
the scan once its shards have reported (scanner/shards.py)."""

from __future__ import annotations

import argparse
import logging
import re
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

from scanner.cli.commands import Command
from scanner.cli.common import config_from, output_options
from scanner.cli.scanning import (
    gate_arguments,
    gate_competencies_exist,
    judge_gates,
    one_scan_at_a_time,
    parse_gate,
    progress_shown,
    raise_on_sigterm,
    report_scan,
    said_if_stopped,
    scan_inputs,
    store_scan,
)
from scanner.errors import EXIT_INTERNAL, EXIT_OK, EXIT_PARTIAL, UserError
from scanner.logs import emit

# What a shard cannot do, and why: it collects, and finalize judges and reports.
_JUDGING = "applies where the scan is judged: give it to `maturity finalize`"
_NOT_FOR_SHARDS = (
    ("paths", "PATH", "a shard scans its config's targets, the same for every shard"),
    ("recursive", "--recursive", "a shard scans its config's targets, the same for every shard"),
    ("no_store", "--no-store", "a shard's part is kept in the store for finalize to judge"),
    ("fail_under", "--fail-under", _JUDGING), ("fail_on_regression", "--fail-on-regression",
                                               _JUDGING),
    ("format", "--format", _JUDGING), ("output", "--output", _JUDGING),
    ("detail", "--detail", _JUDGING), ("explain", "--explain", _JUDGING),
    ("model", "--model", _JUDGING),
)


def shard_arguments(scan: argparse.ArgumentParser) -> None:
    scan.add_argument("--shard", metavar="I/N",
                      help="collect shard I of N (numbered from 0) of a sharded scan into a "
                           "shared PostgreSQL store; `maturity finalize ID` judges it")
    scan.add_argument("--scan-id", metavar="ID",
                      help="the sharded scan a --shard run belongs to: the same for all of its "
                           "shards (e.g. the date, or the CI run's id)")


def run_shard(args: argparse.Namespace) -> int:
    from scanner.progress import Progress
    from scanner.shards import (
        begin,
        checked_scan_id,
        collect_shard,
        parse_shard,
        save_shard,
        shared_store,
    )
    from scanner.store.lock import advisory_lock, shard_lock_name
    from scanner.store.store import database_url, describe_url

    if args.shard is None:
        raise UserError(f"--scan-id {args.scan_id[:70]}: give --shard I/N too (shard I of N); "
                        "a scan without shards needs no id")
    if args.scan_id is None:
        raise UserError(f"--shard {args.shard[:40]}: give --scan-id ID too, the same for every "
                        "shard of the scan (e.g. the date, or the CI run's id)")
    shard = parse_shard(args.shard)
    scan_id = checked_scan_id(args.scan_id)
    for name, option, why in _NOT_FOR_SHARDS:
        if getattr(args, name):
            raise UserError(f"--shard {shard} with {option}: {why}")
    if args.config is None:
        raise UserError(f"--shard {shard}: give --config, the file every shard of the scan "
                        "and finalize read")
    if args.jobs is not None and args.jobs < 1:
        raise UserError("--jobs needs a number of at least 1")
    config, targets = scan_inputs(args)
    if not config.targets:
        raise UserError(f"{config.path}: the config names no targets; a sharded scan deals "
                        "out the targets of its config")
    store = shared_store(database_url(args.db or config.store_url), f"--shard {shard}")
    begin(store, config, scan_id, shard)
    raise_on_sigterm()
    with ExitStack() as if_stopped:
        with advisory_lock(store, shard_lock_name(scan_id, shard.index), lambda holder: (
                f"shard {shard} of scan {scan_id} is running already: {holder}; this one did "
                "nothing")):
            run = collect_shard(config, targets, shard,
                                progress=Progress(len(targets)) if progress_shown(args) else None,
                                workers=args.jobs, recall=store.memory)
            save_shard(store, scan_id, run)
        if_stopped.enter_context(said_if_stopped(f"shard {shard} of scan {scan_id} was stored"))
        emit(logging.INFO, "shard_stored",
             f"shard {shard} of scan {scan_id}: {run.entities:,} entities from "
             f"{len(run.targets)} of {len(targets)} targets stored in "
             f"{describe_url(store.url)}; `maturity finalize {scan_id}` judges the scan once "
             "every shard has reported", scan_id=scan_id, shard=shard.index,
             shards=shard.count)
        errors = [p for p in run.problems if p.severity == "error"]
        for problem in errors:
            emit(logging.ERROR, "source_failed", f"maturity: {problem.line()}",
                 target=problem.target)
    if any(p.internal for p in errors):
        return EXIT_INTERNAL
    return EXIT_PARTIAL if errors else EXIT_OK


def finalize_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scan_id", metavar="ID", help="the --scan-id its shards were given")
    parser.add_argument("--config", type=Path, help="the configuration its shards scanned")
    output_options(parser)
    gate_arguments(parser)
    parser.add_argument("--model", type=Path, help="another maturity model file")
    parser.add_argument("--wait", default="0", metavar="DURATION",
                        help="wait up to this long (90s, 30m, 2h) for shards that have not "
                             "reported yet (default: judge at once)")


def run_finalize(args: argparse.Namespace) -> int:
    from scanner.shards import (
        checked_scan_id,
        finalize,
        opened,
        shared_store,
        wait_for_shards,
    )
    from scanner.store.store import database_url

    config = config_from(args.config)
    if args.model:
        config = replace(config, model_path=args.model)
    gates = [parse_gate(text) for text in args.fail_under]
    gate_competencies_exist(config, gates)
    seconds = _seconds(args.wait)
    store = shared_store(database_url(args.db or config.store_url), "maturity finalize")
    scan = opened(store, config, checked_scan_id(args.scan_id))
    raise_on_sigterm()
    wait_for_shards(store, scan, seconds, lambda missing: emit(
        logging.INFO, "waiting", f"waiting up to {args.wait} for shard(s) "
        f"{', '.join(map(str, missing))} of {scan.shard_count} of scan {scan.id}",
        scan_id=scan.id))
    with ExitStack() as if_stopped:
        with one_scan_at_a_time(store, scan.config_fingerprint):
            result: Any = finalize(store, config, scan)
            verdicts = judge_gates(result, gates, store, args.fail_on_regression)
            store_scan(store, result, if_stopped, replacing=True)
        return report_scan(args, config, store, result, verdicts)


def _seconds(text: str) -> float:
    """`--wait`: seconds, or a number with s, m or h."""
    found = re.fullmatch(r"\s*(\d{1,7})\s*([smh]?)\s*", text)
    if found is None:
        raise UserError(f"--wait {text[:40]}: give a duration such as 90s, 30m or 2h")
    return int(found[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[found[2]]


COMMANDS = {"finalize": Command(finalize_arguments, run_finalize)}
