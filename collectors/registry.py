"""Collectors by stable id: the built-in ones plus any other package's.

Another package adds a collector by declaring an entry point in the group
`maturity_scanner.collectors`, e.g. in its pyproject.toml:

    [project.entry-points."maturity_scanner.collectors"]
    jira = "acme_maturity.jira:JiraCollector"

Modules are imported only when a collector is asked for: the catalogue of signals reads
the built-in collectors' declarations (`sources.py`), not their code.
"""

from __future__ import annotations

import importlib
import os
import stat
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from scanner import signals as signals_module
from scanner import validate as v
from scanner.collectors.base import Collector
from scanner.errors import UserError
from scanner.parsed_yaml import cache_folder, kept_or_made, stamp, stamps_under
from scanner.signals import SIGNAL_TYPES, SignalCatalogue, SignalSpec, SourceInfo

ENTRY_POINT_GROUP = "maturity_scanner.collectors"
#: More than any package's `entry_points.txt` holds (pip's own is under 1 KiB).
MAX_ENTRY_POINTS_BYTES = 1 << 20

BUILTIN: dict[str, str] = {
    "local": "scanner.collectors.local:LocalRepoCollector",
    "github": "scanner.collectors.hosts.github.collector:GitHubCollector",
    "gitlab": "scanner.collectors.hosts.gitlab.collector:GitLabCollector",
    "datadog": "scanner.collectors.monitoring.datadog:DatadogCollector",
    "pagerduty": "scanner.collectors.monitoring.pagerduty:PagerDutyCollector",
    "prometheus": "scanner.collectors.monitoring.prometheus:PrometheusCollector",
    "aws": "scanner.collectors.cloud.aws.collector:AwsCollector",
}


@cache
def available() -> dict[str, str]:
    """Collector id -> 'module:attribute'; built-ins win over plug-ins of the same id."""
    found = {}
    if _plugins_may_be_installed():
        from importlib.metadata import entry_points

        found = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    found.update(BUILTIN)
    return dict(sorted(found.items()))


def _plugins_may_be_installed() -> bool:
    """False only where no installed package can declare a plug-in collector: importing
    importlib.metadata and reading every package's metadata through it took 0.05 s of each
    scan, mostly to find none. A package's entry points are in the `entry_points.txt` of
    its metadata folder (`*.dist-info`, `*.egg-info`) in a folder on sys.path, so where
    packages are found only that way (no zip or egg, no other finder of distributions),
    that no such file names the group is proof; anywhere else they are read in full."""
    from importlib.machinery import PathFinder

    if any(getattr(finder, "find_distributions", None) is not None
           and finder is not PathFinder for finder in sys.meta_path):
        return True
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except (FileNotFoundError, NotADirectoryError):
            if os.path.isfile(folder):
                return True  # a zip on the path may hold packages
            continue
        except OSError:
            return True
        for name in names:
            lowered = name.lower()
            if lowered.endswith(".egg"):
                return True
            if lowered.endswith((".dist-info", ".egg-info")) \
                    and _may_declare_plugins(os.path.join(folder or ".", name)):
                return True
    return False


def _may_declare_plugins(metadata_folder: str) -> bool:
    """Whether the folder's `entry_points.txt` names the group. No regular file of that
    name declares nothing (a pipe would block its reader); one that cannot be read, or is
    larger than any package writes, may declare anything: importlib.metadata judges it."""
    try:
        handle = os.open(os.path.join(metadata_folder, "entry_points.txt"),
                         os.O_RDONLY | os.O_NONBLOCK)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            return False
        text = os.read(handle, MAX_ENTRY_POINTS_BYTES + 1)
        return len(text) > MAX_ENTRY_POINTS_BYTES or ENTRY_POINT_GROUP.encode() in text
    except OSError:
        return True
    finally:
        os.close(handle)


def load(collector_id: str) -> type[Collector]:
    # A built-in wins over a plug-in of its id, so it is found without reading every
    # installed package's entry points (importlib.metadata alone takes 20 ms to import).
    reference = BUILTIN.get(collector_id) or available().get(collector_id)
    if reference is None:
        raise UserError(f"unknown collector '{collector_id}'; installed: "
                        f"{', '.join(available())}")
    module_name, _, attribute = reference.partition(":")
    try:
        module = importlib.import_module(module_name)
        collector: type[Collector] = getattr(module, attribute)
    except (ImportError, AttributeError) as exc:
        raise UserError(f"collector '{collector_id}' ({reference}) cannot be loaded: {exc}; "
                        "reinstall the package that provides it") from None
    return collector


@cache
def _loadable_plugins() -> tuple[dict[str, type[Collector]], tuple[str, ...]]:
    """Every plug-in collector that loads, and one line for each that does not."""
    loaded: dict[str, type[Collector]] = {}
    broken: list[str] = []
    for collector_id in available():
        if collector_id in BUILTIN:
            continue
        try:
            loaded[collector_id] = load(collector_id)
        except UserError as exc:
            broken.append(str(exc))
    return loaded, tuple(broken)


def broken_plugins() -> tuple[str, ...]:
    """Why installed plug-in collectors could not be loaded (they are left out)."""
    return _loadable_plugins()[1]


@cache
def planned() -> dict[SourceInfo, tuple[SignalSpec, ...]]:
    """Sources rules may already read but no installed collector provides (planned.yaml)."""
    path = Path(str(resources.files("scanner.collectors").joinpath("planned.yaml")))
    where = v.Where(str(path))
    top = v.mapping(v.read_yaml_file(path), where)
    v.keys(top, where, required=("sources",))
    found: dict[SourceInfo, tuple[SignalSpec, ...]] = {}
    for source_id, raw in v.mapping(top["sources"], where.at("sources")).items():
        here = where.at("sources").at(str(source_id))
        entry = v.mapping(raw, here)
        v.keys(entry, here, required=("title", "entities", "signals"))
        kinds = tuple(v.text(k, here.at("entities")) for k in v.sequence(entry["entities"],
                                                                        here.at("entities")))
        specs = []
        for name, spec in v.mapping(entry["signals"], here.at("signals")).items():
            kind, description = v.sequence(spec, here.at("signals").at(str(name)))
            specs.append(SignalSpec(str(name), v.choice(kind, here.at("signals").at(str(name)),
                                                        SIGNAL_TYPES), str(description), kinds))
        found[SourceInfo(str(source_id), v.text(entry["title"], here.at("title")))] = \
            tuple(specs)
    return found


def catalogue() -> SignalCatalogue:
    """Every signal a loadable collector can emit, and those planned sources will."""
    builtin = {source.id: (source, specs) for source, specs in builtin_signals().items()}
    plugins = _loadable_plugins()[0]
    declared: dict[SourceInfo, tuple[SignalSpec, ...]] = {}
    for collector_id in available():
        if collector_id in builtin:
            source, specs = builtin[collector_id]
            declared[source] = specs
        elif collector_id in plugins:
            collector = plugins[collector_id]
            declared[SourceInfo(collector.id, collector.title)] = collector.signals
    installed = {source.id for source in declared}
    declared.update({source: specs for source, specs in planned().items()
                     if source.id not in installed})
    return SignalCatalogue(declared)


@cache
def builtin_signals() -> dict[SourceInfo, tuple[SignalSpec, ...]]:
    """What `sources.py` declares, kept in the user's cache: reading the declarations
    means importing every file detector, a fifth of a second that a scan's judging process
    need not spend while another process reads the clone. The entry is named by the path,
    size and modification time of every module of the collectors and of `signals.py`, as
    Python names a module's bytecode, so any edit, added or removed module misses it."""
    try:
        stamps = _declaring_code()
    except OSError:  # a module or folder that cannot be looked at: read, not kept
        return _declared()
    return kept_or_made([stamps], _declared, _signals_json, _signals_from_json,
                        cache_folder())


def _declared() -> dict[SourceInfo, tuple[SignalSpec, ...]]:
    from scanner.collectors.sources import SIGNALS

    return SIGNALS


def _declaring_code() -> bytes:
    stamps = [stamp(os.path.abspath(signals_module.__file__)),
              *stamps_under(os.path.dirname(os.path.abspath(__file__)), (".py",))]
    return "\n".join(sorted(stamps)).encode("utf-8", "surrogateescape")


def _signals_json(declared: dict[SourceInfo, tuple[SignalSpec, ...]]) -> list[Any]:
    return [[source.id, source.title,
             [[spec.name, spec.type, spec.description, list(spec.entity_kinds)]
              for spec in specs]]
            for source, specs in declared.items()]


def _signals_from_json(data: list[Any]) -> dict[SourceInfo, tuple[SignalSpec, ...]]:
    declared = {SourceInfo(str(source_id), str(title)):
                tuple(SignalSpec(str(name), str(kind), str(description),
                                 tuple(str(k) for k in kinds))
                      for name, kind, description, kinds in specs)
                for source_id, title, specs in data}
    if [source.id for source in declared] != list(BUILTIN):
        raise ValueError("an entry for other collectors")
    return declared
