"""The GitHub collector and its stand-in, checked against GitHub's own descriptions.

- Every GraphQL document the collector sends validates against GitHub's published
  schema, with the variables it sends; every key it reads from an answer is one
  the document selected.
- Every REST call is an operation of the OpenAPI description of api.github.com,
  with declared parameters, and every key it reads from an answer is in that
  operation's response schema.
- The stand-in (tests/fakes/github_api.py) answers only fields the schema has,
  enum values it knows, and REST keys the description declares: a stand-in that
  made up a field would let the collector read a field GitHub never sends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from scanner import validate as v
from scanner.collectors.base import CollectSettings
from scanner.collectors.hosts.github import client as github_client
from scanner.collectors.hosts.github import queries
from scanner.collectors.hosts.github.collector import GitHubCollector

from contracts.recorded import Exchange, ReadPath, recording, unselected
from contracts.specs import OpenApi, github_schema, openapi, required
from fakes import graphql_engine as gql
from fakes.github_api import FakeGitHub

TOKEN = "ghp_contract_test_token"
NOW = datetime.now(UTC).replace(microsecond=0)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def documents() -> dict[str, str]:
    """Every GraphQL document of the collector's query module."""
    return {name: value for name, value in vars(queries).items()
            if name.isupper() and isinstance(value, str) and "query " in value}


def rich_organisation(fake: FakeGitHub) -> None:
    """Repositories that make the collector read every part it can: protection, pages of
    pull requests and deployments, releases, issues, alerts, code and secret scanning,
    and deploy workflow runs where no deployment is recorded."""
    fake.add_repo(
        "acme", "api", {"app.py": "print(1)\n"},
        branch_protection=[{"pattern": "main", "requiresApprovingReviews": True,
                            "requiresStatusChecks": True,
                            "requiredStatusCheckContexts": ["test"]}],
        rulesets=[{"name": "main", "rules": [
            {"type": "PULL_REQUEST", "parameters": {"requiredApprovingReviewCount": 1}},
            {"type": "REQUIRED_STATUS_CHECKS",
             "parameters": {"requiredStatusChecks": ["CodeQL"]}},
            {"type": "REQUIRED_SIGNATURES"}]}],
        pulls=[{"number": n, "merged_at": ago(n * 0.5), "author": "ana", "approvers": ["bo"],
                "first_commit_at": ago(n * 0.5 + 1), "labels": ["bug"]} for n in range(1, 121)],
        deployments=[{"environment": env, "created_at": ago(d / 4), "state": state}
                     for d in range(160) for env, state in (("production", "SUCCESS"),
                                                           ("preview", "FAILURE"))],
        environments=["staging"],
        releases=[{"tag": f"v{n}", "published_at": ago(n), "assets": ["a.tar.gz", "a.sig"]}
                  for n in range(5)],
        issues=[{"number": n, "created_at": ago(n), "closed_at": ago(n - 0.5),
                 "labels": ["incident"]} for n in range(1, 6)],
        dependabot_alerts=[{"created_at": ago(30), "fixed_at": ago(20), "severity": "high"}],
        code_scanning=[{"tool": "CodeQL", "created_at": ago(1)},
                       {"tool": "Semgrep", "created_at": ago(2), "analysis_key": "semgrep.yml"},
                       {"tool": None, "created_at": ago(3), "analysis_key": "upload"}],
        code_scanning_alerts=[{"created_at": ago(3), "security_severity_level": "high"}],
        secret_scanning=[{"created_at": ago(4)}])
    fake.add_repo(
        "acme", "runs", {"README.md": "x"}, code_scanning=None, secret_scanning=None,
        workflow_runs=[{"name": "Deploy", "path": ".github/workflows/deploy.yml",
                        "created_at": ago(d), "head_branch": "main"} for d in range(3)])


def call(original: Any, self: Any, verb: str, url: str, *, headers: Any = None,
         payload: Any = None) -> tuple[Any, str, str, Any]:
    return original(self, verb, url, headers=headers, payload=payload), verb, url, payload


@pytest.fixture(scope="module")
def exchanges() -> Iterator[list[Exchange]]:
    """Everything a scan of the organisation asked and read (one scan for the module)."""
    openapi(), github_schema()  # skip early (or fail under CI) without the descriptions
    with pytest.MonkeyPatch.context() as patch, FakeGitHub(TOKEN) as fake, recording(
            patch, github_client, github_client.GitHubApi, call,
            lambda result: int(result[0])) as found:
        rich_organisation(fake)
        patch.setenv("GITHUB_TOKEN", TOKEN)
        for entry in ({"org": "acme"}, {"repos": ["acme/api"]}):
            target = GitHubCollector.configure_target(
                {**entry, "base_url": fake.base_url}, v.Where("config.yaml"), Path("."))
            collected = GitHubCollector().collect(target, CollectSettings())
            assert not [p for p in collected.problems if p.severity == "error"], \
                collected.problems
        assert fake.server_errors == []
        yield found


def api_path(exchange: Exchange) -> tuple[str, list[tuple[str, str]]]:
    parts = urlsplit(exchange.url)
    return parts.path, parse_qsl(parts.query, keep_blank_values=True)


# --- GraphQL ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(documents()))
def test_every_graphql_document_validates_against_githubs_schema(name: str) -> None:
    from graphql import parse, validate

    errors = validate(github_schema(), parse(documents()[name]))
    assert [str(e) for e in errors] == []


def test_the_variables_sent_fit_the_documents_declarations(exchanges: list[Exchange]) -> None:
    from graphql import parse
    from graphql.execution.values import get_variable_values
    from graphql.language import OperationDefinitionNode

    sent = [e for e in exchanges if e.method == "POST"]
    assert len(sent) > 1  # the whole query and further pages
    for exchange in sent:
        document = parse(exchange.payload["query"])
        operation = next(d for d in document.definitions
                         if isinstance(d, OperationDefinitionNode))
        coerced = get_variable_values(github_schema(), operation.variable_definitions,
                                      exchange.payload["variables"])
        assert not isinstance(coerced, list), [str(e) for e in coerced]


def test_every_key_read_from_a_graphql_answer_was_selected(exchanges: list[Exchange]) -> None:
    for exchange in (e for e in exchanges if e.method == "POST"):
        assert ("data", "repository") in exchange.reads  # the reads are seen
        assert unselected(exchange) == set(), exchange.payload["variables"]


def test_the_stand_ins_graphql_objects_have_only_fields_githubs_schema_has() -> None:
    from graphql import GraphQLEnumType, GraphQLObjectType, get_named_type

    schema = github_schema()
    with FakeGitHub(TOKEN) as fake:
        rich_organisation(fake)
        root = fake._graphql_root(_NoCall(), 1)  # what the stand-in's GraphQL answers from
        repository = root["repository"]({"owner": "acme", "name": "api"})
        problems: list[str] = []
        seen: set[int] = set()

        def check(obj: Mapping[str, Any], where: str) -> None:
            if id(obj) in seen:
                return
            seen.add(id(obj))
            typename = str(obj.get("__typename"))
            kind = schema.type_map.get(typename)
            if not isinstance(kind, GraphQLObjectType):
                problems.append(f"{where}: type {typename} is not an object type of the schema")
                return
            interfaces = {i.name for i in kind.interfaces}
            problems.extend(f"{where}: {typename} does not implement {name}"
                            for name in obj.get("__implements", ()) if name not in interfaces)
            for key, value in obj.items():
                if key.startswith("__"):
                    continue
                field = kind.fields.get(key)
                if field is None:
                    problems.append(f"{where}.{key}: {typename} has no field {key}")
                    continue
                named = get_named_type(field.type)
                for item in _values(value):
                    if isinstance(named, GraphQLEnumType) and isinstance(item, str) \
                            and item not in named.values:
                        problems.append(f"{where}.{key}: {item} is not a {named.name} value")
                    elif isinstance(item, Mapping):
                        check(item, f"{where}.{key}")
                    elif isinstance(item, gql.Connection):
                        check({"__typename": item.typename, "nodes": list(item.items),
                               "totalCount": 0}, f"{where}.{key}")

        check(root, "Query")
        check(repository, "Query.repository")
        assert problems == []


class _NoCall:
    """The request a root is made for: the stand-in notes the repository it names."""

    repo: str | None = None


def _values(value: Any) -> Iterator[Any]:
    """A field's value as its nodes: a resolver is called with no arguments."""
    if callable(value) and not isinstance(value, gql.Connection):
        try:
            value = value({"includeParents": True})
        except (TypeError, KeyError, ValueError):
            return
    if isinstance(value, list | tuple):
        for item in value:
            yield from _values(item)
    elif isinstance(value, gql.FieldError):
        return
    else:
        yield value


# --- REST ------------------------------------------------------------------------------------


def rest(exchanges: list[Exchange]) -> list[Exchange]:
    return [e for e in exchanges if e.method == "GET"]


def test_every_rest_call_is_an_operation_of_the_description_with_declared_parameters(
        exchanges: list[Exchange]) -> None:
    described = openapi()
    problems = []
    for exchange in rest(exchanges):
        path, query = api_path(exchange)
        operation = described.operation("GET", path)
        if operation is None:
            problems.append(f"GET {path}: no such operation in api.github.com {described.version}")
            continue
        for name, value in query:
            parameter = operation.parameters.get(name)
            if parameter is None or parameter.get("in") != "query":
                problems.append(f"GET {operation.template}: no query parameter {name}")
                continue
            allowed = described.resolve(parameter.get("schema", {})).get("enum")
            if allowed and value not in allowed:
                problems.append(f"GET {operation.template}: {name}={value} not in {allowed}")
    assert problems == []
    assert {described.operation("GET", api_path(e)[0]).template  # type: ignore[union-attr]
            for e in rest(exchanges)} >= {
        "/orgs/{org}/repos", "/repos/{owner}/{repo}",
        "/repos/{owner}/{repo}/code-scanning/analyses",
        "/repos/{owner}/{repo}/code-scanning/alerts",
        "/repos/{owner}/{repo}/secret-scanning/alerts", "/repos/{owner}/{repo}/actions/runs",
        "/repos/{owner}/{repo}/tarball/{ref}"}


def test_every_key_read_from_a_rest_answer_is_in_its_response_schema(
        exchanges: list[Exchange]) -> None:
    described = openapi()
    problems = []
    for exchange in rest(exchanges):
        operation = described.operation("GET", api_path(exchange)[0])
        schema = None if operation is None else described.response_schema(
            operation, exchange.status)
        if operation is None or schema is None:
            continue
        problems += [f"GET {operation.template} ({exchange.status}): reads {'.'.join(path)}"
                     for path in sorted(exchange.reads) if not declared(described, schema, path)]
    assert problems == []


def test_the_stand_ins_rest_answers_hold_only_keys_the_description_declares(
        exchanges: list[Exchange]) -> None:
    described = openapi()
    problems = []
    for exchange in rest(exchanges):
        operation = described.operation("GET", api_path(exchange)[0])
        schema = None if operation is None else described.response_schema(
            operation, exchange.status)
        if operation is None or schema is None:
            continue
        problems += [f"GET {operation.template} ({exchange.status}): answers {'.'.join(path)}"
                     for path in sorted(set(paths_in(exchange.data)))
                     if not declared(described, schema, path)]
    assert problems == []


def declared(described: OpenApi, schema: Any, path: ReadPath) -> bool:
    """Whether a value at `path` (keys and `[]` list steps) can be in an answer of `schema`."""
    for step in path:
        if schema is None:
            return True  # below an open object: not described further
        if step == "[]":
            schema = described.items(schema)
            continue
        present, schema = described.member(schema, step)
        if not present:
            return False
    return True


def paths_in(data: Any, prefix: ReadPath = ()) -> Iterator[ReadPath]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*prefix, key)
            yield from paths_in(value, (*prefix, key))
    elif isinstance(data, list):
        for item in data:
            yield from paths_in(item, (*prefix, "[]"))


def test_the_installed_descriptions_are_the_pinned_ones() -> None:
    """A stale node_modules would check against another version than CI does."""
    folder = Path(__file__).parent
    pinned = json.loads((folder / "package.json").read_text())["dependencies"]
    for package, version in pinned.items():
        installed = required(folder / "node_modules" / package / "package.json")
        assert json.loads(installed.read_text())["version"] == version, package
