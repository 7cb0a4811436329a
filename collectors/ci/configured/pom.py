"""A Maven POM read safely, with the line each element starts on.

XML from a repository is hostile: the text is read with expat, which never fetches
anything, and a document that declares a DOCTYPE (the only place entities can be
defined, so the only door to entity expansion) is refused, as is one too large, too
deep or with too many elements.  Namespace prefixes are dropped from tag names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

MAX_CHARS = 2_000_000
MAX_ELEMENTS = 100_000
MAX_DEPTH = 64


@dataclass
class Element:
    tag: str
    line: int
    text: str = ""
    children: list[Element] = field(default_factory=list)

    def child(self, tag: str) -> Element | None:
        return next((c for c in self.children if c.tag == tag), None)

    def all(self, *path: str) -> list[Element]:
        """Elements at a path below this one: `all("build", "plugins", "plugin")`."""
        found = [self]
        for tag in path:
            found = [c for element in found for c in element.children if c.tag == tag]
        return found

    def value(self, *path: str) -> str:
        """The text at a path below this one ("" when absent)."""
        found = self.all(*path)
        return found[0].text.strip() if found else ""


class PomError(ValueError):
    """Not a POM this reader accepts; the message says why."""


def parse(text: str) -> Element:
    if len(text) > MAX_CHARS:
        raise PomError(f"larger than {MAX_CHARS:,} characters")
    parser = expat.ParserCreate()
    stack: list[Element] = []
    root: list[Element] = []
    count = 0

    def start(tag: str, _attributes: dict[str, str]) -> None:
        nonlocal count
        count += 1
        if count > MAX_ELEMENTS or len(stack) >= MAX_DEPTH:
            raise PomError("too many or too deeply nested elements")
        element = Element(tag.rsplit(":", 1)[-1], parser.CurrentLineNumber)
        (stack[-1].children if stack else root).append(element)
        stack.append(element)

    def end(_tag: str) -> None:
        stack.pop()

    def characters(data: str) -> None:
        if stack and len(stack[-1].text) < 10_000:
            stack[-1].text += data

    def refuse(*_args: object) -> None:
        raise PomError("declares a DOCTYPE or entities, which are not read")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(text, True)
    except expat.ExpatError as exc:
        raise PomError(f"not well-formed XML ({exc})") from None
    if not root or root[0].tag != "project":
        raise PomError("not a Maven POM (no <project> element)")
    return root[0]
