"""The values YAML is read into, apart from the reading: mappings and sequences that
remember the lines they were written on, values with a custom tag, and the error a text
that is not YAML raises. `yaml_source` reads text into them with PyYAML, which takes
0.03 s to import; what only holds or walks them (the checks of the scanner's own files,
read back from the cache) need not import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TextPosition:
    """Where a value starts (1-based), and whether it is a block scalar.

    In a literal block (`|`), line *i* of the text sits at `line + 1 + i`.
    """

    line: int
    literal_block: bool = False

    def line_of(self, text_line_index: int) -> int:
        if self.literal_block:
            return self.line + 1 + text_line_index
        return self.line


class LineDict(dict[Any, Any]):
    """A mapping that remembers where it, its keys and its values start.

    `file` is set by `stamp_file`; after merging mappings from several files
    (GitLab `include:`), `value_files` says which file each value came from.
    """

    line: int = 0
    file: str = ""

    def __init__(self) -> None:
        super().__init__()
        self.value_positions: dict[Any, TextPosition] = {}
        self.key_lines: dict[Any, int] = {}
        self.value_files: dict[Any, str] = {}

    def file_of(self, key: Any) -> str:
        return self.value_files.get(key, self.file)

    def locate(self, key: Any, text_line_index: int = 0) -> str:
        """`file:line` of a key (of one line of its value, for a block scalar)."""
        position = self.position_of(key)
        line = position.line_of(text_line_index) if position.literal_block \
            else self.line_of(key)
        return f"{self.file_of(key)}:{line}"

    def line_of(self, key: Any) -> int:
        """The line a key is written on."""
        return self.key_lines.get(key, self.line)

    def position_of(self, key: Any) -> TextPosition:
        return self.value_positions.get(key, TextPosition(self.line))


class LineList(list[Any]):
    """A sequence that remembers where it and each item start."""

    line: int = 0
    file: str = ""

    def __init__(self) -> None:
        super().__init__()
        self.item_positions: list[TextPosition] = []

    def line_of(self, index: int) -> int:
        if 0 <= index < len(self.item_positions):
            return self.item_positions[index].line
        return self.line

    def position_of(self, index: int) -> TextPosition:
        if 0 <= index < len(self.item_positions):
            return self.item_positions[index]
        return TextPosition(self.line)

    def locate(self, index: int, text_line_index: int = 0) -> str:
        return f"{self.file}:{self.position_of(index).line_of(text_line_index)}"


@dataclass(frozen=True)
class Tagged:
    """A value carrying a custom tag, e.g. GitLab's `!reference [.job, script]`."""

    tag: str
    value: Any
    line: int


def stamp_file(data: Any, path: str) -> Any:
    """Record on every mapping and sequence in `data` the file it was read from."""
    seen: set[int] = set()
    pending = [data]
    while pending:
        item = pending.pop()
        if id(item) in seen or not isinstance(item, LineDict | LineList):
            continue
        seen.add(id(item))
        item.file = path
        pending.extend(item.values() if isinstance(item, LineDict) else item)
    return data


class YamlError(ValueError):
    """The text is not YAML this loader accepts; the message names the line."""
