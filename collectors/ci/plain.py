"""CI systems this scanner does not parse, read as plain commands.

A file of an unparsed CI system (AppVeyor, Cirrus, Semaphore, …) still says what
it runs: its text values are command lines, and its `image:` values are images.
Read that way it gives one job whose tools count, while when the job runs stays
unknown (no triggers): negatives that depend on timing are left unsaid, the
others are not lost because of one file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.collectors.ci.model import COMMAND, IMAGE, Job, ParseResult, Reference, shell_lines
from scanner.collectors.tree import RepoTree, SkippedFile
from scanner.yaml_source import LineDict, LineList, YamlError, load_yaml_documents

MAX_VALUES = 5000  # text values read from one file
_IMAGE_KEYS = frozenset({"image", "container", "docker_image"})
# Keys whose text is a name or a setting, never a command.
_NOT_COMMANDS = frozenset({"name", "description", "branches", "only", "except", "if", "when",
                           "version", "os", "dist", "language", "platform", "stack", "env",
                           "environment", "cpu", "memory", "timeout", "label", "key", "title"})


def read_plain(tree: RepoTree, system: str, path: str) -> ParseResult:
    result = ParseResult(system, plain=True)
    try:
        text = tree.read_text(path)
        documents = load_yaml_documents(text)
    except SkippedFile as skipped:
        result.unreadable.append((path, str(skipped)))
        return result
    except YamlError as exc:
        result.unreadable.append((path, f"not valid YAML ({exc})"))
        return result
    result.files.append(path)
    references: list[Reference] = []
    for key, text_value, line, literal in _values(documents):
        if len(references) >= MAX_VALUES:
            result.notes.append((path, f"only the first {MAX_VALUES} values were read"))
            break
        if key in _IMAGE_KEYS:
            references.append(Reference(IMAGE, text_value.strip(), f"{path}:{line}"))
        elif key not in _NOT_COMMANDS:
            references += [Reference(COMMAND, command,
                                     f"{path}:{line + 1 + offset if literal else line}")
                           for offset, command in shell_lines(text_value)]
    result.jobs.append(Job(system, path, f"{path} (read as plain commands)", f"{path}:1",
                           frozenset(), tuple(references)))
    return result


def _values(node: Any, key: str = "", depth: int = 0
            ) -> Iterator[tuple[str, str, int, bool]]:
    """(key, text, line, literal block) of every text value under a YAML node."""
    if depth > 32:
        return
    if isinstance(node, list) and not isinstance(node, LineList):  # the documents
        for document in node:
            yield from _values(document, key, depth + 1)
    elif isinstance(node, LineDict):
        for name, value in node.items():
            if isinstance(value, str):
                position = node.position_of(name)
                yield str(name), value, node.line_of(name), position.literal_block
            else:
                yield from _values(value, str(name), depth + 1)
    elif isinstance(node, LineList):
        for index, value in enumerate(node):
            if isinstance(value, str):
                position = node.position_of(index)
                yield key, value, position.line, position.literal_block
            else:
                yield from _values(value, key, depth + 1)
