"""Load rule packs from YAML and check them against the model and the signals.

A mistake is reported as one line naming the file (and line), the rule id and
the field, e.g. `rules/build_test.yaml:41: rule 'build_test.x': field
'each.op': 'greater' is not one of: eq, ne, …`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from scanner import patterns
from scanner import validate as v
from scanner.engine.operators import AGGREGATES, OPERATORS
from scanner.engine.rule import (
    Aggregate,
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    Not,
    Quantifier,
    Rule,
    ThresholdRef,
)
from scanner.errors import FileProblem
from scanner.model import STAGES, Model
from scanner.signals import NUMERIC_TYPES, SignalCatalogue

RULE_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z0-9][a-z0-9_.-]*$")
ENTITY_KIND = re.compile(r"^[a-z][a-z0-9_]*$")
QUANTIFIER_WORDS = ("none", "some", "most", "all")
RULE_KEYS_REQUIRED = ("id", "cell", "summary", "over")
RULE_KEYS_OPTIONAL = ("applies_to", "each", "quantifier", "aggregate", "remedy", "requirement",
                      "scope", "needs")

#: Built-in thresholds; rule packs add their own, config overrides any.
BUILTIN_THRESHOLDS: dict[str, tuple[float, str]] = {
    "most": (0.75, "Share of counted entities that 'most' requires"),
    "many": (0.5, "Share of counted entities that 'many' ({at_least: many}) requires"),
    "nearly_all": (0.95, "Share that counts as nearly all (Expert coverage)"),
    "aggregate_coverage": (0.5, "Share of counted entities that must report a signal for an "
                                "aggregate (median, mean, …) over them to decide a rule"),
}


@dataclass(frozen=True)
class Threshold:
    name: str
    default: float
    description: str
    source: str


@dataclass
class RuleSet:
    rules: dict[str, Rule] = field(default_factory=dict)
    thresholds: dict[str, Threshold] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    # Why a cell's rules fit the model's wording: (sub-competency, stage) -> one line.
    fits: dict[tuple[str, str], str] = field(default_factory=dict)

    def for_cell(self, subcompetency: str, stage: str) -> list[Rule]:
        return [r for r in self.rules.values() if r.cell == (subcompetency, stage)]

    def for_subcompetency(self, subcompetency: str) -> list[Rule]:
        return [r for r in self.rules.values() if r.subcompetency == subcompetency]

    def threshold_values(self, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
        values = {name: t.default for name, t in self.thresholds.items()}
        values.update(overrides or {})
        return values


def builtin_rule_files() -> list[Path]:
    folder = resources.files("scanner").joinpath("rules")
    return sorted(Path(str(item)) for item in folder.iterdir() if item.name.endswith(".yaml"))


def load_rules(paths: Iterable[Path], model: Model, catalogue: SignalCatalogue | None,
               *, disabled: Iterable[str] = (),
               thresholds: Mapping[str, Threshold] | None = None) -> RuleSet:
    """Load rule packs; `thresholds` are known beforehand (e.g. the built-in packs')."""
    ruleset = RuleSet(thresholds={name: Threshold(name, t.default, t.description, "preloaded")
                                  for name, t in (thresholds or {}).items()})
    for name, (default, description) in BUILTIN_THRESHOLDS.items():
        ruleset.thresholds.setdefault(name, Threshold(name, default, description, "built-in"))
    # Thresholds first, so a pack may use one that a later pack defines.
    packs = [_read_pack(path) for path in paths]
    for pack in packs:
        _add_thresholds(pack, ruleset)
    for pack in packs:
        _add_rules(pack, model, catalogue, ruleset)
        _add_fits(pack, model, ruleset)
    for rule_id in disabled:
        if rule_id not in ruleset.rules:
            raise FileProblem("config", f"rules.disable names unknown rule '{rule_id}'")
        del ruleset.rules[rule_id]
    return ruleset


@dataclass(frozen=True)
class _Pack:
    path: Path
    where: v.Where
    thresholds: Mapping[str, Any]
    rules: list[Any]
    fits: Mapping[str, Any] = field(default_factory=dict)


def _read_pack(path: Path) -> _Pack:
    data = v.read_yaml_file(path)
    where = v.Where(str(path))
    if isinstance(data, list):
        return _Pack(path, where, {}, data)
    top = v.mapping(data, where, "a list of rules, or a mapping with 'rules'")
    v.keys(top, where, required=("rules",), optional=("pack", "thresholds", "fits"))
    return _Pack(path, where, v.mapping(top.get("thresholds") or {}, where.at("thresholds")),
                 v.sequence(top["rules"], where.at("rules")),
                 v.mapping(top.get("fits") or {}, where.at("fits")))


def _add_thresholds(pack: _Pack, ruleset: RuleSet) -> None:
    for name, raw in pack.thresholds.items():
        here = pack.where.at("thresholds").at(str(name))
        entry = v.mapping(raw, here)
        v.keys(entry, here, required=("default", "description"))
        if name in ruleset.thresholds and ruleset.thresholds[name].source != "preloaded":
            raise here.problem(f"threshold '{name}' is already defined in "
                               f"{ruleset.thresholds[name].source}",
                               v.line_of(pack.thresholds, name))
        ruleset.thresholds[str(name)] = Threshold(
            str(name), v.number(entry["default"], here.at("default")),
            v.text(entry["description"], here.at("description")), str(pack.path))


def _add_fits(pack: _Pack, model: Model, ruleset: RuleSet) -> None:
    """`fits: {sub.competency.stage: why the rules fit the model's wording}`."""
    for key, raw in pack.fits.items():
        here = pack.where.at("fits").at(str(key))
        subcompetency, _, stage = str(key).rpartition(".")
        if model.subcompetency(subcompetency) is None or stage not in STAGES:
            raise here.problem("must be a sub-competency id and a stage, e.g. "
                               "build_test.test_automation.expert")
        ruleset.fits[(subcompetency, stage)] = v.text(raw, here)


def _add_rules(pack: _Pack, model: Model, catalogue: SignalCatalogue | None,
               ruleset: RuleSet) -> None:
    for index, raw in enumerate(pack.rules):
        rule = _parse_rule(raw, pack.where.at(index), model, catalogue, ruleset)
        if rule.id in ruleset.rules:
            raise pack.where.for_item(f"rule '{rule.id}'").problem(
                f"duplicate rule id; first defined in {ruleset.rules[rule.id].source}",
                rule.line)
        ruleset.rules[rule.id] = rule
    ruleset.files.append(str(pack.path))


def _parse_rule(raw: Any, where: v.Where, model: Model, catalogue: SignalCatalogue | None,
                ruleset: RuleSet) -> Rule:
    entry = v.mapping(raw, where, "a rule (a mapping with id, cell, summary, over, …)")
    line = getattr(entry, "line", None)
    rule_id = str(entry.get("id", f"#{where.field}"))
    here = v.Where(where.path, f"rule '{rule_id}'")
    try:
        v.keys(entry, here, required=RULE_KEYS_REQUIRED, optional=RULE_KEYS_OPTIONAL)
        if not RULE_ID.match(rule_id):
            raise here.at("id").problem(
                "must look like competency.subcompetency.short-name (lowercase)")
        cell = v.mapping(entry["cell"], here.at("cell"))
        v.keys(cell, here.at("cell"), required=("subcompetency", "stage"))
        subcompetency = v.text(cell["subcompetency"], here.at("cell.subcompetency"))
        if model.subcompetency(subcompetency) is None:
            known = [s.full_id for s in model.all_subcompetencies()]
            raise here.at("cell.subcompetency").problem(
                f"'{subcompetency}' is not a sub-competency of model '{model.name}'"
                f"{v.suggest(subcompetency, known)}")
        stage = v.choice(cell["stage"], here.at("cell.stage"), STAGES[1:])
        if not rule_id.startswith(subcompetency + "."):
            raise here.at("id").problem(f"must start with its cell's sub-competency "
                                        f"'{subcompetency}.'")
        over = v.text(entry["over"], here.at("over"))
        if not ENTITY_KIND.match(over):
            raise here.at("over").problem("must be an entity kind such as repo, service, aws")
        context = _ConditionContext(here, over, catalogue, ruleset)
        applies_to = (context.condition(entry["applies_to"], "applies_to")
                      if "applies_to" in entry else None)
        each = context.condition(entry["each"], "each") if "each" in entry else None
        needs = context.condition(entry["needs"], "needs") if "needs" in entry else None
        quantifier = _parse_quantifier(entry.get("quantifier"), here.at("quantifier"), ruleset)
        aggregate = (context.aggregate(entry["aggregate"]) if "aggregate" in entry else None)
        if aggregate is not None and (each is not None or "quantifier" in entry):
            raise here.at("aggregate").problem("a rule has either aggregate, or each with "
                                               "quantifier, not both")
        if aggregate is None and (each is None or quantifier is None):
            missing = "each" if each is None else "quantifier"
            raise here.at(missing).problem("missing: a rule needs each + quantifier, "
                                           "or aggregate")
        return Rule(
            id=rule_id, subcompetency=subcompetency, stage=stage,
            summary=v.text(entry["summary"], here.at("summary")), over=over,
            applies_to=applies_to, each=each, quantifier=quantifier, aggregate=aggregate,
            remedy=str(entry.get("remedy") or ""), source=where.path, line=line,
            requirement=v.text(entry["requirement"], here.at("requirement"))
            if "requirement" in entry else None,
            scope=v.text(entry["scope"], here.at("scope")) if "scope" in entry else None,
            needs=needs,
        )
    except FileProblem as problem:
        if line and ":" not in problem.path.removeprefix(where.path):
            raise FileProblem(f"{where.path}:{line}", str(problem).split(": ", 1)[1]) from None
        raise


def _parse_quantifier(raw: Any, where: v.Where, ruleset: RuleSet) -> Quantifier | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        word = v.choice(raw, where, QUANTIFIER_WORDS)
        if word == "most":
            return Quantifier("at_least", ThresholdRef("most"), "most")
        return Quantifier(word, None, word)
    entry = v.mapping(raw, where, "none, some, most, all or {at_least: 0.8}")
    v.keys(entry, where, required=("at_least",))
    value = entry["at_least"]
    if isinstance(value, str):
        return Quantifier("at_least", _threshold(value, where.at("at_least"), ruleset),
                          f"at least {value}")
    ratio = v.number(value, where.at("at_least"), minimum=0.0, maximum=1.0)
    return Quantifier("at_least", ratio, f"at least {ratio:.0%}")


def _threshold(name: str, where: v.Where, ruleset: RuleSet) -> ThresholdRef:
    if name not in ruleset.thresholds:
        raise where.problem(f"unknown threshold '{name}'{v.suggest(name, ruleset.thresholds)}; "
                            "define it under 'thresholds:' in a rule pack")
    return ThresholdRef(name)


@dataclass(frozen=True)
class _ConditionContext:
    where: v.Where
    over: str
    catalogue: SignalCatalogue | None
    ruleset: RuleSet

    def condition(self, raw: Any, field_path: str) -> Condition:
        here = self.where.at(field_path)
        entry = v.mapping(raw, here, "a condition ({signal, op, value}, all, any or not)")
        if "all" in entry or "any" in entry:
            word = "all" if "all" in entry else "any"
            v.keys(entry, here, required=(word,))
            parts = v.sequence(entry[word], here.at(word))
            if not parts:
                raise here.at(word).problem("needs at least one condition")
            conditions = tuple(self.condition(part, f"{field_path}.{word}[{i}]")
                               for i, part in enumerate(parts))
            return AllOf(conditions) if word == "all" else AnyOf(conditions)
        if "not" in entry:
            v.keys(entry, here, required=("not",))
            return Not(self.condition(entry["not"], f"{field_path}.not"))
        v.keys(entry, here, required=("signal", "op"), optional=("value",))
        signal = self.signal(entry["signal"], here.at("signal"))
        op_name = v.choice(entry["op"], here.at("op"), OPERATORS)
        operator = OPERATORS[op_name]
        signal_type = self.signal_type(signal)
        if signal_type and signal_type not in operator.signal_types:
            raise here.at("op").problem(
                f"'{op_name}' does not apply to {signal} (a {signal_type} signal); "
                f"it takes: {', '.join(operator.signal_types)}")
        if operator.takes_value and "value" not in entry:
            raise here.at("value").problem(f"'{op_name}' needs a value")
        if not operator.takes_value and "value" in entry:
            raise here.at("value").problem(f"'{op_name}' takes no value")
        value = self.value(entry.get("value"), op_name, signal_type, here.at("value"))
        return Comparison(signal, op_name, value)

    def aggregate(self, raw: Any) -> Aggregate:
        here = self.where.at("aggregate")
        entry = v.mapping(raw, here)
        fn = v.choice(entry.get("fn"), here.at("fn"), AGGREGATES)
        if fn == "ratio":
            v.keys(entry, here, required=("fn", "numerator", "denominator", "op", "value"))
            numerator: str | None = self.signal(entry["numerator"], here.at("numerator"),
                                                numeric=True)
            denominator: str | None = self.signal(entry["denominator"], here.at("denominator"),
                                                  numeric=True)
            signal: str | None = None
        else:
            v.keys(entry, here, required=("fn", "signal", "op", "value"))
            signal = self.signal(entry["signal"], here.at("signal"), numeric=True)
            numerator = denominator = None
        op_name = v.choice(entry["op"], here.at("op"), ("eq", "ne", "gt", "gte", "lt", "lte"))
        value = self.value(entry["value"], op_name, "float", here.at("value"))
        return Aggregate(fn, op_name, value, signal, numerator, denominator)

    def signal(self, raw: Any, where: v.Where, *, numeric: bool = False) -> str:
        name = v.text(raw, where)
        if self.catalogue is None:
            return name
        spec = self.catalogue.get(name)
        if spec is None:
            raise where.problem(f"unknown signal '{name}'"
                                f"{v.suggest(name, self.catalogue.names())}; "
                                "see `maturity signals`")
        if self.over not in spec.entity_kinds:
            raise where.problem(f"signal '{name}' is collected for "
                                f"{', '.join(spec.entity_kinds)} entities, not '{self.over}'")
        if numeric and spec.type not in NUMERIC_TYPES:
            raise where.problem(f"'{name}' is a {spec.type} signal; aggregates need numbers")
        return name

    def signal_type(self, name: str) -> str | None:
        spec = self.catalogue.get(name) if self.catalogue else None
        return spec.type if spec else None

    def value(self, raw: Any, op_name: str, signal_type: str | None, where: v.Where) -> Any:
        if raw is None and not OPERATORS[op_name].takes_value:
            return None
        if isinstance(raw, dict):
            v.keys(raw, where, required=("threshold",))
            name = v.text(raw["threshold"], where.at("threshold"))
            return _threshold(name, where.at("threshold"), self.ruleset)
        if op_name in ("in", "contains_any"):
            items = v.sequence(raw, where, "a list of values")
            return tuple(items)
        if isinstance(raw, list):
            raise where.problem(f"'{op_name}' compares with one value, not a list")
        if op_name == "matches":
            pattern = v.text(raw, where)
            patterns.checked(pattern, where)
            return pattern
        if op_name in ("gt", "gte", "lt", "lte", "size_gte"):
            return v.number(raw, where)
        if signal_type == "bool" and not isinstance(raw, bool):
            raise where.problem(f"expected true or false, found {raw!r}")
        return raw
