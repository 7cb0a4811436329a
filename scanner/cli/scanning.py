"""What `maturity scan` and `maturity finalize` share: the gates, one scan of a config at
a time, a scheduler's SIGTERM, and the report with the exit code it earns."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.cli.common import STAGE_CHOICES, config_from, stored_side, write_output
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
from scanner.logs import emit

if TYPE_CHECKING:
    from scanner.collectors.base import Target
    from scanner.config import Config


def gate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fail-under", action="append", default=[], metavar="STAGE",
                        help="exit 1 if the overall stage (or COMPETENCY=STAGE) is below STAGE")
    parser.add_argument("--fail-on-regression", action="store_true",
                        help="exit 1 if a stage went down since the previous scan of this "
                             "config")


def progress_shown(args: argparse.Namespace) -> bool:
    """`--progress`, else when stderr is a terminal; never with JSON logs, where a progress
    bar would be the one stderr line a log shipper cannot parse."""
    from scanner.logs import json_lines

    shown = args.progress if args.progress is not None else sys.stderr.isatty()
    return bool(shown) and not json_lines()


def scan_inputs(args: argparse.Namespace) -> tuple[Config, tuple[Target, ...]]:
    """The config and the targets `maturity scan` was given: the paths (or the folders to
    search, `--recursive`), else the config's targets, else the working folder."""
    from dataclasses import replace

    from scanner.collectors.local import LocalRepoCollector
    from scanner.repositories import find_repositories

    config = config_from(args.config)
    if args.model:
        config = replace(config, model_path=args.model)
    if args.fresh:
        config = replace(config, collect=replace(config.collect, reuse_days=0))
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
    return config, targets


def report_scan(args: argparse.Namespace, config: Config, store: Any, result: Any,
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


def store_scan(store: Any, result: Any, if_stopped: ExitStack, *,
               replacing: bool = False) -> None:
    """Write the judged scan with what it keeps for the next one, and say so; from then
    on, a Ctrl-C or SIGTERM says the scan was stored. `replacing`: a sharded scan
    finalized again."""
    from scanner.store.store import describe_url

    store.save(result.document, result.evidence, result.results,
               result.evidence.keeping(result.memory), replacing=replacing, units=result.units)
    scan_id = result.info.id
    if_stopped.enter_context(said_if_stopped(f"scan {scan_id} was stored"))
    emit(logging.INFO, "stored", f"scan {scan_id} stored in {describe_url(store.url)}",
         scan_id=scan_id, status=result.document["scan"]["status"],
         config_fingerprint=result.info.config_fingerprint,
         overall=result.document["overall"]["stage"])


def one_scan_at_a_time(store: Any, fingerprint: str) -> AbstractContextManager[None]:
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


def raise_on_sigterm() -> None:
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
def said_if_stopped(note: str) -> Iterator[None]:
    """Ctrl-C or SIGTERM from here on: the line reporting it says `note` (what is kept)."""
    try:
        yield
    except (KeyboardInterrupt, Terminated) as stop:
        stop.add_note(note)
        raise


def gate_competencies_exist(config: Config, gates: list[tuple[str | None, str]]) -> None:
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


def judge_gates(result: Any, gates: list[tuple[str | None, str]], store: Any,
                on_regression: bool) -> list[tuple[str, str | None]]:
    """Each gate with why it failed (None: passed), written into the report as well: the
    report says why a pipeline stopped, not only stderr."""
    verdicts = [(f"--fail-under {f'{c}=' if c else ''}{stage}",
                 check_gate(result.document, (c, stage))) for c, stage in gates]
    if on_regression and store is not None:
        verdicts.append(("--fail-on-regression", regression(store, result)))
    if verdicts:
        result.document["gates"] = [{"gate": gate, "passed": reason is None, "reason": reason}
                                    for gate, reason in verdicts]
    return verdicts


def regression(store: Any, result: Any) -> str | None:
    """Why the gate fails: a stage that went down since the config's previous scan."""
    from scanner.diff import Side, diff_scans, observation
    from scanner.store.history import scan_records

    # Not the scan itself: a sharded scan finalized again replaces its earlier judgement.
    previous = [record for record in scan_records(store, result.info.config_fingerprint,
                                                  limit=2) if record.id != result.info.id]
    if not previous:
        return None
    from scanner.store.rows import scan_outline

    evidence = result.evidence
    current = Side(result.info.id, scan_outline(result.document),
                   lambda signals: [observation(e.entity, e.signal, e.value)
                                    for e in evidence if e.signal in signals])
    return diff_scans(stored_side(store, previous[-1].id), current).regression_line()


def parse_gate(text: str) -> tuple[str | None, str]:
    target, _, stage = text.rpartition("=")
    stage = stage.strip().lower()
    if stage not in STAGE_CHOICES:
        raise UserError(f"--fail-under {text}: '{stage}' is not a stage; use one of "
                        f"{', '.join(STAGE_CHOICES)} (optionally COMPETENCY=STAGE)")
    return (target.strip() or None), stage


def check_gate(document: dict[str, Any], gate: tuple[str | None, str]) -> str | None:
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
