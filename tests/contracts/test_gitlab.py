"""The GitLab collector's GraphQL reads, checked against the documents it sends.

GitLab publishes no machine-readable description of its GraphQL schema or REST
API in a package (npm or PyPI) that CI could install: its schema is served by each
instance (introspection) and kept in GitLab's own source tree. What can be
checked without one is checked here: every key the collector reads from a GraphQL
answer is one its document selected (a key outside the selection is a key GitLab
never sends), for every form of the query (Enterprise with the DORA metrics, and
Community Edition) and for the further pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scanner import validate as v
from scanner.collectors.base import CollectSettings
from scanner.collectors.hosts.gitlab import client as gitlab_client
from scanner.collectors.hosts.gitlab.collector import GitLabCollector

from contracts.recorded import Exchange, recording, unselected
from fakes.gitlab_api import FakeGitLab

TOKEN = "glpat-contract-test-token"
NOW = datetime.now(UTC).replace(microsecond=0)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def busy_project(fake: FakeGitLab, path: str, **extra: Any) -> None:
    fake.add_project(
        path, {"app.py": "print(1)\n"}, last_activity_at=ago(1),
        merge_requests=[{"iid": n, "merged_at": ago(n * 0.5), "approvers": ["bo"],
                         "commits": [ago(n * 0.5 + 1)], "labels": ["bug"]}
                        for n in range(1, 121)],
        issues=[{"iid": n, "created_at": ago(n), "closed_at": ago(n - 0.5),
                 "type": "INCIDENT"} for n in range(1, 6)],
        releases=[{"tag": f"v{n}", "released_at": ago(n), "assets": ["a.sig"]}
                  for n in range(5)],
        deployments=[{"environment": "production", "created_at": ago(d / 2)} for d in range(150)],
        **extra)


def call(original: Any, self: Any, verb: str, url: str, *rest: Any,
         **options: Any) -> tuple[Any, str, str, Any]:
    payload = options.get("payload", rest[1] if len(rest) > 1 else None)
    return original(self, verb, url, *rest, **options), verb, url, payload


@pytest.fixture(params=["ee", "ce"])
def exchanges(request: pytest.FixtureRequest,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Exchange]]:
    with FakeGitLab(TOKEN, edition=request.param) as fake, recording(
            monkeypatch, gitlab_client, gitlab_client.GitLabApi, call,
            lambda reply: int(reply.status)) as found:
        busy_project(fake, "platform/api", tier="ultimate",
                     vulnerabilities=[{"report_type": "SAST", "detected_at": ago(3)}],
                     scanners=["SAST"])
        monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
        target = GitLabCollector.configure_target(
            {"group": "platform", "url": fake.base_url}, v.Where("config.yaml"), Path("."))
        collected = GitLabCollector().collect(target, CollectSettings())
        assert not [p for p in collected.problems if p.severity == "error"], collected.problems
        assert fake.server_errors == []
        yield found


def test_every_key_read_from_a_graphql_answer_was_selected(exchanges: list[Exchange]) -> None:
    queries = [e for e in exchanges if e.method == "POST" and "query" in (e.payload or {})]
    assert len(queries) >= 2  # the whole query, then further pages of merge requests
    assert sum(("data", "project", "mergeRequests") in e.reads for e in queries) >= 2
    for exchange in queries:
        assert unselected(exchange) == set(), exchange.payload["variables"]
