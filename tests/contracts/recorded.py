"""What a collector asked a Git host and which keys of each answer it read.

A collector runs against a stand-in over real HTTP, with two observers put on its
client (nothing of its own code is replaced): every request is noted with its
method, URL and payload, and every decoded answer is handed over as dicts that note
each key looked up (`get`, `[]`, `in`), present or not, with its path from the root
(`("[]", "tool", "name")`: the `name` of the `tool` of an item of a list). A key read
that the API never returns then shows up as a read path the description lacks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

ReadPath = tuple[str, ...]


@dataclass
class Exchange:
    """One request and its decoded answer, with the keys read from it."""

    method: str
    url: str
    payload: Any
    status: int = 0
    data: Any = None
    reads: set[ReadPath] = field(default_factory=set)


class _Reading(dict[str, Any]):
    """A decoded JSON object that notes the keys looked up in it."""

    def __init__(self, data: dict[str, Any], path: ReadPath, reads: set[ReadPath]) -> None:
        super().__init__({k: _watched(v, (*path, k), reads) for k, v in data.items()})
        self._path, self._reads = path, reads

    def get(self, key: Any, default: Any = None) -> Any:
        self._reads.add((*self._path, str(key)))
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self._reads.add((*self._path, str(key)))
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._reads.add((*self._path, str(key)))
        return super().__contains__(key)


def _watched(value: Any, path: ReadPath, reads: set[ReadPath]) -> Any:
    if isinstance(value, dict):
        return _Reading(value, path, reads)
    if isinstance(value, list):
        return [_watched(item, (*path, "[]"), reads) for item in value]
    return value


@contextmanager
def recording(monkeypatch: pytest.MonkeyPatch, client: Any, api: type,
              call: Callable[..., Any], status_of: Callable[[Any], int]
              ) -> Iterator[list[Exchange]]:
    """Record the exchanges of `api` (its `_call`) whose answers `client.parse_json` decodes.

    `call(original, self, method, url, ...)` runs the original `_call` and gives
    `(result, method, url, payload)`; `status_of(result)` the HTTP status."""
    exchanges: list[Exchange] = []
    current = threading.local()
    original_call, original_parse = api._call, client.parse_json
    lock = threading.Lock()

    def observed_call(self: Any, *args: Any, **kwargs: Any) -> Any:
        result, method, url, payload = call(original_call, self, *args, **kwargs)
        exchange = Exchange(str(method).upper(), str(url), payload, status_of(result))
        with lock:
            exchanges.append(exchange)
        current.exchange = exchange
        return result

    def observed_parse(body: Any) -> Any:
        data = original_parse(body)
        exchange: Exchange | None = getattr(current, "exchange", None)
        if exchange is None:
            return data
        current.exchange = None
        exchange.data = data
        return _watched(data, (), exchange.reads)

    monkeypatch.setattr(api, "_call", observed_call)
    monkeypatch.setattr(client, "parse_json", observed_parse)
    yield exchanges


def plain(path: ReadPath) -> ReadPath:
    """A read path without its list steps (what a GraphQL selection names)."""
    return tuple(part for part in path if part != "[]")


# Keys of a GraphQL error a client may read (the GraphQL specification's, and GitHub's `type`).
ERROR_KEYS = frozenset({"message", "path", "locations", "extensions", "type"})


def unselected(exchange: Exchange) -> set[ReadPath]:
    """Keys read from a GraphQL answer that its document did not select: keys the API
    never sends in that answer."""
    allowed = selectable(exchange.payload["query"])
    return {path for path in map(plain, exchange.reads)
            if path not in allowed and not _error_read(path)}


def selectable(text: str) -> set[ReadPath]:
    """Every response path a document can answer with (list steps left out), and the two
    keys at the root of every GraphQL answer."""
    from graphql import parse
    from graphql.language import (
        FieldNode,
        FragmentDefinitionNode,
        FragmentSpreadNode,
        InlineFragmentNode,
        OperationDefinitionNode,
    )

    document = parse(text)
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    paths: set[ReadPath] = {("data",), ("errors",)}

    def walk(selections: Any, prefix: ReadPath) -> None:
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                path = (*prefix, (selection.alias or selection.name).value)
                paths.add(path)
                if selection.selection_set:
                    walk(selection.selection_set, path)
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set, prefix)
            elif isinstance(selection, FragmentSpreadNode):
                walk(fragments[selection.name.value].selection_set, prefix)

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            walk(definition.selection_set, ("data",))
    return paths


def _error_read(path: ReadPath) -> bool:
    return path[:1] == ("errors",) and (len(path) == 1 or path[1] in ERROR_KEYS)
