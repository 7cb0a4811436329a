"""Path patterns asked together (collectors/path_patterns.py): the alternation answers
exactly as asking each pattern in turn would, for the sets the readers ask."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from scanner.collectors.path_patterns import any_of
from scanner.collectors.repo_files.code_files import ANY_E2E_FILE, E2E_FILES
from scanner.collectors.repo_files.infrastructure import (
    ANY_IAC,
    ANY_SERVICE,
    IAC_BY_PATH,
    SERVICE_BY_PATH,
)

CHECKOUT = Path(__file__).resolve().parents[2]
CRAFTED = [
    "infra/main.tf", "infra/main.tf.json", "live/terragrunt.hcl", "charts/api/Chart.yaml",
    "deploy/kustomization.yml", "Kustomization", "Pulumi.yaml", "cdk.json", "ansible.cfg",
    "roles/web/tasks/main.yml", "main.bicep", "image.pkr.hcl", "site.pp", "serverless.yml",
    "Dockerfile", "api/Dockerfile.prod", "build/app.Dockerfile", "Containerfile", "Procfile",
    "fly.toml", "appspec.yaml", "docker-compose.yml", "compose.override.yaml",
    "cypress.config.ts", "playwright.config.mjs", "pacts/consumer.json", "login.feature",
    "suite.robot", "wdio.conf.js", "api.postman_collection.json",
    # near misses
    "Dockerfile.md", "chart.yaml", "main.tfvars", "docs/Procfile.txt", "cypress.json.bak",
    "src/app.py", "", "a/b/c", "terraform", ".tf",
]


def _paths() -> list[str]:
    found = list(CRAFTED)
    for folder, _, files in os.walk(CHECKOUT):
        if "/." in folder or "node_modules" in folder:
            continue
        found += [os.path.relpath(os.path.join(folder, name), CHECKOUT) for name in files]
    return found


@pytest.mark.parametrize(("together", "each"), [
    (ANY_IAC, IAC_BY_PATH), (ANY_SERVICE, SERVICE_BY_PATH), (ANY_E2E_FILE, E2E_FILES)],
    ids=["iac", "services", "e2e"])
def test_asked_together_answers_as_asked_in_turn(together: re.Pattern[str],
                                                 each: dict[str, re.Pattern[str]]) -> None:
    paths = _paths()
    assert len(paths) > 500
    differ = [p for p in paths
              if bool(together.search(p)) != any(pattern.search(p) for pattern in each.values())]
    assert differ == []
    assert sum(1 for p in CRAFTED if together.search(p)) >= 5


def test_any_of_keeps_each_pattern_whole_and_refuses_inline_flags() -> None:
    parts = [re.compile(r"^a$"), re.compile(r"b|c$"), re.compile(r"(d|e)f")]
    together = any_of(parts)
    for text in ("a", "xa", "ab", "cx", "xc", "ef", "fd", ""):
        assert bool(together.search(text)) == any(p.search(text) for p in parts), text
    with pytest.raises(re.error):
        any_of([re.compile(r"(?i)x")])
