"""Numbers in the words and units a person reads them in.

A signal's unit follows from its name, by the convention every collector keeps: a
`…_share` is a fraction shown as a percentage, a `…_trend` of a share a change in
percentage points, `…_hours` and `…_days` durations, `…_per_kloc` a rate per 1,000
source lines, `…_per_week` a weekly rate.
"""

from __future__ import annotations


def amount(signal: str, value: float) -> str:
    """`0.73` of `git.off_hours_share` -> `73%`; `26.5` of `…_hours_p50` -> `26.5 hours`."""
    name = signal.rsplit(".", 1)[-1]
    if name.endswith("_trend"):
        points = value * 100
        return f"{points:+.0f} percentage points" if abs(points) >= 0.5 else "no change"
    if "share" in name:
        return f"{value:.0%}"
    if "hours" in name:
        return _counted(value, "hour")
    if "days" in name:
        return _counted(value, "day")
    if name.endswith("per_kloc"):
        return f"{number(value)} per 1,000 lines"
    if name.endswith("per_week"):
        return f"{number(value)} per week"
    return number(value)


def number(value: float) -> str:
    """At most two decimals, none when they are zeros; thousands separated."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _counted(value: float, unit: str) -> str:
    return f"{number(value)} {unit}" + ("" if value == 1 else "s")
