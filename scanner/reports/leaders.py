"""What the leaders' reports (`compare`, `plan`) share: the scan they read, named in
words, and text laid out in aligned columns and wrapped to the terminal's width.

A leader acting on a plan has to know which scan it came from: what was scanned, when,
and with which configuration, or a plan made from last month's scan of one team reads as
today's verdict on another.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Targets named in the line that says what was scanned; the rest are counted.
MAX_TARGETS = 3
# The narrowest the first column (a name) gets when a row would not fit the width.
MIN_NAME = 16
GUTTER = "  "


def scan_section(scan: dict[str, Any], config_file: str | None) -> dict[str, Any]:
    """The `scan` part of a leader's document: which scan, and that said in one line.

    `config_file` is the configuration file the scan was chosen by; a scan only records
    its configuration's fingerprint, so without one the file cannot be named.
    """
    facts = scan["scan"]
    section = {"id": facts["id"], "started_at": facts["started_at"],
               "finished_at": facts["finished_at"], "status": facts["status"],
               "targets": list(facts["targets"]),
               "config_fingerprint": facts["config_fingerprint"], "config_file": config_file}
    section["text"] = scan_line(section)
    return section


def scan_line(section: dict[str, Any]) -> str:
    """`Scan 2026…-3a33 of /srv/api, finished 2026-12-07 04:47 UTC; configuration …`."""
    return "; ".join(scan_lines(section))


def scan_lines(section: dict[str, Any]) -> list[str]:
    """What was scanned and when, then the configuration: a line each for a terminal."""
    targets = section["targets"]
    scanned = ", ".join(targets[:MAX_TARGETS]) or "nothing"
    if len(targets) > MAX_TARGETS:
        scanned += f" and {len(targets) - MAX_TARGETS} more"
    partial = " (partial: some sources failed)" if section["status"] == "partial" else ""
    config = f"fingerprint {section['config_fingerprint']}"
    if section["config_file"]:
        config = f"{section['config_file']} ({config})"
    return [f"Scan {section['id']} of {scanned}, finished "
            f"{moment(section['finished_at'])}{partial}", f"configuration {config}"]


def scan_heading(section: dict[str, Any], width: int) -> list[str]:
    """The scan's lines for a terminal, indented under the report's first line."""
    lines: list[str] = []
    for line in scan_lines(section):
        lines += wrap(line[0].upper() + line[1:], width, "  ", "    ")
    return lines


def markdown_scan(section: dict[str, Any]) -> str:
    """`scan `2026…-3a33` of /srv/api, …`: the scan line, its id as code, to follow a word."""
    return f"scan `{section['id']}`" + str(section["text"]).removeprefix(f"Scan {section['id']}")


def moment(iso: str) -> str:
    """An ISO timestamp as a person reads it, in UTC to the minute."""
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%d %H:%M UTC")


def wrap(text: str, width: int, first: str = "", rest: str | None = None) -> list[str]:
    """`text` wrapped to `width`, the first line after `first`, the others after `rest`
    (by default as many spaces)."""
    rest = " " * len(first) if rest is None else rest
    return textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False, break_long_words=True) or [first.rstrip()]


@dataclass(frozen=True)
class Column:
    title: str
    right: bool = False  # numbers line up on the right


def columns(heads: Sequence[Column], rows: Sequence[Sequence[str]], width: int,
            indent: str = "") -> list[str]:
    """A header row and rows, each column as wide as its widest cell.

    When a row would not fit `width`, the first column (a name) gives way: a longer name
    gets a line of its own with the row's values below it, and the last column wraps
    under itself, so the columns stay aligned at any width.
    """
    widths = [max([len(head.title), *(len(row[i]) for row in rows)])
              for i, head in enumerate(heads)]
    others = sum(widths[1:-1]) + len(GUTTER) * (len(heads) - 1)
    widths[0] = max(min(widths[0], width - len(indent) - others - min(widths[-1], 12)),
                    min(widths[0], MIN_NAME))
    start_of_last = len(indent) + sum(widths[:-1]) + len(GUTTER) * (len(heads) - 1)
    last_width = max(8, width - start_of_last)
    lines: list[str] = []
    for row in [[head.title for head in heads], *rows]:
        cells = list(row)
        if len(cells[0]) > widths[0]:
            lines.append(indent + cells[0])
            cells[0] = ""
        fixed = GUTTER.join(_cell(cells[i], widths[i], heads[i].right)
                            for i in range(len(heads) - 1))
        head = indent + fixed + GUTTER
        tail = textwrap.wrap(cells[-1], width=last_width, break_on_hyphens=False) or [""]
        if heads[-1].right:
            tail = [cells[-1].rjust(widths[-1])]
        lines.append((head + tail[0]).rstrip())
        lines += [" " * start_of_last + more for more in tail[1:]]
    return lines


def _cell(text: str, width: int, right: bool) -> str:
    return text.rjust(width) if right else text.ljust(width)
