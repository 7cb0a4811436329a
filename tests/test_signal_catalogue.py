"""Every signal a rule reads is declared by a collector (installed or planned)."""

from __future__ import annotations

from collections.abc import Callable

from scanner.collectors import registry
from scanner.engine.loader import builtin_rule_files, load_rules
from scanner.model import load_model

from gitrepo import GitRepo
from local_scan import collect
from samples import FILES


def test_every_rule_signal_is_declared_and_has_a_source() -> None:
    catalogue = registry.catalogue()
    rules = load_rules(builtin_rule_files(), load_model(), None)  # no check while loading
    undeclared = sorted({(rule.id, signal) for rule in rules.rules.values()
                         for signal in rule.signals() if not catalogue.sources(signal)})
    assert not undeclared, f"rules read signals no collector declares: {undeclared}"


def test_planned_sources_are_not_installed_collectors_and_declare_their_kinds() -> None:
    installed = set(registry.available())
    for source, specs in registry.planned().items():
        assert source.id not in installed
        assert "not installed" in source.title
        assert specs and all(spec.entity_kinds for spec in specs)


def test_the_local_collector_declares_what_it_emits(make_repo: Callable[..., GitRepo]) -> None:
    catalogue = registry.catalogue()
    collected = collect(make_repo(FILES).root)
    undeclared = sorted({e.signal for e in collected.evidence if e.signal not in catalogue})
    assert not undeclared, f"the local collector emits undeclared signals: {undeclared}"
    for item in collected.evidence:
        spec = catalogue.get(item.signal)
        assert spec is not None and item.kind in spec.entity_kinds, (item.signal, item.kind)
