"""The CI signals, in the order the catalogue and the reports list them.

A single list for all the families (scanning, tests, deploy and gates, release,
references), because the reports list signals in this order, which does not
follow the families.
"""

from __future__ import annotations

from scanner.signals import SignalSpec, specs_about

TOOL_CATEGORIES = (
    "sast", "dast", "sca", "secrets", "container_scan", "iac_scan", "signing", "provenance",
    "verification", "sbom", "tests", "coverage", "e2e", "lint", "deploy", "packaging",
    "load_test", "rollback", "fuzz", "sanitizer",
)
CATEGORY_WORDS = {
    "sast": "static application security testing (SAST)",
    "dast": "dynamic application security testing (DAST)",
    "sca": "dependency vulnerability scanning or review (SCA)",
    "secrets": "secret detection",
    "container_scan": "container image scanning",
    "iac_scan": "infrastructure-as-code or Dockerfile misconfiguration scanning",
    "signing": "artifact or image signing",
    "provenance": "build provenance or attestation",
    "verification": "signature or provenance verification",
    "sbom": "SBOM generation",
    "tests": "automated test runs",
    "coverage": "test coverage measurement",
    "e2e": "end-to-end, smoke, browser, API or contract tests",
    "lint": "linters and non-security static checks",
    "deploy": "deployment to an environment",
    "packaging": "publishing release artifacts",
    "load_test": "load or performance tests",
    "rollback": "scripted or automatic rollback of a deployment",
    "fuzz": "coverage-guided fuzzing",
    "sanitizer": "test runs of builds instrumented with sanitizers (ASan, UBSan, MSan)",
}
_spec = specs_about("repo", "service")


SIGNALS: tuple[SignalSpec, ...] = (
    _spec("ci.present", "bool", "Any CI configuration was found in the repository"),
    _spec("ci.systems", "list", "CI systems configured (github_actions, gitlab_ci, jenkins, …)"),
    _spec("ci.jobs", "int", "Number of CI jobs read"),
    *(_spec(f"ci.{c}.tools", "list", f"Tools for {CATEGORY_WORDS[c]} run in CI")
      for c in TOOL_CATEGORIES),
    _spec("ci.sast.before_merge", "bool",
          "SAST runs on pull / merge requests or on every branch push, before merge"),
    _spec("ci.sca.before_merge", "bool",
          "Dependency scanning or review runs on pull / merge requests or every branch push"),
    _spec("ci.tests.before_merge", "bool",
          "Tests (of any kind, end-to-end included) run on pull / merge requests or on every "
          "branch push, before merge"),
    _spec("ci.tests.regimes", "list",
          "Kinds of automated tests CI runs: unit, integration (API, functional), e2e "
          "(browser, smoke, acceptance), performance (load), contract"),
    _spec("ci.tests.points", "list",
          "Points of the lifecycle where CI runs tests automatically: change (before merge), "
          "merge (main line), release (tags, releases, deployments), schedule"),
    _spec("ci.e2e.automatic", "bool",
          "End-to-end or smoke tests run automatically (on change, after merge or on a "
          "schedule), not only by hand"),
    _spec("ci.deploy.present", "bool", "A CI job deploys to an environment"),
    _spec("ci.deploy.automatic", "bool",
          "A deploy job runs automatically after merge or on a tag, without a manual start"),
    _spec("ci.deploy.production", "bool",
          "A deploy job targets an environment matching the production pattern"),
    _spec("ci.deploy.production_automatic", "bool",
          "A production deploy job runs automatically after merge or on a tag"),
    _spec("ci.deploy.site_automatic", "bool",
          "A documentation or static site (GitHub Pages and the like) is deployed "
          "automatically after merge or on a tag"),
    _spec("ci.deploy.environments", "list", "Environments CI jobs deploy to"),
    _spec("delivery.days_per_week", "float",
          "Days per week on which changes reach users: main-line change days where CI delivers "
          "on merge, release days where it delivers on tags (release tags as a proxy "
          "otherwise)"),
    _spec("ci.deploy.gated", "bool",
          "Every deploy or publish job can only run after a security or policy check passes "
          "(in the job before the deploy step, or in a job it needs)"),
    _spec("ci.deploy.gated_share", "float",
          "Share of deploy or publish jobs that can only run after a security or policy "
          "check passes"),
    _spec("ci.deploy.gate_kinds", "list",
          "Kinds of security check that deploy or publish jobs wait for (static analysis, "
          "dependency, secret, image or infrastructure-code scanning, signature "
          "verification): how many criteria can stop a deployment"),
    _spec("ci.iac.applied", "list",
          "Infrastructure-as-code kinds that CI applies automatically after merge "
          "(terraform apply, helm upgrade, kubectl apply, …)"),
    _spec("ci.release.automatic", "bool",
          "Release artifacts are published automatically (on a tag, release or merge)"),
    _spec("ci.references.pinned_share", "float",
          "Share of third-party actions, reusable workflows and components pinned to a "
          "full commit SHA"),
    _spec("ci.references.third_party", "int",
          "Number of third-party actions, reusable workflows and components referenced"),
    _spec("ci.permissions.declared_share", "float",
          "Share of GitHub Actions workflows that declare token permissions"),
)
