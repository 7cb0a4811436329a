"""The one place patterns from outside the code are compiled: RE2, linear in the text."""

from __future__ import annotations

import os
import re
import time

import pytest

from scanner import patterns
from scanner.collectors.base import CollectSettings
from scanner.collectors.ci.model import COMMAND, Reference
from scanner.collectors.ci.resolve.words import segments
from scanner.collectors.ci.tools import load_catalogue
from scanner.collectors.repo_files import EMAIL
from scanner.errors import FileProblem
from scanner.validate import Where


@pytest.mark.parametrize("name", ["prod", "Production", "LIVE", "prod-eu", "production_2",
                                  "live east", "staging", "preprod", "prod-", "productive", ""])
def test_the_default_production_pattern_decides_as_python_re_did(name: str) -> None:
    pattern = CollectSettings().production_pattern
    assert bool(patterns.compiled(pattern).search(name)) == bool(re.search(pattern, name))


def test_matches_keep_their_groups_and_positions() -> None:
    found = patterns.compiled(r"(?P<word>[a-z]+)-(\d+)").search("see rel-42 now")
    assert found is not None
    assert (found["word"], found.group(2), found.start(), found.end()) == ("rel", "42", 4, 10)
    assert [m.group() for m in patterns.compiled(r"\d+").finditer("a1b22c333")] == \
        ["1", "22", "333"]


def test_a_catastrophic_pattern_over_a_long_text_takes_linear_time() -> None:
    text = "a" * 50_000 + "!"
    started = time.monotonic()
    assert patterns.compiled("^(a+)+$").search(text) is None
    assert patterns.compiled("(a|aa)*b").search(text) is None
    assert time.monotonic() - started < 10  # a bound against a hang, not a timing


@pytest.mark.parametrize(("pattern", "says"), [
    ("^(?!dev)", "uses lookahead such as (?=...) or (?!...), which RE2"),
    ("(?<!pre)prod", "uses lookbehind such as (?<=...) or (?<!...), which RE2"),
    (r"(a)\1", r"uses a backreference such as \1 or (?P=name), which RE2"),
    ("(?P<x>a)(?P=x)", "uses a backreference"),
    ("a++", "uses an atomic group or a possessive quantifier"),
    ("(?x) prod", "uses verbose mode (?x)"),
    (r"prod\Z", r"uses \Z, which RE2 (the linear-time engine patterns run on) writes as \z"),
    ("(prod", "not a valid regular expression: missing ): (prod"),
])
def test_a_pattern_re2_cannot_run_is_refused_saying_why(pattern: str, says: str) -> None:
    with pytest.raises(patterns.PatternError) as refused:
        patterns.compiled(pattern)
    assert str(refused.value).startswith(says)


def test_checked_names_the_file_and_key() -> None:
    where = Where("maturity.yaml").at("collect.production_pattern")
    with pytest.raises(FileProblem) as refused:
        patterns.checked("(?=prod)", where)
    assert str(refused.value).startswith(
        "maturity.yaml: field collect.production_pattern: uses lookahead")
    assert patterns.checked("^prod", where).search("prod-eu") is not None


def test_a_pattern_read_from_a_repository_that_re2_cannot_run_is_skipped() -> None:
    assert patterns.compiled_or_none("(?<=x)y") is None
    compiled = patterns.compiled_or_none("^push$")
    assert compiled is not None and compiled.search("push")


def test_the_security_policy_email_pattern_is_linear_over_a_long_line_without_an_at() -> None:
    started = time.monotonic()
    assert EMAIL.search("a" * 200_000) is None  # re took minutes: quadratic backtracking
    assert time.monotonic() - started < 10  # a bound against a hang, not a timing
    found = EMAIL.search("write to security@example.org.")
    assert found is not None and found.group() == "security@example.org"


def test_a_pattern_set_finds_what_each_pattern_finds() -> None:
    together = patterns.PatternSet([r"\bpytest\b", r"(?i)^npm (run )?test", "zap-"])
    assert together.matching(["python -m pytest -q"]) == {0}
    assert together.matching(["NPM test", "owasp zap-baseline.py"]) == {1, 2}
    assert together.matching(["make build"]) == set()


COMMANDS = [
    "pytest -q", "npm test", "npm run test:e2e", "go test ./...", "docker build -t x .",
    "docker push ghcr.io/acme/x", "helm upgrade --install x ./chart", "trivy image x",
    "semgrep ci", "gosec ./...", "./gradlew check", "mvn -B verify", "cargo test --all",
    "zap-baseline.py -t https://x", "kubectl apply -f k8s/", "terraform apply -auto-approve",
    "cosign sign --yes x", "syft . -o spdx-json", "npx playwright test", "make lint",
    "bandit -r src", "gitleaks detect", "snyk test", "k6 run load.js", "echo done",
]


def test_the_catalogue_matched_together_decides_as_each_pattern_alone() -> None:
    """Searching the catalogue's RE2 patterns as one set is only a faster way to the
    same answer as searching each."""
    catalogue = load_catalogue()
    for command in COMMANDS:
        reference = Reference(COMMAND, command, "ci.yml:1")
        texts = [command, *(t for t in segments(command) if t != command)]
        alone = tuple(m for m in catalogue.matchers if m.matches(reference, texts))
        assert catalogue.match_reference(reference) == list(alone), command
    assert any(catalogue.match_reference(Reference(COMMAND, c, "ci.yml:1"))
               for c in COMMANDS)


def test_a_name_that_is_not_utf8_can_be_searched() -> None:
    """Names read from disk keep undecodable bytes as surrogates, which RE2 cannot take."""
    name = ".github/workflows/" + os.fsdecode(b"t\xff") + ".yml"
    found = patterns.compiled(r"\.ya?ml$").search(name)
    assert found is not None and found.start() == len(name) - 4
    assert patterns.PatternSet([r"workflows/t"]).matching([name]) == {0}


def test_a_file_name_that_is_not_utf8_is_read_with_its_positions() -> None:
    name = os.fsdecode(b"tests/bad\xff\xfe/cli.rs")  # as git's paths are decoded
    found = patterns.compiled(r"(?:^|/)tests/([^/]+)/\w+\.rs$").search(name)
    assert found is not None and (found.start(1), found.end(1)) == (6, 11)
    assert patterns.compiled(r"\.rs$").sub("", name) == "tests/bad\ufffd\ufffd/cli"
    assert patterns.compiled(r"\.py$").search(name) is None
