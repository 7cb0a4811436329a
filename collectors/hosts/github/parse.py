"""GitHub's payloads (GraphQL and REST) turned into host-neutral records, one part of an
answer at a time (None: not readable; see `hosts.payloads`)."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
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
    Issue,
    MergedChange,
    Release,
)
from scanner.patterns import Pattern

_SUCCESS_STATES = {"SUCCESS"}
_FAILURE_STATES = {"FAILURE", "ERROR"}
_SEVERITIES = {"CRITICAL": "critical", "HIGH": "high", "MODERATE": "medium", "MEDIUM": "medium",
               "LOW": "low"}
DEFAULT_SETUP_KEY = "dynamic/github-code-scanning/"


# --- branch protection and rulesets ------------------------------------------------------


def branch_rules(repository: dict[str, Any], default_branch: str) -> BranchRules | None:
    """Protection rules and active rulesets that cover the default branch, merged."""
    protections = nodes(repository.get("branchProtectionRules"))
    rulesets = nodes(repository.get("rulesets"))
    if protections is None and rulesets is None:
        return None
    approvals, code_owners, checks = 0, False, set[str]()
    no_force, no_delete, signed, protected = False, False, False, False
    for rule in protections or []:
        if not fnmatch.fnmatchcase(default_branch, str(rule.get("pattern") or "")):
            continue
        protected = True
        if rule.get("requiresApprovingReviews"):
            approvals = max(approvals, int(rule.get("requiredApprovingReviewCount") or 0))
        code_owners |= bool(rule.get("requiresCodeOwnerReviews"))
        if rule.get("requiresStatusChecks"):
            checks.update(str(c) for c in rule.get("requiredStatusCheckContexts") or [])
        no_force |= rule.get("allowsForcePushes") is False
        no_delete |= rule.get("allowsDeletions") is False
        signed |= bool(rule.get("requiresCommitSignatures"))
    for ruleset in rulesets or []:
        if not _ruleset_covers(ruleset, default_branch):
            continue
        protected = True
        for rule in nodes(ruleset.get("rules")) or []:
            kind, parameters = rule.get("type"), rule.get("parameters") or {}
            if kind == "PULL_REQUEST":
                approvals = max(approvals, int(parameters.get("requiredApprovingReviewCount")
                                               or 0))
                code_owners |= bool(parameters.get("requireCodeOwnerReview"))
            elif kind == "REQUIRED_STATUS_CHECKS":
                checks.update(str(c.get("context")) for c in
                              parameters.get("requiredStatusChecks") or [] if c.get("context"))
            no_force |= kind == "NON_FAST_FORWARD"
            no_delete |= kind == "DELETION"
            signed |= kind == "REQUIRED_SIGNATURES"
    return BranchRules(protected, approvals, code_owners, tuple(sorted(checks)), no_force,
                       no_delete, signed, f"{repository.get('url', '')}/settings/branches")


def _ruleset_covers(ruleset: dict[str, Any], branch: str) -> bool:
    if ruleset.get("target") not in (None, "BRANCH") or ruleset.get("enforcement") != "ACTIVE":
        return False
    names = ((ruleset.get("conditions") or {}).get("refName")) or {}
    return _ref_matches(names.get("include") or [], branch) and not _ref_matches(
        names.get("exclude") or [], branch)


def _ref_matches(patterns: Iterable[Any], branch: str) -> bool:
    for pattern in patterns:
        text = str(pattern)
        if text in ("~DEFAULT_BRANCH", "~ALL") or fnmatch.fnmatchcase(
                f"refs/heads/{branch}", text) or fnmatch.fnmatchcase(branch, text):
            return True
    return False


# --- changes, deployments, releases, issues ----------------------------------------------


def merged_changes(repository: dict[str, Any]) -> list[MergedChange] | None:
    found = nodes(repository.get("pullRequests"))
    if found is None:
        return None
    changes: list[MergedChange] = []
    for pull in found:
        merged = parse_time(pull.get("mergedAt"))
        if merged is None:
            continue
        first = next(iter(nodes(pull.get("commits")) or []), {}).get("commit") or {}
        approvers = tuple(sorted({login for review in nodes(pull.get("reviews")) or []
                                  if (login := account(review.get("author"), "login"))}))
        changes.append(MergedChange(
            number=int(pull.get("number") or 0), url=str(pull.get("url") or ""),
            author=account(pull.get("author"), "login"), merged_at=merged,
            first_commit_at=(parse_time(first.get("authoredDate"))
                             or parse_time(first.get("committedDate"))),
            merge_sha=(pull.get("mergeCommit") or {}).get("oid"),
            approvers=approvers, labels=names(pull.get("labels"))))
    return changes


def deployments(repository: dict[str, Any], production: Pattern, repo_url: str
                ) -> list[Deployment] | None:
    found = nodes(repository.get("deployments"))
    if found is None:
        return None
    records: list[Deployment] = []
    for item in found:
        created = parse_time(item.get("createdAt"))
        if created is None:
            continue
        latest = item.get("latestStatus") or {}
        state = str(latest.get("state") or "")
        environment = str(item.get("environment") or "")
        records.append(Deployment(
            environment=environment, created_at=created,
            finished_at=parse_time(latest.get("createdAt")),
            status=SUCCESS if state in _SUCCESS_STATES else
            FAILURE if state in _FAILURE_STATES else OTHER,
            sha=item.get("commitOid"),
            url=str(latest.get("logUrl") or f"{repo_url}/deployments/{environment}"),
            production=bool(production.search(environment))))
    return records


def releases(repository: dict[str, Any]) -> list[Release] | None:
    found = nodes(repository.get("releases"))
    if found is None:
        return None
    return [Release(tag=str(r.get("tagName") or ""), published_at=parse_time(r.get("publishedAt")),
                    url=str(r.get("url") or ""), assets=names(r.get("releaseAssets")),
                    draft=bool(r.get("isDraft")), prerelease=bool(r.get("isPrerelease")))
            for r in found]


def issues(repository: dict[str, Any]) -> list[Issue] | None:
    found = nodes(repository.get("issues"))
    if found is None:
        return None
    return [Issue(number=int(i.get("number") or 0), url=str(i.get("url") or ""),
                  created_at=created, closed_at=parse_time(i.get("closedAt")),
                  labels=names(i.get("labels")))
            for i in found if (created := parse_time(i.get("createdAt"))) is not None]


def dependency_alerts(repository: dict[str, Any], repo_url: str) -> list[Alert] | None:
    found = nodes(repository.get("vulnerabilityAlerts"))
    if found is None:
        return None
    alerts: list[Alert] = []
    for item in found:
        created = parse_time(item.get("createdAt"))
        if created is None:
            continue
        severity = str((item.get("securityVulnerability") or {}).get("severity") or "")
        link = (item.get("securityAdvisory") or {}).get("permalink")
        alerts.append(Alert("dependency", _SEVERITIES.get(severity.upper(), "unknown"),
                            created, parse_time(item.get("fixedAt")),
                            parse_time(item.get("dismissedAt")),
                            str(link or f"{repo_url}/security/dependabot")))
    return alerts


# --- REST: code scanning, secret scanning, workflow runs ---------------------------------


def code_scanning_tools(analyses: list[dict[str, Any]]) -> list[str]:
    """Tools that uploaded analyses; CodeQL's default setup (no workflow file) is named so."""
    tools: set[str] = set()
    for analysis in analyses:
        name = str((analysis.get("tool") or {}).get("name") or "")
        if not name:
            continue
        default = str(analysis.get("analysis_key") or "").startswith(DEFAULT_SETUP_KEY)
        tools.add(f"{name} (default setup)" if default else name)
    return sorted(tools)


def code_alerts(items: list[dict[str, Any]]) -> list[Alert]:
    alerts: list[Alert] = []
    for item in items:
        created = parse_time(item.get("created_at"))
        if created is None:
            continue
        rule = item.get("rule") or {}
        severity = str(rule.get("security_severity_level") or rule.get("severity") or "")
        alerts.append(Alert("code", _SEVERITIES.get(severity.upper(), "unknown"), created,
                            parse_time(item.get("fixed_at")), parse_time(item.get("dismissed_at")),
                            str(item.get("html_url") or "")))
    return alerts


def secret_alerts(items: list[dict[str, Any]]) -> list[Alert]:
    """Secret alerts; a leaked secret is treated as critical until resolved."""
    return [Alert("secret", "critical", created, parse_time(item.get("resolved_at")), None,
                  str(item.get("html_url") or ""))
            for item in items if (created := parse_time(item.get("created_at"))) is not None]




def deploy_runs(runs: list[dict[str, Any]], default_branch: str, deploy: Pattern
                ) -> list[Deployment]:
    """Completed workflow runs on the default branch that deploy (DevLake's deploymentPattern).

    A deploy run on the main line counts as a production deployment unless its name
    or file names another environment (staging, preview, …).
    """
    records: list[Deployment] = []
    for run in runs:
        label = f"{run.get('name') or ''} {run.get('path') or ''}"
        if run.get("head_branch") != default_branch or not deploy.search(label) \
                or run.get("status") != "completed":
            continue
        created = parse_time(run.get("run_started_at")) or parse_time(run.get("created_at"))
        if created is None:
            continue
        conclusion = run.get("conclusion")
        records.append(Deployment(
            environment=str(run.get("name") or run.get("path") or "workflow"),
            created_at=created, finished_at=parse_time(run.get("updated_at")),
            status=SUCCESS if conclusion == "success" else
            FAILURE if conclusion in ("failure", "timed_out", "startup_failure") else OTHER,
            sha=run.get("head_sha"), url=str(run.get("html_url") or ""),
            production=not NOT_PRODUCTION.search(label)))
    return records
