"""What the sub-commands share: one-line usage errors, the options several of them take,
the configuration and store they open, and the one way a report leaves the process."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from scanner.errors import UserError

if TYPE_CHECKING:
    from pathlib import Path

    from scanner.config import Config

FORMATS = ("table", "json", "markdown", "html")
STAGE_CHOICES = ("beginner", "intermediate", "advanced", "expert")


class OneLineParser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit code 2."""

    def error(self, message: str) -> Any:
        raise UserError(f"{message} (see `{self.prog} --help`)")


def config_from(path: Path | None) -> Config:
    from scanner.config import Config, load_config

    return load_config(path) if path else Config()


def open_store(db: str | None, config: Config) -> Any:
    """The store named by `--db`, else by the configuration (else the default); closed
    by `close_stores` when the command ends."""
    from scanner.store.store import Store, database_url

    store = Store(database_url(db or config.store_url))
    _opened.append(store)
    return store


_opened: list[Any] = []


def close_stores() -> None:
    """Close every store the command opened. The program leaves without the interpreter's
    teardown, which would have closed their connections, and a PostgreSQL server (or a
    pooler in front of it) should see the scanner say goodbye rather than vanish; a
    caller of `main` that runs many commands keeps none of their stores open."""
    while _opened:
        _opened.pop().close()


def write_output(text: str, output: Path | None) -> None:
    """Every report and listing leaves through here: credentials masked (a report quotes
    sources' own words: refusals, errors, notes), then made printable. Written to a file,
    the report is announced on stderr like every other message (a JSON line with
    `--log-format json`)."""
    import logging

    from scanner.credentials import redact
    from scanner.logs import emit
    from scanner.printable import printable

    text = printable(redact(text))
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write the report to {output}: {exc.strerror}") from None
    emit(logging.INFO, "report_written", f"report written to {output}", path=str(output))


def output_options(parser: argparse.ArgumentParser) -> None:
    from pathlib import Path  # imported where options are added: `maturity --help` adds none

    parser.add_argument("--format", choices=FORMATS, help="report format (default: table)")
    parser.add_argument("--detail", action="store_true",
                        help="every reason and open requirement, not only the strongest "
                             "evidence and the next step (table)")
    parser.add_argument("--explain", action="store_true",
                        help="as --detail, with the rule and signal ids behind each verdict "
                             "(table, Markdown)")
    parser.add_argument("--output", type=Path, metavar="FILE", help="write the report here")
    parser.add_argument("--db", metavar="PATH_OR_URL",
                        help="the store: a SQLite file or database URL "
                             "(default: $MATURITY_DB, else the user data folder)")


def store_options(parser: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    """Options of the commands that read the store: which scans (config), where, how."""
    from pathlib import Path

    parser.add_argument("--config", type=Path,
                        help="the configuration whose scans to read (default: that of the "
                             "latest scan); its store.url is the store")
    parser.add_argument("--format", choices=formats, default=formats[0])
    parser.add_argument("--output", type=Path, metavar="FILE", help="write the output here")
    parser.add_argument("--db", metavar="PATH_OR_URL",
                        help="the store (default: the config's, else $MATURITY_DB, else the "
                             "user data folder)")


def log_option(parser: argparse.ArgumentParser) -> None:
    from scanner.logs import ENV_LOG_FORMAT, LOG_FORMATS

    parser.add_argument("--log-format", choices=LOG_FORMATS,
                        help=f"stderr as plain lines or JSON lines (default: ${ENV_LOG_FORMAT}, "
                             "else text)")


def stored_side(store: Any, scan_id: str, other: str | None = None) -> Any:
    """A stored scan as a diff reads it; against `other` (also stored), entities whose
    evidence is the same in both are skipped, since they cannot differ."""
    from scanner.diff import Side, observation

    return Side(scan_id, store.outline(scan_id),
                lambda signals: [observation(*found) for found in
                                 store.observations(scan_id, signals, besides=other)])
