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


def test_a_large_estates_report_lists_a_sample_with_totals_and_matches_the_schema(
        make_repo: Callable[..., GitRepo]) -> None:
    from dataclasses import replace

    from scanner.collectors.local import LocalRepoCollector
    from scanner.config import Config
    from scanner.engine.tally import SAMPLE
    from scanner.judgement import judge_estate
    from scanner.reports.document import build_document
    from scanner.scan import load_engine, run_scan

    repo = make_repo({".github/workflows/ci.yml": "on: pull_request\njobs:\n  t:\n"
                      "    steps: [{run: pytest}]\n", "app.py": "x = 1\n"})
    config = Config()
    scanned = run_scan(config, [LocalRepoCollector.target(str(repo.root))], workers=1)
    source = f"repo:{repo.root.resolve()}"
    evidence = [replace(item, entity=f"repo:/estate/r{n:03d}")
                for n in range(2 * SAMPLE + 10) for item in scanned.evidence
                if item.entity == source]
    judged = judge_estate(load_engine(config), config, evidence)
    document = build_document(judged.assessment, scanned.info,
                              repositories=judged.repositories)
    schema = json.loads(resources.files("scanner").joinpath(
        "schemas/assessment.schema.json").read_text())
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(document))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    rules = [rule for competency in document["competencies"]
             for sub in competency["subcompetencies"] for cell in sub["cells"]
             for rule in cell["rules"]]
    sampled = [rule for rule in rules if "sampled" in rule]
    assert sampled
    for rule in sampled:
        totals = rule["sampled"]["entities"]
        assert sum(totals.values()) == 2 * SAMPLE + 10
        assert all(len(rule["entities"][answer]) == min(total, SAMPLE)
                   for answer, total in totals.items())
        cited = {item["entity"] for item in rule["evidence"]}
        assert len(cited) <= 3 * SAMPLE
        assert rule["sampled"]["evidence"] >= len(rule["evidence"])
    assert len(document["repositories"]) == 2 * SAMPLE + 10
