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
from functools import cache
from importlib import resources
from pathlib import Path

from scanner import validate as v
from scanner.collectors.base import Collector
from scanner.errors import UserError
from scanner.signals import SIGNAL_TYPES, SignalCatalogue, SignalSpec, SourceInfo

ENTRY_POINT_GROUP = "maturity_scanner.collectors"

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
    from importlib.metadata import entry_points

    found = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    found.update(BUILTIN)
    return dict(sorted(found.items()))


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
    # Imported here: the declarations import the local collector (every file detector).
    from scanner.collectors.sources import SIGNALS

    builtin = {source.id: (source, specs) for source, specs in SIGNALS.items()}
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
