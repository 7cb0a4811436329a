"""What a Git host's API says about one repository, in host-neutral records.

The GitHub and GitLab clients turn their payloads into these; DORA metrics and
the host signals are computed from them only, so both hosts give the same
signals by the same definitions. Every record keeps the URL a person can open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from scanner.lazy_patterns import lazy_compile

SUCCESS = "success"
FAILURE = "failure"  # failed or errored
OTHER = "other"  # in progress, cancelled, inactive, unknown
# A CI run or job that deploys counts as a production deployment unless it names another
# environment.
NOT_PRODUCTION = lazy_compile(r"(?i)\b(staging|stage|dev|test|qa|preview|sandbox)\b")


@dataclass(frozen=True)
class Deployment:
    """A deployment to an environment, or a CI run that deploys (DevLake style)."""

    environment: str
    created_at: datetime
    finished_at: datetime | None  # when it reached its final status
    status: str  # SUCCESS | FAILURE | OTHER
    sha: str | None
    url: str
    production: bool = False


@dataclass(frozen=True)
class MergedChange:
    """A pull or merge request merged into the default branch."""

    number: int
    url: str
    author: str | None
    merged_at: datetime
    first_commit_at: datetime | None
    merge_sha: str | None
    approvers: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Release:
    tag: str
    published_at: datetime | None
    url: str
    assets: tuple[str, ...] = ()
    draft: bool = False
    prerelease: bool = False


@dataclass(frozen=True)
class Issue:
    """An issue closed or opened in the window, with its labels (bug, feature, incident…)."""

    number: int
    url: str
    created_at: datetime
    closed_at: datetime | None
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Alert:
    """A security alert: dependency, code scanning or secret scanning."""

    kind: str  # dependency | code | secret
    severity: str  # critical | high | medium | low | unknown
    created_at: datetime
    fixed_at: datetime | None
    dismissed_at: datetime | None
    url: str

    @property
    def open(self) -> bool:
        return self.fixed_at is None and self.dismissed_at is None


@dataclass(frozen=True)
class BranchRules:
    """What the default branch's protection and rulesets require, merged."""

    protected: bool
    required_approvals: int = 0
    code_owner_review: bool = False
    required_checks: tuple[str, ...] = ()
    force_push_blocked: bool = False
    deletion_blocked: bool = False
    signed_commits: bool = False
    url: str = ""


@dataclass(frozen=True)
class Feature:
    """Whether a security feature is on; `None` when the token may not tell (no evidence)."""

    enabled: bool | None
    note: str = ""


@dataclass
class HostRepository:
    """Everything read about one repository; a part that could not be read stays None."""

    name: str  # github.com/acme/api, gitlab.example.com/platform/api
    url: str
    default_branch: str
    head_sha: str | None
    archived: bool = False
    pushed_at: datetime | None = None
    rules: BranchRules | None = None
    changes: list[MergedChange] | None = None
    deployments: list[Deployment] | None = None
    # Where `deployments` came from: the host's deployments, or CI runs standing in for them.
    deployment_source: str = "deployments"  # deployments | workflow_runs | ci_jobs
    releases: list[Release] | None = None
    issues: list[Issue] | None = None
    alerts: dict[str, list[Alert] | None] = field(default_factory=dict)
    features: dict[str, Feature] = field(default_factory=dict)
    code_scanning_tools: list[str] | None = None
    notes: list[str] = field(default_factory=list)
    # Kinds of records (deployments, changes, releases, issues) read only back to a moment
    # after the window's start, because the request budget ran out: that moment.
    read_since: dict[str, datetime] = field(default_factory=dict)

    def cut(self, kind: str, moment: datetime) -> None:
        """Records of `kind` were read only back to `moment`."""
        self.read_since[kind] = moment
        self.notes.append(f"{kind} read back to {moment:%Y-%m-%d %H:%M} UTC only: the request "
                          "budget ran out first (raise request_budget to read further)")
