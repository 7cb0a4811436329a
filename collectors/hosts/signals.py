"""The host signals of one repository, from host-neutral records (no I/O).

A part of `HostRepository` left None was not read (no permission, an error):
the signals that depend on it are left out, so rules say "no evidence". A part
that was read and is empty gives explicit negatives (`False`, `0`, `[]`) with a
note saying what was looked at. Locators are URLs a person can open, the most
telling first.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from scanner.collectors.base import Emitter
from scanner.collectors.hosts.dora import Window, is_incident, labelled
from scanner.collectors.hosts.dora_signals import emit_dora
from scanner.collectors.hosts.records import Alert, BranchRules, HostRepository, Release
from scanner.collectors.hosts.settings import HostSettings
from scanner.evidence import Evidence
from scanner.lazy_patterns import lazy_compile

MAX_LOCATORS = 5
MINIMUM_CLASSIFIED_ISSUES = 5
SEVERE = ("critical", "high")
VULNERABILITY_KINDS = ("dependency", "code")
ALERT_KINDS = ("dependency", "code", "secret")
FEATURES = {
    "dependency_alerts": "host.dependency_alerts_enabled",
    "code_scanning": "host.code_scanning_enabled",
    "secret_scanning": "host.secret_scanning_enabled",
}

# A required status check that runs a security scan, judged by its context name (e.g.
# "CodeQL", "Analyze (python)", "semgrep-ci", "dependency-review", "trivy / image",
# "container_scanning"). Tool names are matched anywhere; short or common words only at a word's
# start (sast, dast, osv: "iac-sast", "osv-scanner") or as whole words (zap, analyze), so
# "disaster-drill" or "zapier" are not scans.
# "lint", "test" and "build" say nothing about security and are never enough.
_EDGE_BEFORE, _EDGE_AFTER = r"(?<![a-z0-9])", r"(?![a-z0-9])"
SECURITY_CHECK = lazy_compile(
    r"(?i)("
    r"codeql|semgrep|snyk|trivy|grype|gitleaks|trufflehog|detect[-_ ]?secrets|nuclei|sonar|"
    r"checkov|tfsec|kics|terrascan|gosec|bandit|brakeman|govulncheck|scorecard|"
    r"security|secret|vuln|"
    r"dependency[-_ ]?(review|scan|check)|(container|image)[-_ ]?scan|"
    r"(npm|yarn|pnpm|pip|cargo|bundler?|composer)[-_ ]audit|"
    + _EDGE_BEFORE + r"(sast|dast|osv)|"
    + _EDGE_BEFORE + r"(zap|zaproxy|analy[sz]e)" + _EDGE_AFTER
    + r")"
)

# Release asset names that are evidence of a kind of supply-chain practice.
SIGNATURE_ASSET = lazy_compile(r"(?i)\.(sig|asc|sigstore|sigstore\.json|bundle)$")
CERTIFICATE_ASSET = lazy_compile(r"(?i)\.pem$")  # a signing certificate, only beside a .sig
PROVENANCE_ASSET = lazy_compile(r"(?i)(\.intoto\.jsonl$|provenance|\.att$)")
SBOM_ASSET = lazy_compile(r"(?i)(\.spdx$|\.spdx\.json$|\.cdx\.(json|xml)$|cyclonedx|sbom)")
CHECKSUM_ASSET = lazy_compile(r"(?i)(checksums|sha(256|512)sums|\.sha(256|512)$)")
EVIDENCE_KINDS = ("signature", "provenance", "sbom", "checksums")

# Accounts that approve on a robot's behalf: GitHub apps, GitLab project/group bot users
# and the usual dependency bots.
BOT_ACCOUNT = lazy_compile(r"(?i)(\[bot\]$|^(project|group)_\d+_bot|^(dependabot|renovate|"
                           r"github-actions|mergify|snyk-bot|gitlab-bot)$)")



def emit_host_signals(repo: HostRepository, settings: HostSettings, now: datetime,
                      out: Emitter) -> None:
    """Every host signal the parts of `repo` that were read can decide."""
    window = Window.ending(now, settings.window_days)
    if repo.rules is not None:
        _branch_rules(repo, repo.rules, out)
    _changes(repo, window, out)
    _releases(repo, window, out)
    emit_dora(repo, settings, now, out)
    _issues(repo, settings, window, out)
    _features(repo, out)
    _alerts(repo, settings, window, out)


DEPLOYED = ("deployable", "application", "runs_as_service")


def deployed_on_host(repo: HostRepository, entity: str,
                     evidence: list[Evidence]) -> list[Evidence]:
    """A repository whose production deployments the host records runs as a deployed
    service whatever its files show: the files' `False` for it and its services is
    replaced by what the host shows."""
    production = [d for d in repo.deployments or [] if d.production]
    if not production:
        return evidence
    prefix = entity.replace("repo:", "service:", 1)
    note = f"{len(production)} production deployment(s) recorded on the Git host"
    places = tuple(dict.fromkeys(d.url for d in production if d.url))[:MAX_LOCATORS]
    return [replace(item, value=True, locators=places, note=note, occurrences=None)
            if item.signal in DEPLOYED and item.value is not True and (
                item.entity in (entity, prefix) or item.entity.startswith(prefix + "/"))
            else item
            for item in evidence]


def is_security_check(context: str) -> bool:
    """A required check context that names a security scan (see SECURITY_CHECK)."""
    return SECURITY_CHECK.search(context) is not None


def is_bot(account: str) -> bool:
    return BOT_ACCOUNT.search(account) is not None


def release_evidence(release: Release) -> list[str]:
    """The kinds of evidence among a release's asset names, in EVIDENCE_KINDS order."""
    names = release.assets
    has_sig = any(name.lower().endswith(".sig") for name in names)
    found = {
        "signature": any(SIGNATURE_ASSET.search(n) or (has_sig and CERTIFICATE_ASSET.search(n))
                         for n in names),
        "provenance": any(PROVENANCE_ASSET.search(n) for n in names),
        "sbom": any(SBOM_ASSET.search(n) for n in names),
        "checksums": any(CHECKSUM_ASSET.search(n) for n in names),
    }
    return [kind for kind in EVIDENCE_KINDS if found[kind]]


def _locators(*groups: Iterable[str]) -> list[str]:
    """URLs of the groups in order, without repeats or blanks, at most MAX_LOCATORS."""
    urls = dict.fromkeys(url for group in groups for url in group if url)
    return list(urls)[:MAX_LOCATORS]


def _branch_rules(repo: HostRepository, rules: BranchRules, out: Emitter) -> None:
    where = _locators([rules.url, repo.url])
    branch = repo.default_branch
    unprotected = None if rules.protected else (
        f"no branch protection rule or ruleset covers the default branch {branch}")
    out.emit("host.branch_protected", rules.protected, where, unprotected)
    out.emit("host.required_approvals", rules.required_approvals, where, unprotected)
    out.emit("host.code_owner_review_required", rules.code_owner_review, where, unprotected)
    checks = list(rules.required_checks)
    no_checks = None if checks else f"no status check is required to merge into {branch}"
    out.emit("host.required_checks", checks, where, no_checks)
    security = [c for c in checks if is_security_check(c)]
    out.emit("host.required_security_checks", bool(security), where,
             f"security checks required: {', '.join(security)}" if security else
             f"none of the {len(checks)} required checks names a security scan" if checks else
             no_checks)
    out.emit("host.force_push_blocked", rules.force_push_blocked, where, unprotected)
    out.emit("host.signed_commits_required", rules.signed_commits, where, unprotected)


def _changes(repo: HostRepository, whole: Window, out: Emitter) -> None:
    if repo.changes is None:
        return
    window = whole.cut(repo.read_since.get("changes"))
    short = whole.shortfall(window)
    merged = sorted((c for c in repo.changes if c.merged_at in window),
                    key=lambda c: c.merged_at, reverse=True)
    if not merged:
        out.emit("host.changes_merged", 0, [repo.url], _joined(
            f"no pull or merge request merged into {repo.default_branch} in the last "
            f"{window.days} days", short))
        return
    out.emit("host.changes_merged", len(merged), _locators(c.url for c in merged), short)
    reviewed = [c for c in merged if _reviewed_by_another(c.author, c.approvers)]
    unreviewed = [c for c in merged if c not in reviewed]
    out.emit("host.review_share", round(len(reviewed) / len(merged), 2),
             _locators([c.url for c in unreviewed][:3], (c.url for c in reviewed)), _joined(
                 f"{len(reviewed)} of {len(merged)} merged changes approved by someone other "
                 "than their author", short))


def _joined(*notes: str | None) -> str | None:
    """Notes in order, the missing ones left out; None when none is left."""
    return "; ".join(n for n in notes if n) or None


def _reviewed_by_another(author: str | None, approvers: Sequence[str]) -> bool:
    own = (author or "").lower()
    return any(a.lower() != own and not is_bot(a) for a in approvers)


def _releases(repo: HostRepository, whole: Window, out: Emitter) -> None:
    if repo.releases is None:
        return
    window = whole.cut(repo.read_since.get("releases"))
    short = whole.shortfall(window)
    published = sorted((r for r in repo.releases if not r.draft and r.published_at in window),
                       key=lambda r: r.published_at or window.since, reverse=True)
    if not published:
        note = _joined(f"no release published in the last {window.days} days", short)
        out.emit("host.releases", 0, [repo.url], note)
        out.emit("host.release_evidence", [], [repo.url], note)
        return
    out.emit("host.releases", len(published), _locators(r.url for r in published), short)
    kinds_of = {r.url: release_evidence(r) for r in published}
    kinds = [k for k in EVIDENCE_KINDS if any(k in found for found in kinds_of.values())]
    assets = sum(len(r.assets) for r in published)
    out.emit("host.release_evidence", kinds,
             _locators((url for url, found in kinds_of.items() if found),
                       (r.url for r in published)),
             _joined(None if kinds else
                     f"no signature, provenance, SBOM or checksum among {assets} assets of "
                     f"{len(published)} releases", short))


def _issues(repo: HostRepository, settings: HostSettings, whole: Window,
            out: Emitter) -> None:
    if repo.issues is None:
        return
    window = whole.cut(repo.read_since.get("issues"))
    short = whole.shortfall(window)
    incidents = [i for i in repo.issues if i.created_at in window and is_incident(i, settings)]
    out.emit("host.incidents", len(incidents), _locators((i.url for i in incidents), [repo.url]),
             _joined(None if incidents else f"no issue labelled as an incident opened in the "
                     f"last {window.days} days", short))
    closed = [i for i in repo.issues if i.closed_at in window]
    bugs = [i for i in closed if labelled(i.labels, settings.bug_labels)]
    features = [i for i in closed if i not in bugs and labelled(i.labels, settings.feature_labels)]
    if len(bugs) + len(features) >= MINIMUM_CLASSIFIED_ISSUES:
        out.emit("host.bug_share", round(len(bugs) / (len(bugs) + len(features)), 2),
                 _locators((i.url for i in bugs), [repo.url]),
                 _joined(f"{len(bugs)} bug and {len(features)} feature issues closed in the "
                         f"last {window.days} days", short))


def _features(repo: HostRepository, out: Emitter) -> None:
    for key, signal in FEATURES.items():
        feature = repo.features.get(key)
        if feature is not None and feature.enabled is not None:
            out.emit(signal, feature.enabled, [repo.url], feature.note or None)
    if repo.code_scanning_tools is not None:
        tools = list(repo.code_scanning_tools)
        out.emit("host.code_scanning.tools", tools, [repo.url],
                 None if tools else "no tool has uploaded code scanning results")


def _alerts(repo: HostRepository, settings: HostSettings, window: Window, out: Emitter) -> None:
    readable = {kind: alerts for kind in ALERT_KINDS
                if (alerts := repo.alerts.get(kind)) is not None}
    if not readable:
        return
    _open_critical(repo, readable, out)
    vulnerabilities = [a for kind in VULNERABILITY_KINDS for a in readable.get(kind) or ()]
    if any(kind in readable for kind in VULNERABILITY_KINDS):
        _within_sla(repo, vulnerabilities, settings, window, out)
        _fix_days(repo, vulnerabilities, window, out)


def _open_critical(repo: HostRepository, readable: dict[str, list[Alert]],
                   out: Emitter) -> None:
    severe = sorted((a for alerts in readable.values() for a in alerts
                     if a.open and a.severity in SEVERE), key=lambda a: a.created_at)
    kinds = " and ".join(readable)
    unread = [k for k in ALERT_KINDS if k not in readable]
    out.emit("host.open_critical_alerts", len(severe),
             _locators((a.url for a in severe), [repo.url]),
             f"open critical or high alerts among {kinds} alerts"
             + (f"; {' and '.join(unread)} alerts could not be read" if unread else ""))


def sla_outcome(alert: Alert, settings: HostSettings, window: Window) -> bool | None:
    """True when fixed within its SLA, False when fixed late or still open past it, None when
    it does not count: dismissed, open within its SLA, fixed but created before the window,
    or of a severity with no SLA."""
    sla_days = settings.sla_days.get(alert.severity)
    if sla_days is None or alert.dismissed_at is not None:
        return None
    deadline = alert.created_at + timedelta(days=sla_days)
    if alert.fixed_at is None:
        return False if window.now > deadline else None
    if alert.created_at not in window:
        return None
    return alert.fixed_at <= deadline


def _within_sla(repo: HostRepository, alerts: list[Alert], settings: HostSettings,
                window: Window, out: Emitter) -> None:
    outcomes = [(a, sla_outcome(a, settings, window)) for a in alerts]
    counted = [(a, met) for a, met in outcomes if met is not None]
    if not counted:
        return
    met = sum(1 for _, ok in counted if ok)
    missed = [a.url for a, ok in counted if not ok]
    out.emit("host.vulnerability_alerts_within_sla_share", round(met / len(counted), 2),
             _locators(missed, (a.url for a, _ in counted)),
             f"{met} of {len(counted)} dependency and code alerts fixed within the SLA "
             f"(days by severity: {_sla_words(settings)}); still open past it counts as missed")


def _sla_words(settings: HostSettings) -> str:
    return ", ".join(f"{severity} {days}" for severity, days in settings.sla_days.items())


def _fix_days(repo: HostRepository, alerts: list[Alert], window: Window, out: Emitter) -> None:
    fixed = [a for a in alerts if a.fixed_at in window]
    days = [(a.fixed_at - a.created_at).total_seconds() / 86400 for a in fixed
            if a.fixed_at is not None]
    if days:
        out.emit("host.alert_fix_days_p50", round(statistics.median(days), 2),
                 _locators((a.url for a in fixed), [repo.url]),
                 f"median over {len(days)} dependency and code alerts fixed in the last "
                 f"{window.days} days")
