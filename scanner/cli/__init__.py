"""The `maturity` command.

Exit codes: 0 done; 1 a --fail-under or --fail-on-regression gate failed; 2 bad
usage or bad input (one line says what and where); 3 the scan completed partially
(a source failed; the rest is stored and reported); 4 an internal error (a bug);
130 interrupted (Ctrl-C), 143 terminated (SIGTERM): one line says whether anything was
stored, and no worker process is left running.

Each sub-command lives in a module of `scanner.cli.commands`, listed there and imported
only when it runs; heavy modules are imported inside each command, and logging only once
there is something to say, so `maturity --help` is fast.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress

from scanner import __version__
from scanner.cli.commands import LISTED, implementation
from scanner.cli.common import OneLineParser, close_stores, log_option
from scanner.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    InternalError,
    Terminated,
    UserError,
)


def build_parser(words: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of `maturity`. Given the words it will parse, only the command they name
    is imported and gets its options; the others are listed, which is all `maturity
    --help` or a misspelt command needs. Without them, every command is built."""
    named = next((word for word in words if not word.startswith("-")), None) \
        if words is not None else None
    parser = OneLineParser(prog="maturity",
                           description="Estimate DevSecOps maturity from evidence.")
    parser.add_argument("--version", action="version", version=f"maturity-scanner {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     parser_class=OneLineParser)
    for name, _, summary in LISTED:
        sub = commands.add_parser(name, help=summary)
        if words is None or name == named:
            command = implementation(name)
            command.arguments(sub)
            log_option(sub)  # every command may say something on stderr
            sub.set_defaults(handler=command.run)
    return parser


#: Objects a command may create (less those freed) between runs of the cycle collector;
#: Python's default, 700, suits programs that run for long.  A scan keeps hundreds of
#: thousands until it ends (modules, parsed files, evidence), and walking them over and
#: over was 0.05 s of a 0.7 s local scan.  Cycles are still collected, less often.
YOUNG_OBJECTS_BEFORE_COLLECTING = 100_000


@contextmanager
def _fewer_collections() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS_BEFORE_COLLECTING, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def main(argv: list[str] | None = None) -> int:
    with _fewer_collections():
        return _main(argv)


def run() -> None:
    """The `maturity` program: what `main` does, then an exit that skips the teardown.
    Freeing a scan's hundreds of thousands of objects one by one, and its modules, took
    0.05 to 0.1 s after a local scan had said all it had to say. By then every file is
    closed, every worker ended, every transaction committed and every store closed, by the
    code that opened them; what is left to write is what the streams and log handlers
    hold."""
    with _fewer_collections():
        code = _main(None)
        gc.disable()  # restoring the thresholds would set off a full collection, for nothing
    if "logging" in sys.modules:  # imported once there was something to say
        sys.modules["logging"].shutdown()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a reader gone (a closed pipe): nothing to deliver
            stream.flush()
    os._exit(code)


def _main(argv: list[str] | None) -> int:
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(words)
    try:
        args = parser.parse_args(argv)  # --help and --version end here, with no logging
        _configure_logs(getattr(args, "log_format", None))
        if args.command is None:
            parser.print_help()
            return EXIT_OK
        code: int = args.handler(args)
        return code
    except UserError as exc:
        _error(words, "error", f"maturity: error: {exc}", exit_code=exc.exit_code)
        return exc.exit_code
    except (KeyboardInterrupt, Terminated) as stop:
        how, code = ("terminated", EXIT_TERMINATED) if isinstance(stop, Terminated) \
            else ("interrupted", EXIT_INTERRUPTED)
        kept = getattr(stop, "__notes__", None) or ["nothing was stored"]
        _error(words, how, f"maturity: {how}; {kept[-1]}")
        return code
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("MATURITY_DEBUG"):
            raise
        cause = str(exc) if isinstance(exc, InternalError) else f"{type(exc).__name__}: {exc}"
        _error(words, "internal_error", f"maturity: internal error: "
               f"{cause} (set MATURITY_DEBUG=1 for details; please report it)")
        return EXIT_INTERNAL
    finally:
        close_stores()


def _error(words: Sequence[str], event: str, message: str, **fields: object) -> None:
    """One error line, in the format the command line or environment asks for, even where
    the words did not parse (a usage error is a JSON line too)."""
    import logging

    from scanner.logs import emit

    with suppress(UserError):  # a format the environment names wrongly: this line is text
        _configure_logs(_log_format_given(words))
    emit(logging.ERROR, event, message, **fields)


def _log_format_given(words: Sequence[str]) -> str | None:
    """`--log-format` as given on the command line, read before the rest is parsed (a
    value it does not take is left for the parser to refuse)."""
    from scanner.logs import LOG_FORMATS

    for index, word in enumerate(words):
        value = word.partition("=")[2] if word.startswith("--log-format=") else \
            words[index + 1] if word == "--log-format" and index + 1 < len(words) else None
        if value in LOG_FORMATS:
            return value
    return None


def _configure_logs(given: str | None) -> None:
    from scanner.logs import ENV_LOG_FORMAT, LOG_FORMATS, configure

    fmt = given or os.environ.get(ENV_LOG_FORMAT) or "text"
    if fmt not in LOG_FORMATS:
        configure("text")  # the complaint itself must be readable
        raise UserError(f"${ENV_LOG_FORMAT}={fmt}: use one of {', '.join(LOG_FORMATS)}")
    configure(fmt)
