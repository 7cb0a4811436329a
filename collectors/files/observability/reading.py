"""How the observability detector reads: a file's text (within a size bound), the line a
pattern first finds, and the mappings and sequences of parsed documents, YAML kept in
strings included."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.observability.found import Where
from scanner.yaml_source import LineDict, LineList, TextPosition, YamlError, load_yaml_documents

MAX_DEPTH = 40
MAX_FILE_CHARS = 1_000_000


def bounded_text(files: FileIndex, path: str) -> str | None:
    text = files.text(path)
    if text is None or len(text) > MAX_FILE_CHARS:
        return None
    return text


def first_line(text: str, pattern: re.Pattern[str]) -> int | None:
    """The line where the pattern first finds something in the text, None when nowhere."""
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def nodes(node: Any) -> Iterator[LineDict | LineList]:
    """Every mapping and sequence of a document, each once (YAML aliases can share or
    nest them), to a bounded depth."""
    seen: set[int] = set()
    pending: list[tuple[Any, int]] = [(node, 0)]
    while pending:
        item, depth = pending.pop()
        if not isinstance(item, LineDict | LineList) or id(item) in seen or depth > MAX_DEPTH:
            continue
        seen.add(id(item))
        yield item
        children = item.values() if isinstance(item, LineDict) else item
        pending.extend((child, depth + 1) for child in reversed(list(children)))


def mappings(node: Any) -> Iterator[LineDict]:
    return (item for item in nodes(node) if isinstance(item, LineDict))


def str_or_empty(value: Any) -> str:
    return value if isinstance(value, str) else ""


def embedded(documents: Sequence[Any], path: str, markers: Sequence[str]
             ) -> Iterator[tuple[Any, Where]]:
    """YAML documents kept in string values (ConfigMap data, Helm values such as
    `customRules`), when the string holds one of the markers."""
    for node in documents:
        for item in nodes(node):
            keys: Iterable[Any] = item.keys() if isinstance(item, LineDict) else range(len(item))
            for key in keys:
                value = item[key]
                if not isinstance(value, str) or "\n" not in value \
                        or not any(marker in value for marker in markers):
                    continue
                try:
                    inner = load_yaml_documents(value)
                except YamlError:
                    continue
                position: TextPosition = item.position_of(key)
                where = Where(path, offset=position.line) if position.literal_block \
                    else Where(path, fixed=position.line)
                yield from ((doc, where) for doc in inner if doc is not None)
