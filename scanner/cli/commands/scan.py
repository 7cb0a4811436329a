"""`maturity scan`: collect evidence, judge it, store and report it, with its gates; with
`--shard I/N --scan-id ID`, collect one shard of a sharded scan (scanner/cli/commands/shards.py)."""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from pathlib import Path

from scanner.cli.commands import Command
from scanner.cli.commands.shards import run_shard, shard_arguments
from scanner.cli.common import open_store, output_options
from scanner.cli.scanning import (
    gate_arguments,
    gate_competencies_exist,
    judge_gates,
    one_scan_at_a_time,
    parse_gate,
    progress_shown,
    raise_on_sigterm,
    report_scan,
    scan_inputs,
    store_scan,
)
from scanner.errors import UserError


def arguments(scan: argparse.ArgumentParser) -> None:
    scan.add_argument("paths", nargs="*", metavar="PATH",
                      help="local repositories to scan (default: the config's targets, else .)")
    scan.add_argument("--config", type=Path, help="configuration file (see config.example.yaml)")
    output_options(scan)
    gate_arguments(scan)
    scan.add_argument("--jobs", type=int, metavar="N",
                      help="targets scanned at once (default: the number of CPUs)")
    scan.add_argument("--clone", action="store_true",
                      help="clone Git host repositories (shallow, cut at the history window) "
                           "instead of reading them through the API: adds history evidence")
    scan.add_argument("--fresh", action="store_true",
                      help="read every repository again, even one unchanged since the last "
                           "scan (collect.reuse_days)")
    scan.add_argument("--recursive", action="store_true",
                      help="scan every git repository found under the given folders")
    scan.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                      help="show progress on stderr (default: when stderr is a terminal)")
    scan.add_argument("--model", type=Path, help="another maturity model file")
    scan.add_argument("--no-store", action="store_true", help="do not keep the scan")
    shard_arguments(scan)


def run_scan_command(args: argparse.Namespace) -> int:
    if args.shard is not None or args.scan_id is not None:
        return run_shard(args)
    from scanner.collecting import collection, early, memory_key
    from scanner.progress import Progress

    config, targets = scan_inputs(args)
    gates = [parse_gate(text) for text in args.fail_under]
    gate_competencies_exist(config, gates)
    if args.jobs is not None and args.jobs < 1:
        raise UserError("--jobs needs a number of at least 1")
    progress = Progress(len(targets)) if progress_shown(args) else None
    raise_on_sigterm()
    with ExitStack() as if_stopped:
        started = None
        if early(targets):  # the clones are read while the rules and the store load
            started = if_stopped.enter_context(collection(
                targets, config.collect, progress, args.jobs, at_once=True))
        from scanner.scan import run_scan, scan_fingerprint

        store = None
        if not args.no_store or args.fail_on_regression:  # SQLAlchemy only when a store is used
            store = open_store(args.db, config)
        with one_scan_at_a_time(store, scan_fingerprint(config, targets)):
            result = run_scan(config, targets, progress=progress, workers=args.jobs,
                              recall=(lambda t: store.memory(*memory_key(t))) if store
                              else None,
                              recall_units=store.judged_units if store else None,
                              started_early=started)
            verdicts = judge_gates(result, gates, store, args.fail_on_regression)
            if store is not None and not args.no_store:
                store_scan(store, result, if_stopped)
        return report_scan(args, config, store, result, verdicts)


COMMANDS = {"scan": Command(arguments, run_scan_command)}
