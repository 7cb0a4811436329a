"""A stand-in for Prometheus' rules API (`GET /api/v1/rules`) on 127.0.0.1, in the shape
prometheus.io/docs/prometheus/latest/querying/api/#rules documents: `status`, then
`data.groups[].rules[]` with `type` recording or alerting. With `group_limit` it pages
the groups and hands back `groupNextToken` (the last group's name) as Prometheus 3 does;
without it, everything comes at once."""

from __future__ import annotations

from typing import Any

from .loopback import Call, LoopbackServer, Reply


class FakePrometheus(LoopbackServer):
    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = token
        self.groups: list[dict[str, Any]] = []

    def add_group(self, name: str, rules: list[dict[str, Any]]) -> None:
        self.groups.append({"name": name, "file": f"/etc/prometheus/rules/{name}.yaml",
                            "interval": 30, "limit": 0, "rules": rules,
                            "evaluationTime": 0.001, "lastEvaluation": "2025-01-01T00:00:00Z"})

    def answer(self, call: Call) -> Reply:
        if self.token and call.headers.get("Authorization") != f"Bearer {self.token}":
            return Reply(401, {"status": "error", "errorType": "unauthorized",
                               "error": "unauthorized"})
        if call.path != "/api/v1/rules":
            return Reply(404, {"status": "error", "errorType": "not_found", "error": "404"})
        ordered = sorted(self.groups, key=lambda g: str(g["name"]))
        limit = call.param("group_limit")
        if not limit:
            return Reply(200, {"status": "success", "data": {"groups": ordered}})
        after = call.param("group_next_token")
        start = next((i + 1 for i, g in enumerate(ordered) if g["name"] == after), 0) \
            if after else 0
        page = ordered[start:start + int(limit)]
        data: dict[str, Any] = {"groups": page}
        if start + int(limit) < len(ordered):
            data["groupNextToken"] = page[-1]["name"]
        return Reply(200, {"status": "success", "data": data})


def recording(name: str, labels: dict[str, str], query: str = "sum(rate(x[5m]))"
              ) -> dict[str, Any]:
    return {"type": "recording", "name": name, "query": query, "labels": labels,
            "health": "ok", "evaluationTime": 0.0001,
            "lastEvaluation": "2025-01-01T00:00:00Z"}


def alerting(name: str, labels: dict[str, str], query: str) -> dict[str, Any]:
    return {"type": "alerting", "name": name, "query": query, "duration": 120,
            "keepFiringFor": 0, "labels": labels, "annotations": {"summary": name},
            "alerts": [], "health": "ok", "state": "inactive", "evaluationTime": 0.0001,
            "lastEvaluation": "2025-01-01T00:00:00Z"}
