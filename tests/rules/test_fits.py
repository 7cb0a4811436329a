"""Every cell with rules says, in its own pack, why those rules show what the paper's cell asks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scanner.collectors import registry
from scanner.engine.loader import RuleSet, builtin_rule_files, load_rules
from scanner.errors import FileProblem
from scanner.model import STAGES, load_model

MODEL = load_model()
CATALOGUE = registry.catalogue()
ALL = load_rules(builtin_rule_files(), MODEL, CATALOGUE)
PACKS = builtin_rule_files()
Cli = Callable[..., Any]


def _pack(path: Path) -> RuleSet:
    # A pack may use thresholds another pack defines: hand them in as known beforehand.
    return load_rules([path], MODEL, CATALOGUE, thresholds=ALL.thresholds)


@pytest.mark.parametrize("path", PACKS, ids=[p.stem for p in PACKS])
def test_each_cell_with_rules_has_one_line_in_its_own_pack(path: Path) -> None:
    pack = _pack(path)
    cells = {rule.cell for rule in pack.rules.values()}
    lines = set(pack.fits)
    assert not cells - lines, f"{path.name}: cells with rules but no fits line: " \
        f"{sorted('.'.join(c) for c in cells - lines)}"
    assert not lines - cells, f"{path.name}: fits lines for cells without rules: " \
        f"{sorted('.'.join(c) for c in lines - cells)}"
    for cell, line in pack.fits.items():
        assert line.strip() and "\n" not in line, cell


@pytest.mark.parametrize("path", PACKS, ids=[p.stem for p in PACKS])
def test_fits_lines_follow_the_model_order(path: Path) -> None:
    order = [(sub.full_id, stage) for sub in MODEL.all_subcompetencies() for stage in STAGES]
    keys = list(_pack(path).fits)
    assert keys == sorted(keys, key=order.index)


def test_a_fits_key_must_name_a_cell_of_the_model(tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text("fits:\n  build_test.scanning.expert: a reason\nrules: []\n")
    with pytest.raises(FileProblem) as caught:
        load_rules([pack], MODEL, CATALOGUE)
    assert str(caught.value).startswith(f"{pack}: field fits.build_test.scanning.expert:")
    assert "must be a sub-competency id and a stage" in str(caught.value)


def test_explain_prints_why_the_rules_fit(cli: Cli) -> None:
    rule_id = "build_test.code_scanning.dynamic-some"
    line = ALL.fits[ALL.rules[rule_id].cell]
    explained = cli("rules", "explain", rule_id)
    assert explained.code == 0, explained.err
    shown = explained.out.splitlines()
    assert f"  why it fits: {line}" in shown
    # Beside the cell's criterion, before what the rule checks.
    assert shown.index(f"  why it fits: {line}") == \
        next(i for i, text in enumerate(shown) if text.startswith("  criterion:")) + 1
