"""The scan configuration: targets, model and rule overrides, thresholds, store, output.

Every key is documented in `config.example.yaml`.  Unknown keys and wrong
types are errors naming the file, the line and the key.  Secrets never go in
this file: collectors that need them name an environment variable.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner import patterns
from scanner import validate as v
from scanner.collectors import registry
from scanner.collectors.base import CollectSettings, Target
from scanner.scoring.options import ScoringOptions
from scanner.waivers import Waiver, parse_config_waivers

FORMATS = ("table", "json", "markdown", "html")
TOP_KEYS = ("targets", "model", "rules", "thresholds", "scoring", "collect", "waivers", "store",
            "output")


@dataclass(frozen=True)
class Config:
    targets: tuple[Target, ...] = ()
    model_path: Path | None = None
    extra_rules: tuple[Path, ...] = ()
    disabled_rules: tuple[str, ...] = ()
    builtin_rules: bool = True
    thresholds: dict[str, float] = field(default_factory=dict)
    scoring: ScoringOptions = field(default_factory=ScoringOptions)
    collect: CollectSettings = field(default_factory=CollectSettings)
    waivers: tuple[Waiver, ...] = ()
    store_url: str | None = None
    output_format: str | None = None
    output_file: Path | None = None
    path: str | None = None
    fingerprint: str = ""


def load_config(path: Path) -> Config:
    data = v.read_yaml_file(path)
    return parse_config(data if data is not None else {}, path)


def parse_config(data: Any, path: Path) -> Config:
    where = v.Where(str(path))
    top = v.mapping(data, where, "a mapping of settings")
    v.keys(top, where, optional=TOP_KEYS)
    base = path.parent

    def relative(value: Any, here: v.Where) -> Path:
        candidate = Path(v.text(value, here)).expanduser()
        return candidate if candidate.is_absolute() else (base / candidate).resolve()

    targets = _targets(top.get("targets"), where.at("targets"), base)
    model_path = relative(top["model"], where.at("model")) if "model" in top else None

    rules = v.mapping(top.get("rules") or {}, where.at("rules"))
    v.keys(rules, where.at("rules"), optional=("extra", "disable", "builtin"))
    extra = tuple(relative(item, where.at("rules.extra").at(i))
                  for i, item in enumerate(v.sequence(rules.get("extra") or [],
                                                      where.at("rules.extra"))))
    disabled = tuple(v.text(item, where.at("rules.disable").at(i))
                     for i, item in enumerate(v.sequence(rules.get("disable") or [],
                                                         where.at("rules.disable"))))
    builtin = rules.get("builtin", True)
    if not isinstance(builtin, bool):
        raise where.at("rules.builtin").problem("expected true or false")

    thresholds = {
        str(name): v.number(value, where.at("thresholds").at(str(name)))
        for name, value in v.mapping(top.get("thresholds") or {}, where.at("thresholds")).items()
    }

    scoring_raw = v.mapping(top.get("scoring") or {}, where.at("scoring"))
    v.keys(scoring_raw, where.at("scoring"), optional=("stage_from_score", "overall_from"))
    scoring = ScoringOptions(
        stage_from_score=v.choice(scoring_raw.get("stage_from_score", "floor"),
                                  where.at("scoring.stage_from_score"), ("floor", "round")),
        overall_from=v.choice(scoring_raw.get("overall_from", "competencies"),
                              where.at("scoring.overall_from"),
                              ("competencies", "subcompetencies")),
    )

    collect_raw = v.mapping(top.get("collect") or {}, where.at("collect"))
    v.keys(collect_raw, where.at("collect"),
           optional=("production_pattern", "max_file_bytes", "history_days", "reuse_days",
                     "repository_seconds", "max_response_bytes"))
    defaults = CollectSettings()
    pattern = str(collect_raw.get("production_pattern", defaults.production_pattern))
    patterns.checked(pattern, where.at("collect.production_pattern"))
    collect = CollectSettings(
        production_pattern=pattern,
        max_file_bytes=int(v.number(collect_raw.get("max_file_bytes", defaults.max_file_bytes),
                                    where.at("collect.max_file_bytes"), minimum=1_000)),
        history_days=int(v.number(collect_raw.get("history_days", defaults.history_days),
                                  where.at("collect.history_days"), minimum=7,
                                  maximum=3650)),
        reuse_days=v.integer(collect_raw.get("reuse_days", defaults.reuse_days),
                             where.at("collect.reuse_days"), minimum=0, maximum=90),
        repository_seconds=v.number(
            collect_raw.get("repository_seconds", defaults.repository_seconds),
            where.at("collect.repository_seconds"), minimum=10, maximum=86_400),
        max_response_bytes=v.integer(
            collect_raw.get("max_response_bytes", defaults.max_response_bytes),
            where.at("collect.max_response_bytes"), minimum=100_000, maximum=1_000_000_000),
    )

    store = v.mapping(top.get("store") or {}, where.at("store"))
    v.keys(store, where.at("store"), optional=("url",))
    output = v.mapping(top.get("output") or {}, where.at("output"))
    v.keys(output, where.at("output"), optional=("format", "file"))
    output_format = v.choice(output["format"], where.at("output.format"), FORMATS) \
        if "format" in output else None
    return Config(
        targets=targets, model_path=model_path, extra_rules=extra, disabled_rules=disabled,
        builtin_rules=builtin, thresholds=thresholds, scoring=scoring, collect=collect,
        waivers=tuple(parse_config_waivers(top.get("waivers"), where.at("waivers"))),
        store_url=v.text(store["url"], where.at("store.url")) if "url" in store else None,
        output_format=output_format,
        output_file=relative(output["file"], where.at("output.file")) if "file" in output
        else None,
        path=str(path), fingerprint=fingerprint(data),
    )


def _targets(raw: Any, where: v.Where, base: Path) -> tuple[Target, ...]:
    """Targets per collector id; each collector reads its own entries."""
    if raw is None:
        return ()
    entry = v.mapping(raw, where, "a mapping of collector id to a list of targets")
    installed = registry.available()
    targets: list[Target] = []
    for collector_id, items in entry.items():
        here = where.at(str(collector_id))
        if collector_id not in installed:
            raise here.problem(f"no collector '{collector_id}' is installed; installed: "
                               f"{', '.join(installed)}", v.line_of(entry, collector_id))
        collector = registry.load(str(collector_id))
        for index, item in enumerate(v.sequence(items or [], here)):
            targets.append(collector.configure_target(item, here.at(index), base))
    return tuple(targets)


def fingerprint(data: Any) -> str:
    """A stable hash of the settings, so scans of the same config can be compared."""
    canonical = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
