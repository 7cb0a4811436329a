"""The trend chart: scores over the stored scans, each scan placed at the time it ran.

Spacing by time, not by count, keeps a gap of a month from looking like a gap of a minute.
Two scans close together still get two points (a few pixels apart at least), and two
scans of one day get labels that differ: the time is added under the date. Labels that
would overlap are left out, newest kept first; every point says its full time on hover.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from html import escape

from scanner.model import STAGE_NAMES, STAGES
from scanner.reports.html.svg import Series, said_values, text_width

# Narrow enough that a phone shows it whole with labels of about 10 pixels.
WIDTH, HEIGHT = 500, 240
LEFT, RIGHT, TOP, BOTTOM = 110, 56, 14, 52
LABEL_FONT = 14  # the stylesheet's size for `.x-label` and `.y-label`
MIN_STEP = 8.0  # user units between two scans, however close in time
LABEL_GAP = 6.0  # free space between two labels
OVERALL = "overall"  # the css class of the line drawn last, over the others


def _n(value: float) -> str:
    return f"{value:.1f}"


def positions(times: Sequence[datetime], width: float) -> list[float]:
    """Each scan's x from 0 to `width`, in proportion to its time (oldest first), moved
    apart where two would be closer than MIN_STEP."""
    if len(times) < 2:
        return [width / 2] * len(times)
    span = (times[-1] - times[0]).total_seconds()
    if span <= 0 or MIN_STEP * (len(times) - 1) > width:
        return [width * i / (len(times) - 1) for i in range(len(times))]
    xs = [width * (t - times[0]).total_seconds() / span for t in times]
    for i in range(1, len(xs)):
        xs[i] = max(xs[i], xs[i - 1] + MIN_STEP)
    xs[-1] = min(xs[-1], width)
    for i in reversed(range(len(xs) - 1)):
        xs[i] = min(xs[i], xs[i + 1] - MIN_STEP)
    return xs


def labels(times: Sequence[datetime]) -> list[tuple[str, ...]]:
    """A label per scan, no two alike: the date, with the time under it when the day has
    more than one scan (to the second when the minute has more than one)."""
    days = Counter(t.date() for t in times)
    minutes = Counter(t.replace(second=0, microsecond=0) for t in times)
    made: list[tuple[str, ...]] = []
    bases: list[tuple[str, ...]] = []
    for t in times:
        lines = [t.date().isoformat()]
        if days[t.date()] > 1:
            precise = minutes[t.replace(second=0, microsecond=0)] > 1
            lines.append(t.strftime("%H:%M:%S" if precise else "%H:%M")
                         + (f" {t.tzname()}" if t.tzname() else ""))
        base = tuple(lines)
        copies = bases.count(base)  # two scans in the same second: numbered
        bases.append(base)
        made.append(base if not copies else (*base[:-1], f"{base[-1]} ({copies + 1})"))
    return made


def shown(xs: Sequence[float], texts: Sequence[tuple[str, ...]]) -> set[int]:
    """The scans whose labels fit without overlapping: the newest, then the oldest, then
    the others from the newest back."""
    taken: dict[int, tuple[float, float]] = {}
    for index in dict.fromkeys([len(xs) - 1, 0, *reversed(range(len(xs)))]):
        half = max(text_width(line, LABEL_FONT) for line in texts[index]) / 2 + LABEL_GAP / 2
        span = (xs[index] - half, xs[index] + half)
        if all(span[1] <= left or span[0] >= right for left, right in taken.values()):
            taken[index] = span
    return set(taken)


def trend(title: str, times: Sequence[datetime], lines: Sequence[Series]) -> str:
    """Scores over scans, one line per series; a series whose css is OVERALL is drawn last
    and heavier, so the others never hide it."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    xs = [LEFT + x for x in positions(times, plot_w)]
    texts = labels(times)

    def y_of(value: float) -> float:
        value = min(max(value, 1.0), float(len(STAGES)))  # scores run from 1 to 4
        return TOP + plot_h - plot_h * (value - 1) / (len(STAGES) - 1)

    said = [" ".join(t) for t in texts]
    parts = [f'<svg class="chart trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="trend-title trend-desc"><title id="trend-title">'
             f'{escape(title)}</title><desc id="trend-desc">'
             f'{escape(said_values(said, lines))}</desc>']
    for index, stage in enumerate(STAGES, start=1):
        y = _n(y_of(index))
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y}" y2="{y}"/>'
                     f'<text class="y-label" x="{LEFT - 8}" y="{_n(y_of(index) + 4)}" '
                     f'text-anchor="end">{STAGE_NAMES[stage]}</text>')
    base = TOP + plot_h
    for index in range(len(xs)):
        parts.append(f'<line class="tick" x1="{_n(xs[index])}" x2="{_n(xs[index])}" '
                     f'y1="{base}" y2="{base + 5}"/>')
    for index in sorted(shown(xs, texts)):
        spans = "".join(f'<tspan x="{_n(xs[index])}"' + (' dy="1.2em"' if n else "")
                        + f">{escape(line)}</tspan>" for n, line in enumerate(texts[index]))
        parts.append(f'<text class="x-label" y="{base + 22}" text-anchor="middle" '
                     f'data-scan="{index}">{spans}</text>')
    order = sorted(range(len(lines)), key=lambda n: lines[n].css == OVERALL)
    for number in order:
        line = lines[number]
        known = [(xs[i], y_of(v), i, v) for i, v in enumerate(line.values) if v is not None]
        path = " ".join(f"{'M' if n == 0 else 'L'}{_n(x)} {_n(y)}"
                        for n, (x, y, _, _) in enumerate(known))
        casing = f'<path class="casing" d="{path}"/>' if line.css == OVERALL else ""
        parts.append(f'<g class="series trend-line {line.css} line-{number}" '
                     f'data-series="{escape(line.name)}">{casing}<path d="{path}"/>')
        parts += [f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{4 if line.css == OVERALL else 3}">'
                  f"<title>{escape(line.name)}, {escape(said[i])}: {v:.2f}</title></circle>"
                  for x, y, i, v in known]
        parts.append("</g>")
    parts.append("</svg>")
    legend = "".join(f'<li class="line-{number} {line.css}"><span class="swatch" '
                     f'aria-hidden="true"></span>{escape(line.name)}</li>'
                     for number, line in enumerate(lines))
    return "".join(parts) + f'<ul class="legend" aria-label="Legend">{legend}</ul>'
