"""Contributor documentation: a CONTRIBUTING guide, and onboarding or developer-setup guides
(their own files, a setup section of CONTRIBUTING, a development section of the README)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from scanner.collectors.base import Emitter
from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.practices.reading import base_name, bounded_text, is_doc, is_own
from scanner.collectors.markup import headings
from scanner.lazy_patterns import lazy_compile

CONTRIBUTING_FOLDERS = ("", ".github/", "docs/", "doc/")
CONTRIBUTING_SUFFIXES = ("", ".md", ".markdown", ".rst", ".adoc", ".txt")
ONBOARDING_NAME = lazy_compile(r"(?i)^(onboarding|getting[-_ ]?started|development|developing|"
                               r"hacking)([-_. ].*)?$")
DOCS_DEV_ENTRY = lazy_compile(r"(?i)^((dev|development|developer|developers|developing)"
                              r"([-_.][^/]*)?|setup[^/]*)$")
# A README section written for people who work on the code, not for its users.
README_DEV_HEADING = lazy_compile(r"(?i)^(local |setting up (the |a )?)?(development|developing|"
                                  r"hacking|building from source|build from source|"
                                  r"developer (guide|setup))( (setup|environment|guide))?\s*$")
SETUP_HEADING = lazy_compile(r"(?i)\b(set(ting)?[- ]?up|build(ing)?|getting started|"
                             r"(development|dev|local|developer) (environment|setup)|"
                             r"local development|install(ing|ation)?|prerequisites)\b")


def contributing_guides(files: FileIndex, out: Emitter) -> list[str]:
    wanted = {(folder + "contributing" + suffix) for folder in CONTRIBUTING_FOLDERS
              for suffix in CONTRIBUTING_SUFFIXES}
    found = [path for path in files.paths()
             if path.count("/") <= 1 and _lower_name_path(path) in wanted]
    found.sort(key=lambda p: (p.count("/"), p))
    out.emit("docs.contributing", bool(found), found[:1],
             None if found else "no CONTRIBUTING file at the root, .github/, docs/ or doc/")
    return found


def _lower_name_path(path: str) -> str:
    folder, _, name = path.rpartition("/")
    return f"{folder}/{name.lower()}" if folder else name.lower()


def onboarding_guides(files: FileIndex, contributing: Sequence[str], out: Emitter) -> None:
    found: dict[str, str] = {}
    for path in files.paths():
        if not is_own(path):
            continue
        base = base_name(path)
        plain = "." not in base
        named = (is_doc(path) or plain) and ONBOARDING_NAME.match(base)
        if named or (is_doc(path) and _in_docs_onboarding(path)):
            found[path] = path
    for path in contributing:
        text = bounded_text(files, path)
        if text is None:
            continue
        section = next((h for h in headings(path, text) if SETUP_HEADING.search(h.title)), None)
        if section is not None:
            found[path] = f"{path}:{section.line}"
    readme = next((p for p in files.paths() if "/" not in p and
                   re.match(r"(?i)^readme(\.(md|markdown|rst|adoc|txt))?$", p)), None)
    text = bounded_text(files, readme) if readme else None
    if readme and text:
        section = next((h for h in headings(readme, text)
                        if README_DEV_HEADING.match(h.title.strip())), None)
        if section is not None:
            found[readme] = f"{readme}:{section.line}"
    paths = sorted(found)
    out.emit("docs.onboarding", paths, [found[p] for p in paths],
             None if paths else "no onboarding, getting-started, DEVELOPMENT or HACKING guide, "
             "no setup section in CONTRIBUTING and no development section in the README")


def _in_docs_onboarding(path: str) -> bool:
    """docs/dev*, docs/setup*, docs/contributing/…, docs/onboarding/…, docs/getting-started/…"""
    parts = path.split("/")
    for index, part in enumerate(parts[:-1]):
        if part.lower() not in ("docs", "doc"):
            continue
        entry = parts[index + 1]
        folder = entry.lower().replace("_", "-")
        if DOCS_DEV_ENTRY.match(entry) or (index + 2 < len(parts) and folder in (
                "contributing", "onboarding", "getting-started")):
            return True
    return False
