"""Post-mortems: incident review documents, their templates, blameless wording, and whether
each document has action items and a timeline."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from scanner.collectors.base import Emitter
from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.practices.reading import (
    INDEX_STEMS,
    MAX_LOCATORS,
    NOT_REAL,
    TEMPLATE_FOLDER,
    TEMPLATE_WORD,
    VENDORED,
    base_name,
    bounded_text,
    folder_names,
    is_doc,
    stem,
)
from scanner.collectors.markup import Heading, headings
from scanner.lazy_patterns import lazy_compile

POSTMORTEM_FOLDERS = frozenset({"postmortems", "post-mortems", "postmortem", "post-mortem",
                                "incidents", "incident-reviews", "incident-review",
                                "incident-reports", "post-incident-reviews", "retrospectives",
                                "rca", "rcas"})
POSTMORTEM_NAME = lazy_compile(r"(?i)(post[-_ ]?mortem|post[-_]incident|"
                               r"incident[-_ ](report|review)|(^|[-_])rca([-_.]|$))")
INCIDENT_WORD = lazy_compile(r"(?i)(post[-_ ]?mortem|incident|(^|[-_\s])rca([-_.\s]|$)|"
                             r"root[-_ ]cause)")
ISSUE_TEMPLATE_FOLDERS = (".github/ISSUE_TEMPLATE/", ".gitlab/issue_templates/")
TEMPLATE_TITLE = lazy_compile(r"^\s*(name|about|title|description)\s*:|^#{1,3}\s")
# Process documents about post-mortems, not post-mortems themselves.
GUIDE_WORD = lazy_compile(r"(?i)(process|guide|policy|how[-_]?to|checklist|handbook|effective|"
                          r"writing|culture|best[-_]practices|overview|intro|faq|training|"
                          r"meeting|about)")
BLAMELESS = lazy_compile(r"(?i)\b(blameless|blame[- ]free|no[- ]blame|non[- ]blaming|"
                         r"without (assigning |apportioning |placing )?blame|"
                         r"not (to )?(assign|apportion|place) blame)\b")
ACTION_HEADING = lazy_compile(r"(?i)(action[- ]items?|follow[- ]?ups?|remediations?|"
                              r"corrective actions?|next steps|action plan)")
TASK_ITEM = lazy_compile(r"^\s*[-*+]\s+\[[ xX]\]\s")
TIMELINE_HEADING = lazy_compile(r"(?i)\b(timeline|chronology|sequence of events)\b")
TIMESTAMP = lazy_compile(r"(?<!\d)([01]?\d|2[0-3]):[0-5]\d(?!\d)")
MIN_TIMESTAMPED_LINES = 3


@dataclass
class _Postmortems:
    documents: list[str] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)
    guides: list[str] = field(default_factory=list)  # folder indexes and process documents


def _find_postmortems(files: FileIndex) -> _Postmortems:
    found = _Postmortems()
    for path in sorted(files.paths()):
        if VENDORED.search(path):
            continue
        folders = folder_names(path)
        issue_template = path.startswith(ISSUE_TEMPLATE_FOLDERS)
        if issue_template:
            if _issue_template_about_incidents(files, path):
                found.templates.append(path)
            continue
        if not is_doc(path) or NOT_REAL.search(path):
            continue
        in_folder = any(_postmortem_folder(f) for f in folders)
        named = bool(POSTMORTEM_NAME.search(base_name(path)))
        template = bool(TEMPLATE_WORD.search(base_name(path))) or any(
            f in TEMPLATE_FOLDER for f in folders)
        if template:
            if in_folder or INCIDENT_WORD.search(base_name(path)):
                found.templates.append(path)
        elif in_folder:
            (found.guides if stem(path) in INDEX_STEMS else found.documents).append(path)
        elif named:
            guide = stem(path) in INDEX_STEMS or GUIDE_WORD.search(base_name(path))
            (found.guides if guide else found.documents).append(path)
    return found


def _postmortem_folder(folder: str) -> bool:
    """`postmortems`, `incidents`, `rca`, …, or any folder named for post-mortems."""
    name = folder.lstrip("_.+")
    return name in POSTMORTEM_FOLDERS or bool(re.search(r"post-?mortem", name))


def _issue_template_about_incidents(files: FileIndex, path: str) -> bool:
    """An issue template named for incidents, or whose name, title or heading says so."""
    if stem(path) == "config":
        return False  # the template chooser's configuration
    if INCIDENT_WORD.search(base_name(path)):
        return True
    text = bounded_text(files, path)
    return text is not None and any(
        TEMPLATE_TITLE.match(line) and INCIDENT_WORD.search(line)
        for line in text.splitlines()[:40])


def postmortems(files: FileIndex, out: Emitter) -> None:
    found = _find_postmortems(files)
    documents = [path for path in found.documents if bounded_text(files, path) is not None]
    none = "no post-mortem or incident review documents"
    out.emit("postmortems.documents", len(documents), documents[:MAX_LOCATORS],
             None if documents else none)
    out.emit("postmortems.template", bool(found.templates), found.templates[:MAX_LOCATORS],
             None if found.templates else "no post-mortem or incident template")
    blameless = next((where for path in [*found.templates, *found.guides, *documents]
                      for where in [_first_line(files, path, BLAMELESS)] if where), None)
    looked = [*found.templates, *found.guides, *documents]
    out.emit("postmortems.blameless", blameless is not None,
             [blameless] if blameless else looked[:MAX_LOCATORS],
             None if blameless else ("no blameless wording in post-mortem templates, guides or "
                                     "documents" if looked else none))
    if not documents:
        return
    with_actions: dict[str, str] = {}
    with_timeline: dict[str, str] = {}
    for path in documents:
        text = bounded_text(files, path) or ""
        sections = headings(path, text)
        action = _action_items(text, sections)
        if action:
            with_actions[path] = f"{path}:{action}"
        timeline = _timeline(text, sections)
        if timeline:
            with_timeline[path] = f"{path}:{timeline}"
    _share(out, "postmortems.action_items_share", documents, with_actions,
           "an action-items or follow-up section")
    _share(out, "postmortems.timeline_share", documents, with_timeline, "a timeline")


def _first_line(files: FileIndex, path: str, pattern: re.Pattern[str]) -> str | None:
    text = bounded_text(files, path)
    if text is None:
        return None
    number = next((i for i, line in enumerate(text.splitlines(), 1) if pattern.search(line)), None)
    return f"{path}:{number}" if number else None


def _action_items(text: str, sections: Iterable[Heading]) -> int | None:
    heading = next((h.line for h in sections if ACTION_HEADING.search(h.title)), None)
    if heading is not None:
        return heading
    return next((i for i, line in enumerate(text.splitlines(), 1) if TASK_ITEM.match(line)), None)


def _timeline(text: str, sections: Iterable[Heading]) -> int | None:
    heading = next((h.line for h in sections if TIMELINE_HEADING.search(h.title)), None)
    if heading is not None:
        return heading
    stamped = [i for i, line in enumerate(text.splitlines(), 1) if TIMESTAMP.search(line)]
    return stamped[0] if len(stamped) >= MIN_TIMESTAMPED_LINES else None


def _share(out: Emitter, signal: str, documents: Sequence[str], having: dict[str, str],
           what: str) -> None:
    missing = [path for path in documents if path not in having]
    locators = missing or [having[path] for path in documents]
    out.emit(signal, round(len(having) / len(documents), 2), locators[:MAX_LOCATORS],
             f"{len(having)} of {len(documents)} post-mortems have {what}"
             + (f"; missing in {', '.join(missing[:5])}" if missing else ""))
