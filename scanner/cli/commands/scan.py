"""`maturity scan`: collect evidence, judge it, store and report it, with its gates."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.cli.commands import Command
from scanner.cli.common import (
    STAGE_CHOICES,
    config_from,
    open_store,
    output_options,
    stored_side,
    write_output,
)
from scanner.cli.rendering import render_report
from scanner.errors import (
    EXIT_GATE_FAILED,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_TERMINATED,
    Terminated,
    UserError,
)
from scanner.logs import emit, json_lines

if TYPE_CHECKING:
    from scanner.config import Config


def arguments(scan: argparse.ArgumentParser) -> None:
    scan.add_argument("paths", nargs="*", metavar="PATH",
                      help="local repositories to scan (default: the config's targets, else .)")
    scan.add_argument("--config", type=Path, help="configuration file (see config.example.yaml)")
    output_options(scan)
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


def run_scan_command(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from scanner.collectors.local import LocalRepoCollector
    from scanner.progress import Progress
    from scanner.repositories import find_repositories
    from scanner.scan import run_scan

    config = config_from(args.config)
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
        from scanner.store.store import describe_url

        store = open_store(args.db, config)
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    if json_lines():  # a progress bar would be the one stderr line a log shipper cannot parse
        show = False
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
    write_output(render_report(result.document, fmt, store, detail=args.detail,
                               explain=args.explain), args.output or config.output_file)
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

    if store is None:  # without a store, the scan never imports SQLAlchemy
        return scan_lock(lock_path(None, fingerprint), fingerprint)
    from scanner.store.store import sqlite_file

    return scan_lock(lock_path(sqlite_file(store.url), fingerprint), fingerprint)


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
    return diff_scans(stored_side(store, previous[0].id), current).regression_line()


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


COMMANDS = (Command("scan", "collect evidence, score it, store and report it", 10, arguments,
                    run_scan_command),)
