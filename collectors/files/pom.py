"""The dependencies a Maven `pom.xml` declares, read as text (no XML parser)."""

from __future__ import annotations

from collections.abc import Iterator

from scanner import patterns
from scanner.lazy_patterns import lazy_compile

# On RE2: in Python's `re`, each `<dependency>` with no closing tag after it scans to the
# end of the file, quadratic over a long pom.xml.
_DEPENDENCY = patterns.own(r"(?s)<dependency>(.*?)</dependency>")
_GROUP = lazy_compile(r"<groupId>\s*([^<\s]+)\s*</groupId>")
_ARTIFACT = lazy_compile(r"<artifactId>\s*([^<\s]+)\s*</artifactId>")


def dependencies(text: str) -> Iterator[tuple[str, int]]:
    """(`group:artifact`, or the artifact alone, and its line) for each dependency."""
    for block in _DEPENDENCY.finditer(text):
        body = block[1] or ""
        group = _GROUP.search(body)
        artifact = _ARTIFACT.search(body)
        if artifact:
            name = f"{group[1]}:{artifact[1]}" if group else artifact[1]
            yield name, text.count("\n", 0, block.start(1) + artifact.start()) + 1
