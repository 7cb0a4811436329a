"""The JSON report follows the schema shipped in the package."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any

import jsonschema

from gitrepo import GitRepo


def test_scan_json_matches_the_shipped_schema(cli: Callable[..., Any],
                                              make_repo: Callable[..., GitRepo]) -> None:
    schema = json.loads(resources.files("scanner").joinpath(
        "schemas/assessment.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    repo = make_repo({".github/workflows/ci.yml": "on: pull_request\njobs:\n  t:\n"
                      "    steps: [{run: pytest}, {run: semgrep ci}]\n", "app.py": "x = 1\n"})
    document = json.loads(cli("scan", str(repo.root), "--format", "json", "--no-store").out)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    broken = dict(document, overall={"stage": "genius", "score": 9, "confidence": 2})
    assert list(validator.iter_errors(broken))
