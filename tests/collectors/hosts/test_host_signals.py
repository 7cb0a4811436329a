"""Host signals from host-neutral records: absent when unread, explicit negatives when empty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from scanner.collectors.base import Emitter
from scanner.collectors.hosts.records import (
    FAILURE,
    SUCCESS,
    Alert,
    BranchRules,
    Deployment,
    Feature,
    HostRepository,
    Issue,
    MergedChange,
    Release,
)
from scanner.collectors.hosts.settings import HostSettings
from scanner.collectors.hosts.signals import (
    emit_host_signals,
    is_security_check,
    release_evidence,
)
from scanner.collectors.hosts.specs import SIGNALS
from scanner.evidence import Evidence

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SETTINGS = HostSettings(window_days=90)
REPO_URL = "https://github.com/acme/api"


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def repository(**parts: Any) -> HostRepository:
    return HostRepository("github.com/acme/api", REPO_URL, "main", "f00d", **parts)


def collect(repo: HostRepository, settings: HostSettings = SETTINGS) -> dict[str, Evidence]:
    out = Emitter("repo:github.com/acme/api", "git_host")
    emit_host_signals(repo, settings, NOW, out)
    signals = [e.signal for e in out.evidence]
    assert len(signals) == len(set(signals)), "a signal emitted twice"
    return {e.signal: e for e in out.evidence}


def values(repo: HostRepository) -> dict[str, Any]:
    return {name: e.value for name, e in collect(repo).items()}


def merged(number: int, author: str | None, approvers: tuple[str, ...],
           days: float = 3) -> MergedChange:
    return MergedChange(number, f"{REPO_URL}/pull/{number}", author, ago(days), None, None,
                        approvers)


def alert(severity: str, *, created: float, fixed: float | None = None,
          dismissed: float | None = None, kind: str = "dependency", name: str = "") -> Alert:
    return Alert(kind, severity, ago(created), None if fixed is None else ago(fixed),
                 None if dismissed is None else ago(dismissed),
                 f"{REPO_URL}/security/{name or severity}")


def test_every_emitted_signal_is_declared_with_its_type() -> None:
    declared = {spec.name: spec.type for spec in SIGNALS}
    assert len(declared) == len(SIGNALS)
    assert all(spec.entity_kinds == ("repo",) for spec in SIGNALS)
    repo = repository(
        rules=BranchRules(True, 1, required_checks=("CodeQL",), url=f"{REPO_URL}/rules/1"),
        changes=[merged(1, "ana", ("bo",))],
        deployments=[Deployment("production", ago(2), ago(2), FAILURE, None, "https://d/1", True),
                     Deployment("production", ago(1), ago(1), SUCCESS, None, "https://d/2", True)],
        releases=[Release("v1", ago(2), f"{REPO_URL}/releases/v1", ("a.sig",))],
        issues=[Issue(n, f"{REPO_URL}/issues/{n}", ago(5), ago(4), (label,))
                for n, label in enumerate(["bug", "bug", "feature", "feature", "incident",
                                           "enhancement"])],
        alerts={"dependency": [alert("high", created=10, fixed=5)], "code": [], "secret": []},
        features={"dependency_alerts": Feature(True), "code_scanning": Feature(False),
                  "secret_scanning": Feature(True)},
        code_scanning_tools=["CodeQL"],
    )
    evidence = collect(repo)
    python_types = {"bool": bool, "int": int, "float": float, "str": str, "list": list}
    for name, item in evidence.items():
        assert name in declared, name
        assert type(item.value) is python_types[declared[name]], name
        assert 1 <= len(item.locators) <= 5, name
    assert set(declared) == set(evidence)


def test_nothing_is_emitted_for_parts_that_were_not_read() -> None:
    repo = repository(alerts={"dependency": None, "code": None, "secret": None},
                      features={"code_scanning": Feature(None, "token may not read it")})
    assert values(repo) == {}


def test_explicit_negatives_when_read_and_empty() -> None:
    repo = repository(rules=BranchRules(False, url=f"{REPO_URL}/settings/branches"),
                      changes=[], deployments=[], releases=[], issues=[],
                      alerts={"dependency": [], "code": [], "secret": None},
                      features={"secret_scanning": Feature(False)}, code_scanning_tools=[])
    evidence = collect(repo)
    got = {name: e.value for name, e in evidence.items()}
    assert got == {
        "host.branch_protected": False, "host.required_approvals": 0,
        "host.code_owner_review_required": False, "host.required_checks": [],
        "host.required_security_checks": False, "host.force_push_blocked": False,
        "host.signed_commits_required": False, "host.changes_merged": 0, "host.releases": 0,
        "host.release_evidence": [], "host.incidents": 0, "host.secret_scanning_enabled": False,
        "host.code_scanning.tools": [], "host.open_critical_alerts": 0,
    }
    for name in ("host.branch_protected", "host.changes_merged", "host.releases",
                 "host.incidents", "host.code_scanning.tools"):
        assert evidence[name].note, name
    assert "secret alerts could not be read" in (evidence["host.open_critical_alerts"].note or "")
    assert evidence["host.branch_protected"].locators[0] == f"{REPO_URL}/settings/branches"


def test_branch_rules_are_passed_on() -> None:
    rules = BranchRules(True, 2, code_owner_review=True,
                        required_checks=("lint", "Analyze (python)"), force_push_blocked=True,
                        signed_commits=True, url=f"{REPO_URL}/rules/7")
    got = values(repository(rules=rules))
    assert got["host.required_approvals"] == 2
    assert got["host.code_owner_review_required"] is True
    assert got["host.required_checks"] == ["lint", "Analyze (python)"]
    assert got["host.required_security_checks"] is True
    assert got["host.force_push_blocked"] is True
    assert got["host.signed_commits_required"] is True
    plain = values(repository(rules=BranchRules(True, 1, required_checks=("lint", "test"))))
    assert plain["host.required_security_checks"] is False


@pytest.mark.parametrize("context", [
    "CodeQL", "semgrep-ci", "Analyze (python)", "dependency-review", "Snyk Security",
    "trivy / image", "gitleaks", "SonarCloud Code Analysis", "osv-scanner", "container_scanning",
    "secret_detection", "kics-iac-sast", "dast", "ZAP baseline", "npm audit", "govulncheck",
])
def test_security_check_contexts(context: str) -> None:
    assert is_security_check(context)


@pytest.mark.parametrize("context", [
    "lint", "unit-tests", "build (ubuntu)", "test (3.12)", "docs", "disaster-recovery-drill",
    "zapier-sync", "e2e", "typecheck", "coverage",
])
def test_not_security_check_contexts(context: str) -> None:
    assert not is_security_check(context)


def test_review_share_excludes_self_and_bot_approvals() -> None:
    changes = [
        merged(1, "ana", ("bo",)),  # reviewed
        merged(2, "ana", ("ANA",)),  # self-approved only (logins ignore case)
        merged(3, "ana", ("dependabot[bot]",)),  # a bot's approval
        merged(4, "dependabot[bot]", ("Ana",)),  # a bot's change approved by a person
        merged(5, "ana", ()),  # nobody
        merged(6, "ana", ("bo",), days=120),  # before the window
    ]
    evidence = collect(repository(changes=changes))
    assert evidence["host.changes_merged"].value == 5
    assert evidence["host.review_share"].value == 0.4
    assert evidence["host.review_share"].locators[0] == f"{REPO_URL}/pull/2"  # unreviewed first


def test_review_share_is_left_out_without_merged_changes() -> None:
    got = values(repository(changes=[merged(1, "ana", ("bo",), days=200)]))
    assert got["host.changes_merged"] == 0
    assert "host.review_share" not in got


def test_vulnerability_alerts_within_sla_share() -> None:
    alerts = [
        alert("critical", created=40, fixed=30, name="in-time"),  # 10 days of 15: met
        alert("high", created=80, fixed=20, name="late"),  # 60 days of 30: missed
        alert("critical", created=200, name="open-past"),  # open 200 days of 15: missed
        alert("low", created=20, name="open-within"),  # open 20 days of 180: left out
        alert("high", created=60, dismissed=50, name="dismissed"),  # left out
        alert("medium", created=300, fixed=250, name="fixed-before"),  # created before window
        alert("high", created=12, fixed=2, kind="code", name="code-in-time"),  # met
        alert("critical", created=300, kind="secret", name="secret"),  # not a vulnerability
    ]
    by_kind = {kind: [a for a in alerts if a.kind == kind] for kind in ("dependency", "code",
                                                                        "secret")}
    evidence = collect(repository(alerts=by_kind))
    share = evidence["host.vulnerability_alerts_within_sla_share"]
    assert share.value == 0.5  # 2 met of 4 counted
    assert set(share.locators[:2]) == {f"{REPO_URL}/security/late",
                                      f"{REPO_URL}/security/open-past"}
    # Open critical/high over every readable kind: open-past and the secret.
    assert evidence["host.open_critical_alerts"].value == 2
    # Fixed in the window: in-time 10 d, late 60 d, code-in-time 10 d.
    assert evidence["host.alert_fix_days_p50"].value == 10.0


def test_sla_share_left_out_when_nothing_counts() -> None:
    got = values(repository(alerts={"dependency": [alert("low", created=3)], "code": None}))
    assert "host.vulnerability_alerts_within_sla_share" not in got
    assert "host.alert_fix_days_p50" not in got
    assert got["host.open_critical_alerts"] == 0


def test_only_secret_alerts_readable_gives_no_vulnerability_figures() -> None:
    got = values(repository(alerts={"secret": [alert("high", created=3, kind="secret")]}))
    assert got == {"host.open_critical_alerts": 1}


def test_release_evidence_kinds() -> None:
    def kinds(*assets: str) -> list[str]:
        return release_evidence(Release("v1", ago(1), "https://x", assets))

    assert kinds("api_linux_amd64.tar.gz", "api.sig", "api.pem") == ["signature"]
    assert kinds("api.tar.gz", "api.tar.gz.sigstore.json") == ["signature"]
    assert kinds("api.pem") == []  # a certificate with no signature beside it
    assert kinds("multiple.intoto.jsonl") == ["provenance"]
    assert kinds("api.spdx.json", "bom.cdx.json") == ["sbom"]
    assert kinds("SHA256SUMS") == ["checksums"]
    assert kinds("api_checksums.txt", "api.asc", "api-sbom.json", "api.att") == [
        "signature", "provenance", "sbom", "checksums"]
    assert kinds("api.tar.gz", "README.md") == []


def test_release_signals_over_the_window() -> None:
    releases = [
        Release("v2", ago(3), f"{REPO_URL}/releases/v2", ("api.tar.gz",)),
        Release("v1", ago(20), f"{REPO_URL}/releases/v1", ("api.tar.gz", "checksums.txt")),
        Release("v0", ago(200), f"{REPO_URL}/releases/v0", ("api.spdx",)),  # before the window
        Release("v3", None, f"{REPO_URL}/releases/v3", ("api.sig",), draft=True),
    ]
    evidence = collect(repository(releases=releases))
    assert evidence["host.releases"].value == 2
    assert evidence["host.release_evidence"].value == ["checksums"]
    assert evidence["host.release_evidence"].locators[0] == f"{REPO_URL}/releases/v1"


def test_dora_signals_only_where_decided() -> None:
    releases = [Release("v1", ago(3), f"{REPO_URL}/releases/v1")]
    got = values(repository(deployments=[], releases=releases))
    assert got["dora.source"] == "releases"
    assert got["dora.deployments"] == 1
    assert "dora.change_failure_rate" not in got
    assert "dora.lead_time_hours_p50" not in got
    unread = values(repository(deployments=None, releases=releases))
    assert not any(name.startswith("dora.") for name in unread)


def test_bug_share_and_incidents() -> None:
    def issue(number: int, labels: tuple[str, ...], closed: float | None = 2,
              created: float = 10) -> Issue:
        return Issue(number, f"{REPO_URL}/issues/{number}", ago(created),
                     None if closed is None else ago(closed), labels)

    issues = [issue(1, ("bug",)), issue(2, ("type: bug",)), issue(3, ("enhancement",)),
              issue(4, ("feature",)), issue(5, ("kind/feature",)), issue(6, ("question",)),
              issue(7, ("bug",), closed=150, created=160),  # closed before the window
              issue(8, ("incident", "sev1"), closed=None),
              issue(9, ("incident",), closed=None, created=100)]  # opened before the window
    got = values(repository(issues=issues))
    assert got["host.bug_share"] == 0.4  # 2 bugs of 5 classified
    assert got["host.incidents"] == 1
    few = values(repository(issues=issues[:4]))
    assert "host.bug_share" not in few  # 4 classified: too few to tell


def test_features_and_code_scanning_tools() -> None:
    got = values(repository(features={"dependency_alerts": Feature(True),
                                      "code_scanning": Feature(None, "no permission"),
                                      "secret_scanning": Feature(False, "off")},
                            code_scanning_tools=["CodeQL", "Semgrep"]))
    assert got == {"host.dependency_alerts_enabled": True,
                   "host.secret_scanning_enabled": False,
                   "host.code_scanning.tools": ["CodeQL", "Semgrep"]}
