"""File detectors are found by the registry, not a hand-kept list, and each emits only
the signals it declares."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

from scanner.collectors import files as files_package
from scanner.collectors.base import Emitter
from scanner.collectors.files import detectors
from scanner.collectors.files.index import FileIndex
from scanner.collectors.local.worktree import WorkTree

from samples import FILES

Tree = Callable[[dict[str, str]], WorkTree]

PACKAGE = Path(files_package.__file__).parent

# Enough of each kind of file that every built-in detector has something to say.
RICH_TREE = {
    **FILES,
    "infra/main.tf": 'provider "aws" { region = "eu-west-1" }\n'
                     'resource "aws_autoscaling_group" "web" {\n'
                     '  availability_zones = ["eu-west-1a", "eu-west-1b"]\n}\n'
                     'resource "aws_guardduty_detector" "main" { enable = true }\n',
    "deploy/rollout.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\n"
                           "metadata: {name: web}\nspec:\n  strategy:\n    canary:\n"
                           "      steps: [{setWeight: 20}]\n",
    "monitoring/slo.yaml": "apiVersion: sloth.slok.dev/v1\nkind: PrometheusServiceLevel\n"
                           "metadata: {name: web}\nspec:\n  service: web\n  slos: []\n",
    "fuzz/fuzz_targets/parse.rs": "#![no_main]\nuse libfuzzer_sys::fuzz_target;\n"
                                  "fuzz_target!(|data: &[u8]| {});\n",
}


def _declares_detect(path: Path) -> bool:
    tree = ast.parse(path.read_text("utf-8"))
    return any(isinstance(node, ast.FunctionDef) and node.name == "detect"
               for node in tree.body)


def test_every_module_with_a_detect_function_is_a_registered_detector() -> None:
    registered = {d.detect.__module__ for d in detectors()}
    with_detect = {
        "scanner.collectors.files." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        .removesuffix(".__init__")
        for path in PACKAGE.rglob("*.py") if _declares_detect(path)}
    assert with_detect, "no detector module found: the walk over the package is broken"
    assert with_detect <= registered, f"detectors not declared: {with_detect - registered}"


def test_ids_are_unique_and_signals_declared_once_per_detector() -> None:
    found = detectors()
    assert len({d.id for d in found}) == len(found)
    for detector in found:
        names = [spec.name for spec in detector.signals]
        assert names and len(names) == len(set(names)), detector.id


def test_each_detector_emits_only_what_it_declares(tree: Tree) -> None:
    files = FileIndex(tree(RICH_TREE))
    spoke = 0
    for detector in detectors():
        out = Emitter("repo:x", "test")
        detector.detect(files, out)
        emitted = {item.signal for item in out.evidence}
        declared = {spec.name for spec in detector.signals}
        assert emitted <= declared, f"{detector.id} emits undeclared {emitted - declared}"
        spoke += bool(emitted)
    assert spoke == len(detectors())
