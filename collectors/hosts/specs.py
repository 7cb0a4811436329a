"""The signals a Git host adds to those of a repository's files and history, declared
apart from the code that makes them: the signal catalogue every scan checks its rules
against reads them here (see `collectors/sources.py`) without loading the host
collectors."""

from __future__ import annotations

from scanner.signals import SignalSpec

SIGNALS: tuple[SignalSpec, ...] = (
    SignalSpec("host.branch_protected", "bool",
               "The default branch is protected by a branch protection rule or ruleset"),
    SignalSpec("host.required_approvals", "int",
               "Approving reviews the default branch requires before merge"),
    SignalSpec("host.code_owner_review_required", "bool",
               "The default branch requires a code owner's review"),
    SignalSpec("host.required_checks", "list",
               "Status checks (contexts) the default branch requires to pass before merge"),
    SignalSpec("host.required_security_checks", "bool",
               "The default branch requires a security check to pass before merge"),
    SignalSpec("host.force_push_blocked", "bool", "Force pushes to the default branch are blocked"),
    SignalSpec("host.signed_commits_required", "bool",
               "The default branch requires signed commits"),
    SignalSpec("host.changes_merged", "int",
               "Pull or merge requests merged into the default branch in the window"),
    SignalSpec("host.review_share", "float",
               "Share of changes merged in the window approved by someone other than the "
               "author (bots' approvals do not count)"),
    SignalSpec("host.releases", "int", "Releases published in the window (drafts left out)"),
    SignalSpec("host.release_evidence", "list",
               "Kinds of supply-chain evidence attached to releases in the window "
               "(signature, provenance, sbom, checksums)"),
    SignalSpec("dora.source", "str",
               "What DORA metrics count as deployments: host deployments, deploy CI runs "
               "(workflow_runs, ci_jobs) or releases"),
    SignalSpec("dora.deployments", "int",
               "Successful production deployments (or releases) in the window"),
    SignalSpec("dora.deployment_days_per_week", "float",
               "Days with a successful production deployment per week (deployments or the "
               "DORA API)"),
    SignalSpec("dora.lead_time_hours_p50", "float",
               "Median hours from a change's first commit to its production deployment"),
    SignalSpec("dora.change_failure_rate", "float",
               "Share of production deployments that failed or were followed by an incident"),
    SignalSpec("dora.time_to_restore_hours", "float",
               "Median hours from a failed deployment or incident to its resolution"),
    SignalSpec("host.bug_share", "float",
               "Bug issues as a share of bug and feature issues closed in the window"),
    SignalSpec("host.incidents", "int", "Incident-labelled issues opened in the window"),
    SignalSpec("host.dependency_alerts_enabled", "bool",
               "Dependency vulnerability alerts (Dependabot or the like) are enabled"),
    SignalSpec("host.code_scanning_enabled", "bool", "Code scanning is enabled on the host"),
    SignalSpec("host.secret_scanning_enabled", "bool", "Secret scanning is enabled on the host"),
    SignalSpec("host.code_scanning.tools", "list", "Tools that upload code scanning results"),
    SignalSpec("host.open_critical_alerts", "int",
               "Open security alerts of critical or high severity (the readable kinds)"),
    SignalSpec("host.vulnerability_alerts_within_sla_share", "float",
               "Share of vulnerability alerts fixed within the patching SLA"),
    SignalSpec("host.alert_fix_days_p50", "float",
               "Median days from a vulnerability alert's creation to its fix, over alerts fixed "
               "in the window"),
)
