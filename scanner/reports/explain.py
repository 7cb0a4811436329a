"""`maturity rules explain`: one rule in plain words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.engine.describe import describe_condition, describe_value
from scanner.engine.operators import OPERATORS
from scanner.engine.rule import Rule
from scanner.evidence import kind_plural
from scanner.model import STAGE_NAMES

if TYPE_CHECKING:
    from scanner.engine.engine import Engine


def explain_rule(rule: Rule, engine: Engine) -> str:
    sub = engine.model.subcompetency(rule.subcompetency)
    thresholds = engine.thresholds
    lines = [
        rule.id,
        f"  cell:       {sub.name if sub else rule.subcompetency} "
        f"({rule.subcompetency}), {STAGE_NAMES[rule.stage]}",
    ]
    if sub:
        lines.append(f"  criterion:  {sub.cells[rule.stage]}")
    fits = engine.rules.fits.get((rule.subcompetency, rule.stage))
    if fits:
        lines.append(f"  why it fits: {fits}")
    lines += [f"  checks:     {rule.summary}", f"  counts:     {kind_plural(rule.over)}"]
    if rule.applies_to:
        lines.append(f"  in scope:   {describe_condition(rule.applies_to, thresholds)}")
    if rule.needs:
        lines.append(f"  judged when: {describe_condition(rule.needs, thresholds)} "
                     "(otherwise not known)")
    if rule.each and rule.quantifier:
        quantifier = rule.quantifier
        ratio = quantifier.ratio
        how_many = quantifier.kind if quantifier.kind != "at_least" else (
            f"at least {describe_value(ratio, thresholds)}")
        lines.append(f"  passes when {how_many} of them: "
                     f"{describe_condition(rule.each, thresholds)}")
    if rule.aggregate:
        agg = rule.aggregate
        what = f"{agg.numerator} / {agg.denominator}" if agg.fn == "ratio" else agg.signal
        lines.append(f"  passes when {agg.fn} of {what} {OPERATORS[agg.op].describe} "
                     f"{describe_value(agg.value, thresholds)}")
    lines.append("  signals:")
    for signal in rule.signals():
        spec = engine.catalogue.get(signal)
        sources = ", ".join(s.title for s in engine.catalogue.sources(signal))
        lines.append(f"    {signal} ({spec.type if spec else '?'}; from {sources or 'nobody'})"
                     f": {spec.description if spec else ''}")
    if rule.remedy:
        lines.append(f"  to meet it: {rule.remedy}")
    lines.append(f"  defined in: {rule.source}" + (f":{rule.line}" if rule.line else ""))
    return "\n".join(lines) + "\n"
