"""Collectors come from a registry other packages extend through entry points."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scanner.collectors import registry
from scanner.collectors.local import LocalRepoCollector
from scanner.collectors.sources import SIGNALS
from scanner.signals import SourceInfo

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


def test_the_kept_declarations_read_back_as_declared() -> None:
    kept = registry._signals_from_json(json.loads(json.dumps(registry._signals_json(SIGNALS))))
    assert list(kept.items()) == list(SIGNALS.items())  # in order, spec by spec


def test_the_declarations_are_kept_and_then_read_from_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "cache_folder", lambda: tmp_path)
    assert registry.builtin_signals.__wrapped__() == SIGNALS
    [entry] = tmp_path.glob("*.json")
    entry.write_text(entry.read_text().replace('"local git repository"', '"from the entry"'))
    assert next(iter(registry.builtin_signals.__wrapped__())).title == "from the entry"
    # Any collector module edited, added or removed since names another entry.
    monkeypatch.setattr(registry, "_declaring_code", lambda: b"other collectors")
    assert registry.builtin_signals.__wrapped__() == SIGNALS


def test_an_edited_collector_module_names_another_entry() -> None:
    module = Path(registry.__file__)
    before = os.stat(module)
    stamp = registry._declaring_code()
    try:
        os.utime(module, ns=(before.st_atime_ns, before.st_mtime_ns + 1))
        assert registry._declaring_code() != stamp
    finally:
        os.utime(module, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert registry._declaring_code() == stamp


def test_collectors_that_cannot_be_looked_at_are_declared_and_not_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def unreadable() -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(registry, "cache_folder", lambda: tmp_path)
    monkeypatch.setattr(registry, "_declaring_code", unreadable)
    assert registry.builtin_signals.__wrapped__() == SIGNALS
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("damage", ["{}", "[[\"local\"]]", "[[\"local\", \"t\", [[\"x\"]]]]",
                                    "[[\"local\", \"t\", {\"a\": 1}]]", "not json"])
def test_a_damaged_entry_is_declared_anew(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          damage: str) -> None:
    monkeypatch.setattr(registry, "cache_folder", lambda: tmp_path)
    registry.builtin_signals.__wrapped__()
    [entry] = tmp_path.glob("*.json")
    entry.write_text(damage)
    assert registry.builtin_signals.__wrapped__() == SIGNALS


LOADED_AFTER_CATALOGUE = """
import sys
from scanner.collectors import registry
from scanner.collectors.local import LocalRepoCollector
light = "scanner.collectors.analysis" not in sys.modules
registry.catalogue()
print(light, "scanner.collectors.analysis" in sys.modules)
"""


def test_a_process_that_judges_imports_no_file_detector_once_the_catalogue_is_kept(
        tmp_path: Path) -> None:
    """The scan's main process names the targets and judges while another reads the clone:
    it needs the local collector's class and the catalogue, not the detectors' code."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", LOADED_AFTER_CATALOGUE], env=env,
                           capture_output=True, text=True, check=True).stdout.split()
            for _ in range(2)]
    assert runs == [["True", "True"], ["True", "False"]]  # declared once, then kept


def test_the_local_collectors_signals_are_the_declared_ones() -> None:
    assert LocalRepoCollector.signals == SIGNALS[SourceInfo("local", LocalRepoCollector.title)]
    assert LocalRepoCollector().signals == LocalRepoCollector.signals


def test_without_a_plugin_installed_no_package_metadata_is_read(tmp_path: Path) -> None:
    """A plain installation proves no plug-in is declared from the metadata folders alone,
    and agrees with importlib.metadata, which it then need not import."""
    probe = ("import sys; from scanner.collectors import registry; "
             "print(list(registry.available()), 'importlib.metadata' in sys.modules); "
             "from importlib.metadata import entry_points as read_all; "
             f"print(sorted(ep.name for ep in read_all(group={registry.ENTRY_POINT_GROUP!r})))")
    shown = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, check=True,
                           capture_output=True, text=True).stdout.splitlines()
    assert shown == [f"{sorted(registry.BUILTIN)} False", "[]"]


@pytest.fixture()
def path_of(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    def use(*folders: Path) -> None:
        monkeypatch.setattr(sys, "path", [str(folder) for folder in folders])
    return use


def test_a_declared_plugin_is_always_looked_for(tmp_path: Path,
                                                path_of: Callable[..., None]) -> None:
    install_plugin(tmp_path / "with", "tickets_plugin", PLUGIN)
    (tmp_path / "other" / "requests-2.0.dist-info").mkdir(parents=True)
    (tmp_path / "other" / "requests-2.0.dist-info" / "entry_points.txt").write_text(
        "[console_scripts]\nr = requests:main\n")
    path_of(tmp_path / "other", tmp_path / "missing")
    assert not registry._plugins_may_be_installed()
    path_of(tmp_path / "other", tmp_path / "with")
    assert registry._plugins_may_be_installed()


def test_packages_found_another_way_are_read_in_full(tmp_path: Path,
                                                    path_of: Callable[..., None],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bundle.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    path_of(tmp_path / "bundle.zip")
    assert registry._plugins_may_be_installed()
    (tmp_path / "site" / "legacy-1.0.egg").mkdir(parents=True)
    path_of(tmp_path / "site")
    assert registry._plugins_may_be_installed()

    class DistributionFinder:
        @staticmethod
        def find_distributions(context: Any = None) -> list[Any]:
            return []

    path_of(tmp_path / "missing")
    assert not registry._plugins_may_be_installed()
    monkeypatch.setattr(sys, "meta_path", [DistributionFinder, *sys.meta_path])
    assert registry._plugins_may_be_installed()


def test_no_file_in_place_of_entry_points_is_read(tmp_path: Path,
                                                 path_of: Callable[..., None]) -> None:
    """A pipe (no writer: opened for reading, it would block) or a device (endless) where
    `entry_points.txt` should be declares nothing, and is not left to importlib.metadata."""
    site = tmp_path / "site"
    for name in ("pipe-1.0.dist-info", "device-1.0.dist-info"):
        (site / name).mkdir(parents=True)
    os.mkfifo(site / "pipe-1.0.dist-info" / "entry_points.txt")
    (site / "device-1.0.dist-info" / "entry_points.txt").symlink_to("/dev/zero")
    path_of(site)
    assert not registry._plugins_may_be_installed()
