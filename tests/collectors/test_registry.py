"""Collectors come from a registry other packages extend through entry points."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scanner.collectors import registry
from scanner.collectors.sources import SIGNALS

from gitrepo import GitRepo
from samples import FILES

PLUGIN = '''
from __future__ import annotations

from scanner.collectors.base import Collected, Emitter, Target
from scanner.signals import SignalSpec


class TicketCollector:
    id = "tickets"
    title = "ticket tracker"
    signals = (SignalSpec("tickets.open_bugs", "int", "Open bugs", ("tracker",)),)

    @classmethod
    def configure_target(cls, raw, where, base):
        return Target("tickets", raw["project"], dict(raw))

    def collect(self, target, settings):
        out = Emitter(f"tracker:{target.label}", self.id)
        out.emit("tickets.open_bugs", 7, ["https://tracker.example/acme?status=open"])
        return Collected(evidence=out.evidence, entities=[out.entity])
'''


def install_plugin(folder: Path, module: str, body: str) -> None:
    """A package with an entry point, importable through PYTHONPATH, as pip would leave it."""
    name = module.removesuffix("_plugin")
    (folder / module).mkdir(parents=True)
    (folder / module / "__init__.py").write_text(body)
    info = folder / f"{module}-0.1.dist-info"
    info.mkdir()
    info.joinpath("METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    info.joinpath("entry_points.txt").write_text(
        f"[maturity_scanner.collectors]\n{name} = {module}:TicketCollector\n")


def test_a_plugin_collector_is_found_configured_and_scanned(
        cli: Callable[..., Any], make_repo: Callable[..., GitRepo], tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    install_plugin(plugins, "tickets_plugin", PLUGIN)
    env = {"PYTHONPATH": str(plugins)}
    rows = json.loads(cli("signals", "--format", "json", env=env).out)
    assert {"signal": "tickets.open_bugs", "collectors": ["tickets"]}.items() <= \
        next(r for r in rows if r["signal"] == "tickets.open_bugs").items()
    repo = make_repo(FILES)
    config = tmp_path / "config.yaml"
    config.write_text(f"targets:\n  local: [{repo.root}]\n  tickets: [{{project: acme}}]\n")
    result = cli("scan", "--config", str(config), "--format", "json", "--no-store", env=env)
    assert result.code == 0, result.err
    entities = [e["id"] for e in json.loads(result.out)["entities"]]
    assert entities == ["repo:" + str(repo.root.resolve()), "service:" + str(repo.root.resolve()),
                        "tracker:acme"]


def test_a_broken_plugin_is_left_out_with_a_note(cli: Callable[..., Any],
                                                make_repo: Callable[..., GitRepo],
                                                tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    install_plugin(plugins, "broken_plugin", "raise ImportError('needs acme-sdk')\n")
    repo = make_repo(FILES)
    result = cli("scan", str(repo.root), "--format", "json", "--no-store",
                 env={"PYTHONPATH": str(plugins)})
    assert result.code == 0, result.err
    warnings = json.loads(result.out)["scan"]["warnings"]
    assert any("collector 'broken'" in w["message"] and "needs acme-sdk" in w["message"]
               for w in warnings)
    config = tmp_path / "config.yaml"
    config.write_text("targets:\n  jira: []\n")
    bad = cli("scan", "--config", str(config), env={"PYTHONPATH": str(plugins)})
    assert bad.code == 2 and "no collector 'jira' is installed; installed: " in bad.err


def test_each_builtin_collector_is_what_the_catalogue_reads_of_it() -> None:
    """The catalogue reads the built-ins' declarations, not their classes: the two agree."""
    assert [source.id for source in SIGNALS] == list(registry.BUILTIN)
    for source, specs in SIGNALS.items():
        collector = registry.load(source.id)
        assert (collector.id, collector.title, collector.signals) == \
            (source.id, source.title, specs)
    catalogue = registry.catalogue()
    for source, specs in SIGNALS.items():
        assert all(source in catalogue.sources(spec.name) for spec in specs)
