"""Practices in repository files: contributor docs, dev environments, setup entry points,
post-mortems, runbooks, threat models and code debt."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from scanner.collectors.base import Emitter
from scanner.collectors.files import practices
from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.practices import SIGNALS, detect
from scanner.collectors.local.worktree import WorkTree
from scanner.collectors.markup import headings
from scanner.evidence import Evidence

from kept import assert_kept

Tree = Callable[[dict[str, Any]], WorkTree]
CONDITIONAL = {"postmortems.action_items_share", "postmortems.timeline_share",
               "debt.markers_per_kloc", "debt.suppressions_per_kloc"}


def scan(tree: Tree, files: dict[str, Any]) -> dict[str, Evidence]:
    out = Emitter("repo:x", "test")
    detect(FileIndex(tree(files)), out)
    found = {e.signal: e for e in out.evidence}
    assert len(found) == len(out.evidence), "a signal was emitted twice"
    return found


def test_every_signal_is_declared_for_repos_and_services_and_emitted(tree: Tree) -> None:
    assert all(spec.entity_kinds == ("repo", "service") for spec in SIGNALS)
    found = scan(tree, {"README.md": "# Project\n"})
    assert set(found) == {spec.name for spec in SIGNALS} - CONDITIONAL
    declared = {spec.name: spec.type for spec in SIGNALS}
    for evidence in found.values():
        kind = {"bool": bool, "int": int, "float": float, "list": list}[declared[evidence.signal]]
        assert type(evidence.value) is kind, evidence.signal
        if evidence.value in (False, 0, []):
            assert evidence.note, f"{evidence.signal}: a negative needs a note"


def test_empty_values_for_a_repository_without_practices(tree: Tree) -> None:
    found = scan(tree, {"README.md": "# Project\n", "Makefile": "test:\n\tpytest\n",
                        "scripts/test.sh": "pytest\n", "docker-compose.yml":
                        "services:\n  web:\n    image: nginx\n"})
    for signal in ("docs.onboarding", "dev.environments", "dev.bootstrap",
                   "threat_models.tools"):
        assert found[signal].value == [], signal
    for signal in ("docs.contributing", "postmortems.template", "postmortems.blameless"):
        assert found[signal].value is False, signal
    for signal in ("postmortems.documents", "runbooks.count", "threat_models.count"):
        assert found[signal].value == 0, signal
    assert "postmortems.action_items_share" not in found
    assert found["debt.markers_per_kloc"].value == 0  # a script is code, with no markers


# --- contributor docs and onboarding -------------------------------------------------------

CONTRIBUTING = """\
# Contributing to Ledger

Thanks for helping out.

## Reporting bugs

Open an issue.

Setting up a development environment
-------------------------------------

Install uv, then run `make setup`.
"""


def test_contributing_and_onboarding_guides(tree: Tree) -> None:
    found = scan(tree, {
        ".github/CONTRIBUTING.md": CONTRIBUTING,
        "HACKING": "Hacking on Ledger\n",
        "docs/getting-started.md": "# Getting started\n",
        "docs/dev/local-cluster.md": "# A local cluster\n",
        "docs/setup.rst": "Setup\n=====\n",
        "docs/contributing/reviews.md": "# Reviews\n",
        "services/api/DEVELOPMENT.md": "# Developing the API\n",
        # Not developer guides:
        "config/environments/development.rb": "Rails.application.configure do\nend\n",
        "docs/devices.md": "# Supported devices\n",
        "examples/getting-started.md": "# Example\n",
        "node_modules/pkg/HACKING.md": "# vendored\n",
    })
    assert found["docs.contributing"].value is True
    assert found["docs.contributing"].locators == (".github/CONTRIBUTING.md",)
    onboarding = found["docs.onboarding"]
    assert onboarding.value == [".github/CONTRIBUTING.md", "HACKING",
                                "docs/contributing/reviews.md", "docs/dev/local-cluster.md",
                                "docs/getting-started.md", "docs/setup.rst",
                                "services/api/DEVELOPMENT.md"]
    assert onboarding.locators[0] == ".github/CONTRIBUTING.md:9"  # the underlined heading
    assert_kept(onboarding, (onboarding.locators[0], *onboarding.value[1:]))


def test_contributing_without_a_setup_section_is_not_onboarding(tree: Tree) -> None:
    found = scan(tree, {"docs/contributing.rst": "Contributing\n============\n\nBe kind.\n",
                        "src/app.py": "print('setup')\n"})
    assert found["docs.contributing"].value is True
    assert found["docs.contributing"].locators == ("docs/contributing.rst",)
    assert found["docs.onboarding"].value == []
    assert "no onboarding" in (found["docs.onboarding"].note or "")


def test_a_readme_section_for_people_who_work_on_the_code(tree: Tree) -> None:
    """A README's "Development" section is a developer guide; its "Getting Started" for
    users is not."""
    readme = "# Bookmarks\n\n## Getting Started\n\nRun the image.\n\n## Development\n\n" \
             "### Setup\n\nmake init\n"
    found = scan(tree, {"README.md": readme})
    assert found["docs.onboarding"].value == ["README.md"]
    assert found["docs.onboarding"].locators == ("README.md:7",)
    users = scan(tree, {"README.md": "# Bookmarks\n\n## Getting Started\n\nRun the image.\n"})
    assert users["docs.onboarding"].value == []


def test_contributing_elsewhere_does_not_count(tree: Tree) -> None:
    found = scan(tree, {"packages/a/CONTRIBUTING.md": "# Contributing\n"})
    assert found["docs.contributing"].value is False
    assert found["docs.contributing"].note


# --- development environments --------------------------------------------------------------

def test_development_environments(tree: Tree) -> None:
    found = scan(tree, {
        ".devcontainer/python/devcontainer.json": '{"image": "python:3.12"}\n',
        ".gitpod.yml": "tasks:\n  - init: make setup\n",
        "devbox.json": '{"packages": ["go@1.22"]}\n',
        "Vagrantfile": 'Vagrant.configure("2") do |config|\nend\n',
        "Tiltfile": "docker_build('api', '.')\n",
        "docker-compose.yml": "services:\n  db:\n    image: postgres\n",
        "compose.override.yml": "services:\n  db:\n    ports: ['5432:5432']\n",
    })
    environments = found["dev.environments"]
    assert environments.value == ["compose-dev", "devcontainer", "gitpod", "nix", "tilt",
                                  "vagrant"]
    assert_kept(environments, ("compose.override.yml",
                                     ".devcontainer/python/devcontainer.json", ".gitpod.yml",
                                     "devbox.json", "Tiltfile", "Vagrantfile"))


@pytest.mark.parametrize(("files", "expected"), [
    ({"docker-compose.dev.yml": "services:\n  api:\n    build: .\n"}, "docker-compose.dev.yml"),
    ({"deploy/compose.yaml": "services:\n  api:\n    image: x\n  api-dev:\n    build: .\n"},
     "deploy/compose.yaml:4"),
    ({"compose.yaml": "services:\n  api:\n    build:\n      context: .\n"
                      "      target: development\n"}, "compose.yaml:5"),
])
def test_compose_files_for_development(tree: Tree, files: dict[str, str], expected: str) -> None:
    environments = scan(tree, files)["dev.environments"]
    assert environments.value == ["compose-dev"]
    assert environments.locators == (expected,)


def test_compose_files_that_are_not_for_development(tree: Tree) -> None:
    found = scan(tree, {"docker-compose.yml": "services:\n  web:\n    image: nginx\n",
                        "examples/dev/docker-compose.yml": "services:\n  x:\n    image: y\n",
                        "docker-compose.prod.yml": "services: [unclosed\n",
                        "docs/shell.nix": "{}\n"})
    assert found["dev.environments"].value == []
    assert found["dev.environments"].note


# --- one-command setup ---------------------------------------------------------------------

MAKEFILE = """\
PY ?= python3
.PHONY: setup bootstrap deps install dev test

setup: ## create the virtualenv
\t$(PY) -m venv .venv
\t.venv/bin/pip install -e '.[test]'

bootstrap: deps

deps:
\tnpm ci

install: build
\tinstall -m 755 bin/ledger $(DESTDIR)$(PREFIX)/bin/

build:
\tgo build -o bin/ledger ./cmd/ledger

dev: ## nothing here yet

test:
\tpytest
"""


def test_makefile_targets_justfile_recipes_and_scripts(tree: Tree) -> None:
    found = scan(tree, {
        "Makefile": MAKEFILE,
        "justfile": "set shell := [\"bash\", \"-c\"]\n\n# first-time setup\ninit: setup\n\n"
                    "prepare:\n    pre-commit install\n\nlint:\n    ruff check\n",
        "script/bootstrap": "#!/bin/sh\nbrew bundle\n",
        "bin/setup": "#!/usr/bin/env ruby\nsystem('bundle install')\n",
        "setup.sh": "#!/bin/sh\n./script/bootstrap\n",
        "scripts/setup-dev.ps1": "choco install go\n",
        "tools/setup.sh": "echo not at the root\n",
    })
    bootstrap = found["dev.bootstrap"]
    # `make install` installs the product (DESTDIR/PREFIX) and `dev` runs nothing.
    assert bootstrap.value == ["Makefile:4", "Makefile:8", "Makefile:10", "bin/setup",
                               "justfile:4", "justfile:6", "script/bootstrap",
                               "scripts/setup-dev.ps1", "setup.sh"]
    assert_kept(bootstrap, tuple(bootstrap.value))


def test_a_makefile_without_setup_targets(tree: Tree) -> None:
    found = scan(tree, {"GNUmakefile": "install:\n\tcp app /usr/local/bin/app\ndev:\n",
                        "Justfile": "build:\n    cargo build\n"})
    assert found["dev.bootstrap"].value == []
    assert "no setup" in (found["dev.bootstrap"].note or "")


# --- post-mortems --------------------------------------------------------------------------

POSTMORTEM_README = """\
# Post-mortems

We write a post-mortem for every SEV-1 and SEV-2.
Reviews are blameless: we look for contributing factors, not culprits.
"""
POSTMORTEM_TEMPLATE = """\
# Post-mortem: <title>

## Summary
## Impact
## Timeline (UTC)
## Contributing factors
## Action items
"""
DATABASE_OUTAGE = """\
---
title: Primary database failover
date: 2024-03-01
---
# Primary database failover

## Summary

Writes failed for 23 minutes.

```markdown
## Timeline
(pasted from the chat, not a section)
```

## Timeline

Detection was slow.

## Follow-up

| Action | Owner |
| --- | --- |
| Alert on replication lag | @dba |
"""
CACHE_STAMPEDE = """\
Cache stampede after deploy
===========================

- 2024-05-10 14:02 deploy started
- 2024-05-10 14:09 error rate above 5%
- 2024-05-10 14:31 rollback finished

- [ ] add request coalescing
- [x] page the owning team
"""
DNS_EXPIRY = """\
DNS record expired
==================

What happened
-------------

The zone was not renewed.
"""


def test_postmortem_documents_template_and_sections(tree: Tree) -> None:
    found = scan(tree, {
        "docs/postmortems/README.md": POSTMORTEM_README,
        "docs/postmortems/template.md": POSTMORTEM_TEMPLATE,
        "docs/postmortems/2024-03-01-database-failover.md": DATABASE_OUTAGE,
        "docs/postmortems/2024-05-10-cache-stampede.md": CACHE_STAMPEDE,
        "incident_reviews/2024-06-02-dns.rst": DNS_EXPIRY,
        "docs/postmortems/diagram.png": b"\x89PNG\r\n\x1a\n\x00\x00",
        "docs/postmortems/binary.md": b"\x00\x01\x02 not text",
    })
    # The picture and the binary ".md" are skipped, never counted and never fatal.
    assert found["postmortems.documents"].value == 3
    assert found["postmortems.documents"].locators == (
        "docs/postmortems/2024-03-01-database-failover.md",
        "docs/postmortems/2024-05-10-cache-stampede.md", "incident_reviews/2024-06-02-dns.rst")
    assert found["postmortems.template"].value is True
    assert found["postmortems.template"].locators == ("docs/postmortems/template.md",)
    # The template has no blameless wording; the folder's README does.
    assert found["postmortems.blameless"].value is True
    assert found["postmortems.blameless"].locators == ("docs/postmortems/README.md:4",)
    actions = found["postmortems.action_items_share"]
    assert actions.value == 0.67
    assert actions.locators == ("incident_reviews/2024-06-02-dns.rst",)
    assert actions.note == ("2 of 3 post-mortems have an action-items or follow-up section; "
                            "missing in incident_reviews/2024-06-02-dns.rst")
    timeline = found["postmortems.timeline_share"]
    assert timeline.value == 0.67
    assert timeline.locators == ("incident_reviews/2024-06-02-dns.rst",)


def test_where_each_section_was_found(tree: Tree) -> None:
    found = scan(tree, {"postmortems/2024-03-01-database.md": DATABASE_OUTAGE,
                        "postmortems/2024-05-10-cache.md": CACHE_STAMPEDE})
    assert found["postmortems.action_items_share"].value == 1.0
    assert found["postmortems.action_items_share"].locators == (
        "postmortems/2024-03-01-database.md:20", "postmortems/2024-05-10-cache.md:8")
    assert found["postmortems.timeline_share"].locators == (
        "postmortems/2024-03-01-database.md:16", "postmortems/2024-05-10-cache.md:4")
    assert found["postmortems.blameless"].value is False
    assert found["postmortems.blameless"].locators == ("postmortems/2024-03-01-database.md",
                                                       "postmortems/2024-05-10-cache.md")


def test_named_postmortems_guides_and_issue_templates(tree: Tree) -> None:
    found = scan(tree, {
        "docs/2023-11-payments-postmortem.md": "# Payments\n## Action Items\n- fix\n",
        "reports/queue-rca.md": "# Queue backlog\n",
        "docs/postmortem-process.md": "We hold blameless post-mortems within 5 days.\n",
        "docs/effective_post_mortems.md": "# Writing good post-mortems\n",
        ".github/ISSUE_TEMPLATE/outage.md": "---\nname: Incident review\nabout: After an "
                                           "outage\n---\n## Timeline\n",
        ".github/ISSUE_TEMPLATE/bug_report.md": "---\nname: Bug report\n---\nIf this is a "
                                                "security incident, email us.\n",
        ".github/ISSUE_TEMPLATE/config.yml": "contact_links:\n  - name: incident hotline\n",
        "examples/postmortems/sample.md": "# Sample\n",
    })
    assert found["postmortems.documents"].value == 2
    assert found["postmortems.documents"].locators == ("docs/2023-11-payments-postmortem.md",
                                                       "reports/queue-rca.md")
    assert found["postmortems.template"].locators == (".github/ISSUE_TEMPLATE/outage.md",)
    assert found["postmortems.blameless"].locators == ("docs/postmortem-process.md:1",)
    assert found["postmortems.action_items_share"].value == 0.5


def test_a_template_alone_is_no_postmortem(tree: Tree) -> None:
    found = scan(tree, {"docs/templates/incident-report.md": "# Incident\nA blame-free review.\n",
                        "postmortems/_TEMPLATE.md": "# Title\n"})
    assert found["postmortems.documents"].value == 0
    assert found["postmortems.template"].value is True
    assert found["postmortems.template"].locators == ("docs/templates/incident-report.md",
                                                      "postmortems/_TEMPLATE.md")
    assert found["postmortems.blameless"].locators == ("docs/templates/incident-report.md:2",)
    assert "postmortems.action_items_share" not in found
    assert "postmortems.timeline_share" not in found


# --- runbooks ------------------------------------------------------------------------------

def test_runbooks_playbooks_and_oncall_documents(tree: Tree) -> None:
    found = scan(tree, {
        "runbooks/README.md": "# Runbooks\n",
        "runbooks/database/failover.md": "# Fail over the primary\n",
        "runbooks/runbook-template.md": "# <Alert name>\n",
        "docs/on_call/paging.md": "# Paging policy\n",
        "docs/on_call/README.md": "# On call\n",
        "ops/cache-runbook.rst": "Cache\n=====\n",
        "playbooks/incident-triage.md": "# Triage\n",
        "playbooks/README.md": "# Our Ansible playbooks\n",
        "playbooks/site.yml": "- hosts: all\n  roles: [common]\n",
        "roles/common/tasks/main.yml": "- name: ping\n  ping:\n",
        "runbooks/diagram.svg": "<svg/>\n",
        "runbooks/export.md": b"\x00\x01 binary",
    })
    runbooks = found["runbooks.count"]
    assert runbooks.value == 4
    assert runbooks.locators == ("docs/on_call/paging.md", "ops/cache-runbook.rst",
                                 "playbooks/incident-triage.md",
                                 "runbooks/database/failover.md")


def test_a_lone_runbook_index_counts_and_ansible_playbooks_do_not(tree: Tree) -> None:
    alone = scan(tree, {"oncall/README.md": "# On call\nRestart with `make restart`.\n"})
    assert alone["runbooks.count"].value == 1
    ansible = scan(tree, {"playbooks/site.yml": "- hosts: all\n  tasks: []\n",
                          "ansible/playbooks/db.yaml": "- hosts: db\n  roles: [pg]\n"})
    assert ansible["runbooks.count"].value == 0
    assert ansible["runbooks.count"].note
    # A product called "oncall": its Helm chart folder is no on-call documentation.
    product = scan(tree, {"helm/oncall/Chart.yaml": "apiVersion: v2\nname: oncall\n",
                          "helm/oncall/README.md": "# Grafana OnCall chart\n",
                          "helm/oncall/templates/NOTES.txt": "Thanks for installing.\n"})
    assert product["runbooks.count"].value == 0


# --- threat models -------------------------------------------------------------------------

THREAT_DRAGON = {
    "version": "2.2.0",
    "summary": {"title": "Payments", "owner": "payments team", "description": "", "id": 0},
    "detail": {
        "contributors": [{"name": "payments team"}],
        "diagrams": [{
            "id": 0, "title": "Checkout", "diagramType": "STRIDE", "version": "2.2.0",
            "cells": [{"shape": "actor", "id": "a1", "zIndex": 1,
                       "data": {"type": "tm.Actor", "name": "Shopper", "threats": []}}],
        }],
        "diagramTop": 1, "reviewer": "", "threatTop": 0,
    },
}
PYTM_MODEL = """\
#!/usr/bin/env python3
from pytm import TM, Actor, Boundary, Dataflow, Server

tm = TM("Checkout")
internet = Boundary("Internet")
user = Actor("Shopper")
api = Server("API")
Dataflow(user, api, "Place order")

if __name__ == "__main__":
    tm.process()
"""
THREAGILE = """\
threagile_version: 1.0.0
title: Checkout
date: 2024-03-31
technical_assets:
  API:
    id: api
    type: process
"""


def test_threat_model_tools_and_files(tree: Tree) -> None:
    found = scan(tree, {
        "ThreatDragonModels/Payments/Payments.json": json.dumps(THREAT_DRAGON, indent=2),
        "security/tm.py": PYTM_MODEL,
        "security/checkout.tm7": "<ThreatModel xmlns='http://schemas.datacontract.org'/>\n",
        "threagile.yaml": THREAGILE,
        "docs/threat-model.md": "# Threat model\n",
        "docs/design/payments-security.md": "# Payments\n\n## STRIDE analysis\n\n| Threat |\n",
        "threat-models/README.adoc": "= Threat models\n",
    })
    tools = found["threat_models.tools"]
    assert tools.value == ["document", "microsoft-tmt", "pytm", "threagile", "threat-dragon"]
    assert tools.locators == ("docs/design/payments-security.md", "security/checkout.tm7",
                              "security/tm.py", "threagile.yaml",
                              "ThreatDragonModels/Payments/Payments.json")
    count = found["threat_models.count"]
    assert count.value == 7
    assert_kept(count, tuple(sorted([
        "ThreatDragonModels/Payments/Payments.json", "security/tm.py",
        "security/checkout.tm7", "threagile.yaml", "docs/threat-model.md",
        "docs/design/payments-security.md", "threat-models/README.adoc"])))


def test_lookalikes_are_not_threat_models(tree: Tree) -> None:
    found = scan(tree, {
        "report.json": json.dumps({"summary": {"title": "x"}, "detail": {"rows": []},
                                   "diagrams": "none"}),
        "broken.json": '{"summary": {}, "detail": {"diagrams": [',
        "threagile.yaml": "title: not a model\n",
        "docs/security.md": "# Security\n\nWe use STRIDE when designing features.\n",
        "docs/architecture.md": "# Architecture\n\n```\n## STRIDE\n```\n",
        "pytm/__init__.py": "from pytm.pytm import Actor, Server\n",
        "tests/test_model.py": PYTM_MODEL,
        "node_modules/x/threat-model.md": "# Threat model\n",
    })
    assert found["threat_models.tools"].value == []
    assert found["threat_models.count"].value == 0
    assert found["threat_models.count"].note


# --- debt ----------------------------------------------------------------------------------

PYTHON = """\
# TODO: split this module
import os

MESSAGE = "TODO is a word in this string"  # FIXME: wording
PATH = "a # b"  # not a marker
NOTE = 'it\\'s' # HACK around quoting

def run():  # type: ignore[no-untyped-def]
    return os.getcwd()  # noqa: PTH109
"""
JAVASCRIPT = """\
/* eslint-disable no-console */
const url = "https://example.org/TODO";  // XXX: move to config
/*
 * Multi-line comment
 * TODO(alice): remove the shim
 */
/*
   FIXME inside a block without stars
*/
// @ts-ignore
console.log(url);
"""
GO = """\
package main

//nolint:errcheck
func main() { _ = run() } // todo: handle the error
"""
RUST = """\
#[allow(dead_code)]
fn helper<'a>(s: &'a str) -> &'a str { s } // HACK: lifetimes
"""
LUA = "-- TODO: port to C\nlocal x = 1 -- XXX\n"


def test_debt_markers_and_suppressions(tree: Tree) -> None:
    found = scan(tree, {
        "app/main.py": PYTHON,
        "web/app.ts": JAVASCRIPT,
        "cmd/main.go": GO,
        "src/lib.rs": RUST,
        "scripts/init.lua": LUA,
        "README.md": "TODO: docs are not code\n",
        # Vendored, generated, minified or unreadable: ignored.
        "vendor/github.com/x/y.go": "package y // TODO TODO TODO\n",
        "third_party/lib.c": "/* FIXME */\n",
        "web/node_modules/lib/index.js": "// TODO\n",
        "build/out.js": "// TODO\n",
        "api/types_pb2.py": "# TODO generated\n",
        "internal/mock.go": "// Code generated by moq; DO NOT EDIT.\npackage x // TODO\n",
        "web/vendor.min.js": "var a=1;// TODO\n",
        "web/bundle.js": "var a=1;" * 1_000 + "// TODO\n",
        "bin/blob.py": b"\x00\x01TODO",
        "legacy/latin1.py": "# TODO caf\xe9\n".encode("latin-1"),
    })
    # Non-blank lines: python 7, ts 11, go 3, rust 2, lua 2 = 25.
    # Markers: python 3 (TODO, FIXME, HACK), ts 3 (XXX, TODO(alice), FIXME),
    # go 1 (todo:), rust 1, lua 2 = 10.
    markers = found["debt.markers_per_kloc"]
    assert markers.value == 400.0
    assert markers.locators == ("app/main.py:1", "web/app.ts:2", "scripts/init.lua:1",
                                "cmd/main.go:4", "src/lib.rs:2")
    assert markers.note == ("10 TODO/FIXME/HACK/XXX markers in comments in 25 non-blank lines "
                            "of 5 source files; 4 unreadable, over 1 MB, generated or minified "
                            "files skipped")
    # Suppressions: python 2, ts 2, go 1, rust 1 = 6.
    suppressions = found["debt.suppressions_per_kloc"]
    assert suppressions.value == 240.0
    assert suppressions.locators == ("app/main.py:8", "web/app.ts:1", "cmd/main.go:3",
                                     "src/lib.rs:1")


def test_debt_without_markers_and_the_file_cap(tree: Tree,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"pkg/m{i}.py": "x = 1\n\ny = 2\n" for i in range(3)}
    found = scan(tree, files)
    assert found["debt.markers_per_kloc"].value == 0.0
    assert found["debt.suppressions_per_kloc"].value == 0.0
    assert found["debt.markers_per_kloc"].locators == ()
    monkeypatch.setattr(practices, "MAX_SOURCE_FILES", 2)
    capped = scan(tree, files)
    note = capped["debt.markers_per_kloc"].note or ""
    assert "capped: 2 of 3 source files read, spread evenly over the tree" in note
    assert "4 non-blank lines of 2 source files" in note
    assert "capped" in (capped["threat_models.tools"].note or "")


# --- parsing helpers and bad input ---------------------------------------------------------

def test_headings_of_markdown_rst_asciidoc_and_text() -> None:
    markdown = "---\ntitle: x\n---\n# One\ntext\nTwo\n---\n```\n# not\n```\n**Three**\n- a\n---\n"
    assert [(h.line, h.title) for h in headings("a.md", markdown)] == [
        (4, "One"), (6, "Two"), (11, "Three")]
    rst = "=====\nTitle\n=====\n\nSection\n-------\n"
    assert [(h.line, h.title) for h in headings("a.rst", rst)] == [(2, "Title"), (5, "Section")]
    assert [(h.line, h.title) for h in headings("a.adoc", "= Doc\n== Part\n")] == [
        (1, "Doc"), (2, "Part")]
    assert [(h.line, h.title) for h in headings("a.txt", "Action items:\n- x\n")] == [
        (1, "Action items")]


def test_bad_input_never_raises(tree: Tree) -> None:
    found = scan(tree, {
        "Makefile": b"\x00\x01setup:\n\techo hi\n",
        "justfile": "setup:\n    \xff\n".encode("latin-1"),
        "docker-compose.dev.yml": "services: [\n",
        "compose.yml": "- a list\n- not a mapping\n",
        "compose.override.yaml": b"\x00binary",
        "postmortems/2024.md": "\n" * 3 + "#\n" + "##\n" + "|" * 5_000 + "\n",
        ".github/ISSUE_TEMPLATE/incident.yml": b"\x00\x00",
        "ThreatDragonModels/x.json": '{"summary": 1, "detail": {"diagrams": 2}}' + "[" * 5_000,
        "threat.yaml": "threagile_version: [\n",
        "model.tm7": b"\x00\xff",
        "src/deep.py": "x = 1\n" * 50 + "#" * 2_000 + " TODO\n" + '"' * 301 + " # TODO\n",
    })
    assert found["dev.environments"].value == ["compose-dev"]
    assert found["dev.bootstrap"].value == []  # the Makefile and justfile cannot be read
    assert found["postmortems.template"].value is True  # named for incidents
    assert found["threat_models.tools"].value == ["microsoft-tmt"]
    # A quote left open at the end of a line closes nothing: the comment after it counts.
    assert found["debt.markers_per_kloc"].value == round(2 * 1000 / 52, 2)
