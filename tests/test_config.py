"""The configuration file: the example is complete and valid; mistakes are one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.config import TOP_KEYS, load_config
from scanner.errors import FileProblem

EXAMPLE = Path(__file__).parent.parent / "config.example.yaml"


def test_the_example_documents_every_key_and_loads() -> None:
    text = EXAMPLE.read_text()
    for key in TOP_KEYS:
        assert f"\n{key}:" in text or f"\n# {key}:" in text, key
    config = load_config(EXAMPLE)
    assert config.targets[0].options["path"] == str(EXAMPLE.parent.resolve())
    assert config.thresholds["most"] == 0.75
    assert config.scoring.stage_from_score == "floor"
    assert config.collect.reuse_days == 7
    assert config.fingerprint


@pytest.mark.parametrize(("text", "expected"), [
    ("targets: {jira: [x]}\n", "field targets.jira: no collector 'jira' is installed"),
    ("targets: {github: [x]}\n", "field targets.github[0]: expected a mapping with org: or repos:"),
    ("targets: {github: [{org: acme, token_env: ghp_abc-123}]}\n",
     "field targets.github[0].token_env: name an environment variable"),
    ("targets: {github: [{org: acme, token_env: []}]}\n",
     "field targets.github[0].token_env: name at least one environment variable"),
    ("targets: {gitlab: [{group: g, token_env: [GL_A, glpat-abcdefghij0123456789]}]}\n",
     "field targets.gitlab[0].token_env[1]: name an environment variable"),
    ("thresholds: {most: lots}\n", "field thresholds.most: expected a number"),
    ("scoring: {stage_from_score: ceil}\n", "'ceil' is not one of: floor, round"),
    ("collect: {production_pattern: '(prod'}\n", "not a valid regular expression"),
    ("collect: {reuse_days: 91}\n", "field collect.reuse_days: must be at most 90"),
    ("collect: {reuse_days: 1.5}\n", "field collect.reuse_days: expected a whole number"),
    ("output: {format: pdf}\n", "'pdf' is not one of: table, json, markdown"),
    ("- just a list\n", "expected a mapping of settings"),
    ("targets:\n  local: [{path: ., depth: 2}]\n", "field targets.local[0].depth: unknown key"),
])
def test_mistakes(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(FileProblem) as caught:
        load_config(path)
    assert str(caught.value).startswith(str(path)) and expected in str(caught.value)
