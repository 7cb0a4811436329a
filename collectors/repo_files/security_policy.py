"""A repository's security policy: the file (or the README or CONTRIBUTING section)
that says how to report a vulnerability, and what it commits to."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scanner import patterns
from scanner.collectors.markup import headings
from scanner.collectors.tree import RepoTree
from scanner.lazy_patterns import lazy_compile

FOLDERS = ("", ".github/", "docs/", "doc/")
NAMES = ("SECURITY.md", "SECURITY.markdown", "SECURITY.adoc", "SECURITY.rst", "SECURITY.txt",
         "SECURITY", "SECURITY_CONTACTS")
# Documents whose security section can stand for a security policy.
SECTION_DOCUMENTS = ("README.md", "CONTRIBUTING.md", "README.rst", "CONTRIBUTING.rst")
SECURITY_HEADING = lazy_compile(r"(?i)\b(security|vulnerabilit(y|ies))\b")

# On RE2: Python's re backtracks quadratically over a long line with no "@".
EMAIL = patterns.own(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Ways a policy says how to report, most specific first (a table of contents
# linking to "Reporting a vulnerability" is not itself the contact).
CONTACT_PATTERNS = (
    EMAIL,
    re.compile(r"(?i)(security/advisories|private vulnerability reporting|hackerone\.com|"
               r"bugcrowd\.com|huntr\.|/security/policy)"),
    re.compile(r"(?i)report[^\n]{0,80}https?://"),
    re.compile(r"(?i)https?://\S+"),
)
FIX_VERB = lazy_compile(r"(?i)\b(fix|patch|remediat|resolv|mitigat|release a fix|address)\w*")
TIMELINE = lazy_compile(
    r"(?i)\b(within|in under|under|no later than|inside of|inside|"
    r"(?:it\s+has\s+been|it's\s+been|been)\s+(?:more|longer)\s+than)\s+"
    r"(\d+|one|two|three|four|five|six|seven|ten|fourteen|thirty|sixty|ninety)\s+"
    r"(business\s+|working\s+|calendar\s+)?(hours?|days?|weeks?|months?)\b")
SLA_WORD = lazy_compile(r"(?i)\b(SLA|SLO|service level)\b")


@dataclass(frozen=True)
class SecurityPolicy:
    """Where the policy is and what it says.

    `first` is the line of a section's heading (0 for a whole file); the lines counted
    in `contact` and `timeline` follow it.
    """

    path: str
    first: int
    in_section: bool
    readable: bool  # False: the file could not be read, so what it says is unknown
    contact: int | None  # the line giving an address or link to report to
    timeline: int | None  # the line committing to fix within a stated time


def read_security_policy(tree: RepoTree,
                         read: Callable[[str], str | None]) -> SecurityPolicy | None:
    """A SECURITY file at the root, .github/, docs/ or doc/, else a README or CONTRIBUTING
    section on reporting vulnerabilities; None when there is neither."""
    found = [folder + name for folder in FOLDERS for name in NAMES
             if tree.has(folder + name)]
    lines: Sequence[str] | None
    if found:
        path, first, in_section = found[0], 0, False
        text = read(path)
        lines = None if text is None else text.splitlines()
    else:
        section = _security_section(tree, read)
        if section is None:
            return None
        path, first, lines = section
        in_section = True
    if lines is None:
        return SecurityPolicy(path, first, in_section, False, None, None)
    contact = next((i for pattern in CONTACT_PATTERNS
                    for i, line in enumerate(lines, first + 1) if pattern.search(line)), None)
    timeline = next((i for i, line in enumerate(lines, first + 1)
                     if FIX_VERB.search(line) and (TIMELINE.search(line)
                                                   or SLA_WORD.search(line))), None)
    return SecurityPolicy(path, first, in_section, True, contact, timeline)


def _security_section(tree: RepoTree, read: Callable[[str], str | None]
                      ) -> tuple[str, int, Sequence[str]] | None:
    """(path, heading line, the section's lines) of a README or CONTRIBUTING section on
    reporting vulnerabilities that gives a way to do it privately, or None."""
    for path in [folder + name for folder in FOLDERS for name in SECTION_DOCUMENTS]:
        text = read(path) if tree.has(path) else None
        if not text:
            continue
        lines = text.splitlines()
        sections = headings(path, text)
        for index, heading in enumerate(sections):
            if not SECURITY_HEADING.search(heading.title):
                continue
            end = sections[index + 1].line - 1 if index + 1 < len(sections) else len(lines)
            body = lines[heading.line:end]
            if any(pattern.search(line) for pattern in CONTACT_PATTERNS[:3] for line in body):
                return path, heading.line, body
    return None
