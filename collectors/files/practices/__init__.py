"""Engineering practices that show in a repository's files.

Contributor documentation and onboarding guides, reproducible development
environments and one-command setup, post-mortems (and their template),
runbooks, threat models, and the debt that code carries in its comments
(TODO/FIXME markers, lint and type suppressions).

Everything here is read through the shared `FileIndex`; a file that cannot be
read (binary, too large, not UTF-8) is left out, never fatal.  Makefile and
justfile recipes are read with the CI command parser (`ci.resolve.Resolver`),
so both agree on what a target runs.
"""

from __future__ import annotations

from scanner.collectors.base import Emitter
from scanner.collectors.files import Detector
from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.practices.bootstrap import bootstrap_entry_points
from scanner.collectors.files.practices.contributor_docs import (
    contributing_guides,
    onboarding_guides,
)
from scanner.collectors.files.practices.debt import debt_rates
from scanner.collectors.files.practices.dev_environments import dev_environments
from scanner.collectors.files.practices.postmortems import postmortems
from scanner.collectors.files.practices.runbooks import runbook_documents
from scanner.collectors.files.practices.source_scan import GENERATED_HEADER, scan_source
from scanner.collectors.files.practices.threat_models import threat_models
from scanner.signals import SignalSpec, specs_about

__all__ = ["DETECTOR", "GENERATED_HEADER", "MAX_SOURCE_FILES", "SIGNALS", "detect"]

KINDS = ("repo", "service")


_spec = specs_about(*KINDS)


SIGNALS: tuple[SignalSpec, ...] = (
    _spec("docs.contributing", "bool",
          "A CONTRIBUTING guide at the root, .github/, docs/ or doc/"),
    _spec("docs.onboarding", "list",
          "Onboarding or developer-setup guides (getting started, DEVELOPMENT, HACKING, "
          "a CONTRIBUTING section on setting up)"),
    _spec("dev.environments", "list",
          "Reproducible development environments defined in the repository (dev container, "
          "Gitpod, Nix, Vagrant, Tilt, a development Compose file)"),
    _spec("dev.bootstrap", "list",
          "One-command setup entry points (make setup/bootstrap/…, just recipes, "
          "script/bootstrap, bin/setup, setup.sh)"),
    _spec("postmortems.documents", "int",
          "Post-mortem / incident review documents kept in the repository (templates excluded)"),
    _spec("postmortems.template", "bool", "A post-mortem or incident template exists"),
    _spec("postmortems.blameless", "bool",
          "Post-mortem templates, guides or documents use blameless wording"),
    _spec("postmortems.action_items_share", "float",
          "Share of post-mortem documents with an action-items / follow-up section"),
    _spec("postmortems.timeline_share", "float",
          "Share of post-mortem documents with a timeline"),
    _spec("runbooks.count", "int", "Runbook, playbook or on-call documents"),
    _spec("threat_models.tools", "list",
          "Threat modelling tools or documents with files in the repository (Threat Dragon, "
          "pytm, Microsoft TMT, Threagile, threat model documents)"),
    _spec("threat_models.count", "int", "Threat model files in the repository"),
    _spec("debt.markers_per_kloc", "float",
          "TODO / FIXME / HACK / XXX markers in comments per 1,000 non-blank source lines"),
    _spec("debt.suppressions_per_kloc", "float",
          "Lint and type-check suppression comments per 1,000 non-blank source lines"),
)

# At most this many source files are read (for the debt rates and pytm models), spread
# evenly over the tree.
MAX_SOURCE_FILES = 5_000


def detect(files: FileIndex, out: Emitter) -> None:
    contributing = contributing_guides(files, out)
    onboarding_guides(files, contributing, out)
    dev_environments(files, out)
    bootstrap_entry_points(files, out)
    postmortems(files, out)
    runbook_documents(files, out)
    scan = scan_source(files, MAX_SOURCE_FILES)
    threat_models(files, scan.pytm, scan.capped, scan.most, out)
    debt_rates(scan, out)


DETECTOR = Detector("practices", SIGNALS, detect)
