"""Section titles of the documents people write: READMEs, guides, policies.

Shared by the readers that look for a section (a setup guide in CONTRIBUTING, a
security section in a README) rather than for a file.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.lazy_patterns import lazy_compile


@dataclass(frozen=True)
class Heading:
    line: int
    title: str


_ATX = lazy_compile(r"^ {0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_ADOC = lazy_compile(r"^={1,6}\s+(\S.*)$")
_UNDERLINE = lazy_compile(r"^([=\-~^\"'`#*+:._])\1{2,}\s*$")
_BOLD_LINE = lazy_compile(r"^\s*(\*\*|__)([^*_].*?)(\*\*|__)\s*:?\s*$")
_LABEL_LINE = lazy_compile(r"^([A-Za-z][\w '&/()-]{0,58}):\s*$")
_FENCE = lazy_compile(r"^\s*(```|~~~)")
_LIST_OR_TABLE = lazy_compile(r"^\s*([-*+|>]|\d+[.)])\s")


def headings(path: str, text: str) -> list[Heading]:
    """Section titles of a Markdown, reStructuredText, AsciiDoc or plain-text document.

    ATX (`## Title`) and underlined (setext / reST) titles, AsciiDoc `== Title`,
    lines that are wholly bold, and short label lines (`Action items:`), outside
    code fences and front matter; the line is the title's own line.
    """
    lines = text.splitlines()
    start = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        start = end + 1 if end is not None else 0
    adoc = path.lower().endswith((".adoc", ".asciidoc"))
    found: list[Heading] = []
    fenced = False
    previous = ""  # the line above, when it could be an underlined title
    for index in range(start, len(lines)):
        raw = lines[index]
        if _FENCE.match(raw):
            fenced, previous = not fenced, ""
            continue
        if fenced:
            continue
        title: str | None = None
        if match := _ATX.match(raw) or (_ADOC.match(raw) if adoc else None):
            title = match[1]
        elif match := _BOLD_LINE.match(raw):
            title = match[2]
        elif match := _LABEL_LINE.match(raw.strip()):
            title = match[1]
        elif _UNDERLINE.match(raw):
            if previous:
                found.append(Heading(index, previous))  # the title sits on the line above
            previous = ""
            continue
        if title is not None:
            found.append(Heading(index + 1, title.strip()))
            previous = ""
        else:
            plain = raw.strip()
            previous = plain if plain and not _LIST_OR_TABLE.match(raw) else ""
    return found
