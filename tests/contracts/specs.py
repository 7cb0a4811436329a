"""The vendors' machine-readable API descriptions, as the contract tests read them.

`.ci/run` installs them with `npm ci` in this folder (package.json pins the
versions): GitHub's GraphQL schema (`@octokit/graphql-schema`, its introspection
JSON) and the OpenAPI description of api.github.com (`@octokit/openapi`). Without
them the contract tests are skipped, except under `CI`, where that is a failure.

GitHub's published schema does not pass graphql-core's own checks of a schema (a
few interface fields are deprecated on one side only); the schema is taken as
GitHub serves it (`assume_valid`), and documents are validated against it.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

NODE_MODULES = Path(__file__).parent / "node_modules"
GRAPHQL_SCHEMA = NODE_MODULES / "@octokit" / "graphql-schema" / "schema.json"
OPENAPI = NODE_MODULES / "@octokit" / "openapi" / "generated" / "api.github.com.json"


def required(path: Path) -> Path:
    """`path`, or a skip (a failure under CI) saying how to install it."""
    if path.is_file():
        return path
    message = (f"{path.relative_to(Path(__file__).parent)} is missing: run `npm ci` in "
               "tests/contracts (.ci/run does)")
    if os.environ.get("CI"):  # CI installs the descriptions: their absence there is a failure
        pytest.fail(message)
    pytest.skip(message)


@functools.cache
def github_schema() -> Any:
    """GitHub's GraphQL schema (a graphql-core `GraphQLSchema`)."""
    from graphql import build_client_schema

    introspection = json.loads(required(GRAPHQL_SCHEMA).read_text())
    return build_client_schema(introspection.get("data", introspection), assume_valid=True)


@functools.cache
def openapi() -> OpenApi:
    return OpenApi(json.loads(required(OPENAPI).read_text()))


@dataclass(frozen=True)
class Operation:
    template: str  # the path as the description writes it: /repos/{owner}/{repo}
    method: str
    spec: Mapping[str, Any]
    parameters: Mapping[str, Mapping[str, Any]]  # name -> parameter (query and path)


class OpenApi:
    """An OpenAPI 3 description: operations by concrete path, and schemas with `$ref`s
    resolved as they are walked."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.version = str(document.get("info", {}).get("version"))
        self._templates = [(template, _pattern(template)) for template in document["paths"]]

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation that answers `method` on a concrete `path` (no query), the most
        literal template first (`/repos/{owner}/{repo}/tarball/{ref}` before a catch-all)."""
        matches = [t for t, pattern in self._templates if pattern.fullmatch(path)]
        matches.sort(key=lambda t: t.count("{"))
        for template in matches:
            item = self.document["paths"][template]
            spec = item.get(method.lower())
            if spec is not None:
                parameters = {}
                for raw in [*item.get("parameters", []), *spec.get("parameters", [])]:
                    parameter = self.resolve(raw)
                    parameters[parameter["name"]] = parameter
                return Operation(template, method.upper(), spec, parameters)
        return None

    def resolve(self, node: Any) -> Any:
        while isinstance(node, Mapping) and "$ref" in node:
            target: Any = self.document
            for part in str(node["$ref"]).removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def response_schema(self, operation: Operation, status: int) -> Any | None:
        responses = operation.spec.get("responses", {})
        response = self.resolve(responses.get(str(status)) or responses.get(f"{status // 100}XX"))
        content = (response or {}).get("content", {})
        media = content.get("application/json") or next(
            (v for k, v in content.items() if k.endswith("json")), None)
        return None if media is None else self.resolve(media.get("schema"))

    def member(self, schema: Any, key: str) -> tuple[bool, Any]:
        """Whether an object of `schema` may hold `key`, and that member's schema (None when
        the object is open: `additionalProperties`)."""
        properties, open_ = self._properties(schema)
        if key in properties:
            return True, properties[key]
        return open_, None

    def items(self, schema: Any) -> Any:
        """The schema of an array's items (the variants' items merged by walking each)."""
        schema = self.resolve(schema)
        for variant in self._variants(schema):
            if "items" in variant:
                return variant["items"]
        return None

    def _properties(self, schema: Any) -> tuple[dict[str, Any], bool]:
        properties: dict[str, Any] = {}
        open_ = False
        for variant in self._variants(self.resolve(schema)):
            properties.update(variant.get("properties", {}))
            extra = variant.get("additionalProperties")
            open_ |= bool(extra) and extra is not False
        return properties, open_

    def _variants(self, schema: Any) -> Iterator[Mapping[str, Any]]:
        """The schema and every schema it combines (`allOf`, `oneOf`, `anyOf`)."""
        schema = self.resolve(schema)
        if not isinstance(schema, Mapping):
            return
        yield schema
        for combinator in ("allOf", "oneOf", "anyOf"):
            for part in schema.get(combinator, []):
                yield from self._variants(part)


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)))
