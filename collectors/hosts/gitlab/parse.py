"""GitLab's payloads (GraphQL and REST) turned into host-neutral records, one part of an
answer at a time (None: not readable; see `hosts.payloads`)."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.collectors.api import parse_time
from scanner.collectors.hosts.payloads import account, names, nodes
from scanner.collectors.hosts.records import (
    FAILURE,
    NOT_PRODUCTION,
    OTHER,
    SUCCESS,
    Alert,
    BranchRules,
    Deployment,
    Feature,
    Issue,
    MergedChange,
    Release,
)
from scanner.patterns import Pattern

# Vulnerability report types by the alert kind the host signals know.
ALERT_KINDS = {"DEPENDENCY_SCANNING": "dependency", "CONTAINER_SCANNING": "dependency",
               "CLUSTER_IMAGE_SCANNING": "dependency", "SAST": "code",
               "SECRET_DETECTION": "secret"}
_SEVERITIES = {"CRITICAL": "critical", "HIGH": "high", "MEDIUM": "medium", "LOW": "low"}
# Analyzers by the host feature they stand for (the `SecurityScannerType` enum).
FEATURE_SCANNERS = {
    "dependency_alerts": ("DEPENDENCY_SCANNING", "CONTAINER_SCANNING"),
    "code_scanning": ("SAST", "SAST_IAC"),
    "secret_scanning": ("SECRET_DETECTION",),
}
SCANNER_NAMES = {"SAST": "GitLab SAST", "SAST_IAC": "GitLab IaC scanning"}
# Analyzers only GitLab Ultimate offers: when one is `available`, the Vulnerability Report
# is licensed, so an empty list of vulnerabilities means none (not "hidden by the tier").
ULTIMATE_SCANNERS = frozenset({"DEPENDENCY_SCANNING", "DAST", "API_FUZZING",
                               "COVERAGE_FUZZING", "CLUSTER_IMAGE_SCANNING"})
_DEPLOYMENT_STATES = {"success": SUCCESS, "failed": FAILURE}
_FINAL_STATES = frozenset({"success", "failed", "canceled", "skipped"})
NO_ONE = 0  # GitLab's access level "No one"
# Approval rules that always apply; `report_approver` rules (security approvals) only
# when a scan finds something, and `code_owner` rules live on merge requests.
_STANDING_RULES = frozenset({"regular", "any_approver"})


# --- GraphQL: merge requests, issues, releases -------------------------------------------


def merged_changes(project: Mapping[str, Any]) -> list[MergedChange] | None:
    found = nodes(project.get("mergeRequests"))
    if found is None:
        return None
    changes: list[MergedChange] = []
    for request in found:
        merged = parse_time(request.get("mergedAt"))
        if merged is None:
            continue
        first = next(iter(nodes(request.get("commits")) or []), {})
        approvers = tuple(sorted({name for user in nodes(request.get("approvedBy")) or []
                                  if (name := account(user, "username"))}))
        changes.append(MergedChange(
            number=_number(request.get("iid")), url=str(request.get("webUrl") or ""),
            author=account(request.get("author"), "username"), merged_at=merged,
            first_commit_at=parse_time(first.get("authoredDate")),
            merge_sha=request.get("mergeCommitSha"), approvers=approvers,
            labels=names(request.get("labels"), "title")))
    return changes


def issues(project: Mapping[str, Any]) -> list[Issue] | None:
    """Issues updated in the window. GitLab's incidents are issues of type INCIDENT: they
    carry an `incident` label here so that the shared incident pattern sees them."""
    found = nodes(project.get("issues"))
    if found is None:
        return None
    records: list[Issue] = []
    for item in found:
        created = parse_time(item.get("createdAt"))
        if created is None:
            continue
        labels = names(item.get("labels"), "title")
        if item.get("type") == "INCIDENT" and "incident" not in labels:
            labels = (*labels, "incident")
        records.append(Issue(number=_number(item.get("iid")), url=str(item.get("webUrl") or ""),
                             created_at=created, closed_at=parse_time(item.get("closedAt")),
                             labels=labels))
    return records


def releases(project: Mapping[str, Any], project_url: str) -> list[Release] | None:
    """Releases; an upcoming release (released in the future) is not published yet, as a
    draft is not on GitHub."""
    found = nodes(project.get("releases"))
    if found is None:
        return None
    records: list[Release] = []
    for item in found:
        tag = str(item.get("tagName") or "")
        links = item.get("links") or {}
        assets = (item.get("assets") or {}).get("links")
        records.append(Release(
            tag=tag, published_at=parse_time(item.get("releasedAt")),
            url=str(links.get("selfUrl") or f"{project_url}/-/releases/{tag}"),
            assets=names(assets),
            draft=bool(item.get("upcomingRelease"))))
    return records


def environment_tiers(project: Mapping[str, Any]) -> dict[str, str] | None:
    """Environment name -> deployment tier (production, staging, …)."""
    found = nodes(project.get("environments"))
    if found is None:
        return None
    return {str(e.get("name")): str(e.get("tier") or "").lower() for e in found if e.get("name")}


def production_environments(tiers: Mapping[str, str], production: Pattern
                            ) -> list[str]:
    """The environments whose deployments count as production (see `deployments`)."""
    return sorted(name for name, tier in tiers.items()
                  if (tier == "production" if tier else bool(production.search(name))))


# --- GraphQL: security analyzers and vulnerabilities -------------------------------------


@dataclass(frozen=True)
class Security:
    features: dict[str, Feature]
    alerts: dict[str, list[Alert] | None]
    tools: list[str] | None
    notes: list[str]


def security(project: Mapping[str, Any]) -> Security:
    """Features from the analyzers of the latest default-branch pipeline; alerts from the
    Vulnerability Report when the tier and the token may read it."""
    scanners = project.get("securityScanners")
    notes: list[str] = []
    if not isinstance(scanners, dict):
        why = "GitLab's security analyzers are not readable (Community Edition or no access)"
        features = {key: Feature(None, why) for key in FEATURE_SCANNERS}
        return Security(features, {}, None, [why])
    ran = set(scanners.get("enabled") or []) | set(scanners.get("pipelineRun") or [])
    features = {key: Feature(bool(ran & set(kinds)),
                             "" if ran & set(kinds) else
                             f"no {' or '.join(k.lower() for k in kinds)} analyzer in the "
                             "latest default-branch pipeline")
                for key, kinds in FEATURE_SCANNERS.items()}
    alerts, why = _vulnerability_alerts(project, set(scanners.get("available") or []))
    if why:
        notes.append(why)
    tools = sorted({SCANNER_NAMES[k] for k in ran if k in SCANNER_NAMES}
                   | {name for name in _sast_scanner_names(project)})
    return Security(features, alerts, tools, notes)


def _vulnerability_alerts(project: Mapping[str, Any], available: set[str]
                          ) -> tuple[dict[str, list[Alert] | None], str]:
    found = nodes(project.get("vulnerabilities"))
    if found is None:
        return {}, "vulnerabilities not readable with this token"
    if not found and not available & ULTIMATE_SCANNERS:
        # Below Ultimate, GitLab hides vulnerabilities by leaving the list empty.
        return {}, "vulnerabilities not readable: the Vulnerability Report needs GitLab Ultimate"
    alerts: dict[str, list[Alert]] = {kind: [] for kind in set(ALERT_KINDS.values())}
    for item in found:
        kind = ALERT_KINDS.get(str(item.get("reportType") or ""))
        created = parse_time(item.get("detectedAt"))
        if kind is None or created is None:
            continue
        state = str(item.get("state") or "")
        # A state change GitLab made itself (no longer detected) may leave its time unset.
        fixed = (parse_time(item.get("resolvedAt")) or parse_time(item.get("updatedAt"))
                 if state == "RESOLVED" else None)
        dismissed = (parse_time(item.get("dismissedAt")) or parse_time(item.get("updatedAt"))
                     if state == "DISMISSED" else None)
        alerts[kind].append(Alert(
            kind, _SEVERITIES.get(str(item.get("severity") or "").upper(), "unknown"), created,
            fixed, dismissed, str(item.get("webUrl") or "")))
    readable: dict[str, list[Alert] | None] = dict(alerts.items())
    return readable, ""


def _sast_scanner_names(project: Mapping[str, Any]) -> Iterable[str]:
    for item in nodes(project.get("vulnerabilities")) or []:
        name = (item.get("scanner") or {}).get("name")
        if item.get("reportType") == "SAST" and name:
            yield str(name)


# --- REST: protected branches, approval rules, deployments, DORA -------------------------


def branch_rules(protected: list[dict[str, Any]] | None,
                 approval_rules: list[dict[str, Any]] | None, default_branch: str, *,
                 required_checks: Iterable[str], signed_commits: bool, url: str
                 ) -> tuple[BranchRules | None, list[str]]:
    """What protects the default branch, and notes on what is looser than it looks."""
    if protected is None:
        return None, []
    matching = [p for p in protected if isinstance(p, dict)
                and fnmatch.fnmatchcase(default_branch, str(p.get("name") or ""))]
    notes = []
    if matching and not _pushes_blocked(matching):
        notes.append(f"{default_branch} is protected but some roles may push to it directly, "
                     "without a merge request")
    rules = BranchRules(
        protected=bool(matching),
        required_approvals=required_approvals(approval_rules or [], default_branch,
                                              bool(matching)),
        code_owner_review=any(p.get("code_owner_approval_required") for p in matching),
        required_checks=tuple(required_checks) if matching else (),
        # Several matching rules: any that forbids force pushes forbids them.
        force_push_blocked=bool(matching) and not all(p.get("allow_force_push")
                                                      for p in matching),
        # A protected branch cannot be deleted by a push; only a Maintainer in the UI or API.
        deletion_blocked=bool(matching),
        signed_commits=signed_commits, url=url)
    return rules, notes


def _pushes_blocked(matching: list[dict[str, Any]]) -> bool:
    levels = [a.get("access_level") for p in matching for a in p.get("push_access_levels") or []]
    return bool(levels) and all(level == NO_ONE for level in levels)


def required_approvals(rules: list[dict[str, Any]], default_branch: str,
                       protected: bool) -> int:
    """Approvals a merge into the default branch needs: the largest standing rule that
    covers it (every rule must be met, so at least the largest)."""
    needed = 0
    for rule in rules:
        if not isinstance(rule, dict) or rule.get("rule_type", "regular") not in _STANDING_RULES:
            continue
        if _rule_covers(rule, default_branch, protected):
            needed = max(needed, int(rule.get("approvals_required") or 0))
    return needed


def _rule_covers(rule: dict[str, Any], branch: str, protected: bool) -> bool:
    if rule.get("applies_to_all_protected_branches"):
        return protected
    branches = [b for b in rule.get("protected_branches") or [] if isinstance(b, dict)]
    if not branches:
        return True  # a rule scoped to no branch applies to all
    return any(fnmatch.fnmatchcase(branch, str(b.get("name") or "")) for b in branches)


def deployments(items: list[dict[str, Any]], tiers: Mapping[str, str] | None,
                production: Pattern, project_url: str) -> list[Deployment]:
    """REST deployments. Production: the environment's tier (from GraphQL: the REST
    deployment's environment has no tier), else the production pattern on its name. A
    deployment has no end time of its own: its job's, else its last update once final."""
    records: list[Deployment] = []
    for item in items:
        created = parse_time(item.get("created_at"))
        if created is None:
            continue
        environment = item.get("environment") or {}
        name = str(environment.get("name") or "")
        status = str(item.get("status") or "")
        job = item.get("deployable") or {}
        finished = parse_time(job.get("finished_at")) or (
            parse_time(item.get("updated_at")) if status in _FINAL_STATES else None)
        tier = (tiers or {}).get(name, "")
        records.append(Deployment(
            environment=name, created_at=created, finished_at=finished,
            status=_DEPLOYMENT_STATES.get(status, OTHER), sha=item.get("sha"),
            url=str(job.get("web_url")
                    or f"{project_url}/-/environments/{environment.get('id', '')}"),
            production=tier == "production" if tier else bool(production.search(name))))
    return records


def deploy_jobs(jobs: list[dict[str, Any]], default_branch: str, deploy: Pattern
                ) -> list[Deployment]:
    """Finished CI jobs that deploy, when the project records no deployments (DevLake's
    deploymentPattern on the job's name or stage). Only the main line and tags count:
    deploying from a tag is GitLab's common release flow."""
    records: list[Deployment] = []
    for job in jobs:
        label = f"{job.get('name') or ''} {job.get('stage') or ''}"
        status = _DEPLOYMENT_STATES.get(str(job.get("status") or ""))
        on_main_line = job.get("tag") is True or job.get("ref") == default_branch
        created = parse_time(job.get("started_at")) or parse_time(job.get("created_at"))
        if status is None or created is None or not on_main_line or not deploy.search(label):
            continue
        records.append(Deployment(
            environment=str(job.get("name") or "job"), created_at=created,
            finished_at=parse_time(job.get("finished_at")), status=status,
            sha=(job.get("commit") or {}).get("id") or (job.get("pipeline") or {}).get("sha"),
            url=str(job.get("web_url") or ""), production=not NOT_PRODUCTION.search(label)))
    return records


def _number(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
