"""The monitoring collectors' endpoints held against the vendors' own machine-readable
descriptions, and the stand-ins held against the same descriptions.

Datadog: the models of `datadog-api-client` (generated from Datadog's OpenAPI
specification) give each endpoint's path, query parameters and response schema: every
endpoint the collector declares must exist, every parameter it sends must be one of the
endpoint's, every key it reads must be in the response schema, and every key the
stand-in answers must be too. PagerDuty publishes no schema in a package this machine can
install; its official client (`pagerduty`) ships the REST API's path list, the wrapper
key each answer comes under and which listings page by cursor, generated from its API
reference: those are checked. Field names of PagerDuty answers are not."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.api_client import Endpoint as ClientEndpoint
from datadog_api_client.model_utils import ModelComposed, ModelNormal

from scanner.collectors.base import CollectSettings
from scanner.collectors.declared import ANY_KEY, EACH
from scanner.collectors.monitoring.datadog import DatadogCollector
from scanner.collectors.monitoring.endpoints import CATALOGUE, Endpoint
from scanner.collectors.monitoring.pagerduty import PagerDutyCollector
from scanner.validate import Where

from fakes.datadog_api import FakeDatadog
from fakes.pagerduty_api import FakePagerDuty

KEY = "contract-key"
NOW = datetime.now(UTC)
DATADOG = sorted((e for e in CATALOGUE.values() if e.tool == "datadog"), key=lambda e: e.path)
PAGERDUTY = sorted((e for e in CATALOGUE.values() if e.tool == "pagerduty"),
                   key=lambda e: e.path)


def _published() -> dict[str, ClientEndpoint]:
    """Every GET endpoint of the Datadog client, by path."""
    from datadog_api_client.v1 import apis as v1
    from datadog_api_client.v2 import apis as v2

    found: dict[str, ClientEndpoint] = {}
    with ApiClient(Configuration()) as client:
        for module in (v1, v2):
            for _, api in inspect.getmembers(module, inspect.isclass):
                for item in vars(api(client)).values():
                    if isinstance(item, ClientEndpoint) and \
                            item.settings["http_method"] == "GET":
                        found[item.settings["endpoint_path"]] = item
    return found


PUBLISHED = _published()


def _children(types: Any, key: str) -> list[Any]:
    """The types a key (or EACH, the items of a list) of a value of `types` can have."""
    found: list[Any] = []
    for kind in types:
        if isinstance(kind, list):
            found += kind if key == EACH else []
        elif isinstance(kind, dict):
            found += list(next(iter(kind.values()))) if key != EACH else []
        elif kind in (dict, list):  # a free-form object or list
            found.append(kind)
        elif isinstance(kind, type) and issubclass(kind, ModelComposed):
            found += _children(kind._composed_schemas.get("oneOf", ()), key)
        elif isinstance(kind, type) and issubclass(kind, ModelNormal) and key != EACH:
            names = {json: name for name, json in kind.attribute_map.items()}
            if key in names:
                found += list(kind.openapi_types[names[key]])
            elif "additional_properties_type" in vars(kind):  # a map of its own: any key
                found += list(kind.additional_properties_type)
    return found


def _resolves(types: Any, path: str) -> bool:
    for part in path.split("."):
        key, each = part.removesuffix(EACH), part.endswith(EACH)
        if key:
            types = _children(types, key) if key != ANY_KEY else [
                value for kind in types if isinstance(kind, dict)
                for value in next(iter(kind.values()))]
        if each:
            types = _children(types, EACH)
        if not types:
            return False
    return True


def _unknown(value: Any, types: Any, at: str) -> list[str]:
    """The keys of a JSON value that none of `types` has."""
    if any(kind in (dict, list) for kind in types):
        return []
    if isinstance(value, dict):
        wrong: list[str] = []
        for key, child in value.items():
            inner = _children(types, key)
            where = f"{at}.{key}" if at else key
            wrong += _unknown(child, inner, where) if inner else [where]
        return wrong
    if isinstance(value, list):
        inner = _children(types, EACH)
        return [error for item in value for error in _unknown(item, inner, f"{at}[]")]
    return []


@pytest.mark.parametrize("endpoint", DATADOG, ids=lambda e: e.path)
def test_a_datadog_endpoint_exists_with_the_parameters_sent(endpoint: Endpoint) -> None:
    published = PUBLISHED.get(endpoint.path)
    assert published is not None, f"Datadog has no GET {endpoint.path}"
    query = {spec["attribute"] for spec in published.params_map.values()
             if spec.get("location") == "query"}
    assert set(endpoint.params) <= query, f"not parameters of {endpoint.path}: " \
        f"{sorted(set(endpoint.params) - query)}"


@pytest.mark.parametrize("endpoint", DATADOG, ids=lambda e: e.path)
def test_every_datadog_key_read_is_in_the_response_schema(endpoint: Endpoint) -> None:
    answer = PUBLISHED[endpoint.path].settings["response_type"]
    paths = [*([f"{endpoint.items}{EACH}"] if endpoint.items is not None else []),
             *endpoint.reads]
    assert answer is not None or not paths, f"{endpoint.path} answers nothing to read"
    missing = [path for path in paths if not _resolves(answer, path)]
    assert not missing, f"not in {endpoint.path}'s response schema: {missing}"


@pytest.fixture(scope="module")
def stand_in() -> Iterator[tuple[FakeDatadog, dict[str, str]]]:
    """A Datadog stand-in holding one of everything the collector reads."""
    with FakeDatadog(KEY, KEY) as fake:
        slo = fake.add_slo("checkout", ["service:checkout", "env:prod", "team:pay"])
        fake.add_monitor("cpu", tags=["service:checkout"])
        fake.add_burn_alert(slo, "@pagerduty-checkout", ["service:checkout"])
        fake.add_test("login", tags=["service:checkout"])
        fake.add_test("checkout api", test_type="api", subtype="multi",
                      tags=["service:checkout"])
        fake.add_rum_app("checkout")
        fake.add_rule("brute force", "@service:checkout", tags=["service:checkout"])
        fake.add_signal(["service:checkout"], NOW - timedelta(hours=2))
        fake.add_host("web-1", ["env:prod", "service:checkout"])
        incident = fake.add_incident("outage", created=NOW - timedelta(days=2),
                                     impact_start=NOW - timedelta(days=2, minutes=10),
                                     detected=NOW - timedelta(days=2),
                                     resolved=NOW - timedelta(days=1), services=["checkout"],
                                     postmortem_at=NOW - timedelta(hours=20), todos=2)
        yield fake, {"slo_id": slo, "incident_id": incident}


@pytest.mark.parametrize("endpoint", DATADOG, ids=lambda e: e.path)
def test_the_datadog_stand_in_answers_only_what_the_schema_has(
        endpoint: Endpoint, stand_in: tuple[FakeDatadog, dict[str, str]]) -> None:
    fake, ids = stand_in
    params = {"include": "attachments"} if "include" in endpoint.params else {}
    answer = requests.get(f"{fake.origin}{endpoint.path.format(**ids)}", params=params,
                          headers={"DD-API-KEY": KEY, "DD-APPLICATION-KEY": KEY}, timeout=10)
    assert answer.ok, answer.text
    schema = PUBLISHED[endpoint.path].settings["response_type"]
    wrong = _unknown(answer.json(), schema, "")
    assert not wrong, f"the stand-in answers keys {endpoint.path} never has: {wrong}"


def _pagerduty_client() -> Any:
    from pagerduty import rest_api_v2_client

    return rest_api_v2_client


@pytest.mark.parametrize("endpoint", PAGERDUTY, ids=lambda e: e.path)
def test_a_pagerduty_endpoint_is_published_and_pages_as_read(endpoint: Endpoint) -> None:
    client = _pagerduty_client()
    assert endpoint.path in client.CANONICAL_PATHS, f"PagerDuty has no {endpoint.path}"
    _, wrapper = client.entity_wrappers("GET", endpoint.path)
    if endpoint.items is not None:
        assert endpoint.items == wrapper, f"{endpoint.path} answers under {wrapper}"
        # Read with offset and limit: a cursor-paged listing would stop at its first page.
        assert endpoint.path not in client.CURSOR_BASED_PAGINATION_PATHS
    if "since" in endpoint.params:
        assert endpoint.path in client.HISTORICAL_RECORD_PATHS


@pytest.mark.parametrize("endpoint", [e for e in PAGERDUTY if e.items],
                         ids=lambda e: e.path)
def test_the_pagerduty_stand_in_answers_under_the_published_wrapper(endpoint: Endpoint) -> None:
    with FakePagerDuty(KEY) as fake:
        incident = fake.add_incident(NOW - timedelta(days=3), resolved=NOW - timedelta(days=2),
                                     note="post-mortem: https://wiki.example.com/pm/1")
        answer = requests.get(
            f"{fake.origin}{endpoint.path.format(id=incident)}",
            params={"limit": 10, "since": (NOW - timedelta(days=30)).isoformat(),
                    "until": NOW.isoformat()},
            headers={"Authorization": f"Token token={KEY}",
                     "Accept": "application/vnd.pagerduty+json;version=2"}, timeout=10)
    assert answer.ok, answer.text
    _, wrapper = _pagerduty_client().entity_wrappers("GET", endpoint.path)
    assert isinstance(answer.json().get(wrapper), list) and answer.json()[wrapper]


def _unread(tool: str, read: set[tuple[str, str]]) -> dict[str, list[str]]:
    return {endpoint.path: missing for endpoint in CATALOGUE.values() if endpoint.tool == tool
            if (missing := [path for path in endpoint.reads if
                            (f"{tool} {endpoint.path}", path.removesuffix(EACH)) not in read])}


def test_every_declared_datadog_read_is_made_by_a_scan(
        stand_in: tuple[FakeDatadog, dict[str, str]], monkeypatch: pytest.MonkeyPatch,
        reads_made: set[tuple[str, str]]) -> None:
    """The declared-read guard binds the code only where it runs: a scan of the
    stand-in's organisation must look for every key declared."""
    fake, _ = stand_in
    monkeypatch.setenv("DD_API_KEY", KEY)
    monkeypatch.setenv("DD_APP_KEY", KEY)
    target = DatadogCollector.configure_target({"api_url": fake.origin}, Where("c.yaml"),
                                               Path("."))
    found = DatadogCollector().collect(target, CollectSettings())
    assert found.evidence and not found.problems, found.problems
    assert not _unread("datadog", reads_made)


def test_every_declared_pagerduty_read_is_made_by_a_scan(
        monkeypatch: pytest.MonkeyPatch, reads_made: set[tuple[str, str]]) -> None:
    """Two accounts: one with a resolved, acknowledged, prioritised incident and its
    note, and one with no incident, named from its services."""
    monkeypatch.setenv("PAGERDUTY_TOKEN", KEY)
    for busy in (True, False):
        with FakePagerDuty(KEY) as fake:
            if busy:
                fake.add_incident(NOW - timedelta(days=3), acknowledged=NOW - timedelta(days=3),
                                  resolved=NOW - timedelta(days=2), priority="P1",
                                  note="post-mortem: https://wiki.example.com/pm/1")
                # Resolved with neither resolved_at nor a resolve log entry to show when.
                bare = fake.add_incident(NOW - timedelta(days=5), resolved=NOW - timedelta(days=4))
                fake.incidents[-1]["resolved_at"] = None
                fake.log_entries = [e for e in fake.log_entries if e["incident"]["id"] != bare]
            target = PagerDutyCollector.configure_target({"api_url": fake.origin},
                                                         Where("c.yaml"), Path("."))
            found = PagerDutyCollector().collect(target, CollectSettings())
        assert found.entities and not found.problems, found.problems
    assert not _unread("pagerduty", reads_made)
