"""SVG charts drawn by the project: radar and model heatmap (the trend is in `trend.py`).

Hand-written rather than a bundled chart library: the three charts are simple geometry,
the output is a few kilobytes with no script needed to draw it, it prints as vectors, and
every mark can carry its own text alternative and keyboard focus, which charting libraries
tend to make hard. Each function returns markup with its values escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from scanner.model import STAGE_NAMES, STAGES


@dataclass(frozen=True)
class Series:
    name: str
    css: str  # class that colours it (observed, self, target)
    values: tuple[float | None, ...]  # one per axis, 1-4; None when not known


@dataclass(frozen=True)
class HeatCell:
    stage: str
    status: str  # met, not_met, undetermined, not_applicable
    criterion: str
    href: str  # where a click goes: the cell's rules and evidence


@dataclass(frozen=True)
class HeatRow:
    id: str
    group: str  # the competency's name, shown once per group
    name: str
    observed: str
    cells: tuple[HeatCell, ...]
    marks: tuple[tuple[str, str], ...] = ()  # (css class, stage): self-reported, target


def _number(value: float) -> str:
    return f"{value:.1f}"


# Sizes in the charts' own units; the stylesheet sets the same font sizes.
AXIS_FONT, RING_FONT = 16, 13
_CHAR_WIDTH = 0.6  # of the font size: a generous average, so estimated boxes are not short


def text_width(text: str, font: float) -> float:
    """An estimate of a text's rendered width, for laying out labels without a browser."""
    return len(text) * font * _CHAR_WIDTH


def _wrap(label: str, limit: int = 12) -> list[str]:
    """A label on lines of about `limit` characters, broken at spaces (`Observe &` /
    `Respond`)."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= limit:
            lines[-1] += f" {word}"
        elif lines and word == "&":
            lines[-1] += " &"
        else:
            lines.append(word)
    return lines or [label]


def radar(title: str, axes: Sequence[str], series: Sequence[Series]) -> str:
    radius, gap = 140.0, 14.0
    line_height = AXIS_FONT * 1.15

    def point(axis: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * axis / len(axes)
        distance = radius * value / len(STAGES)
        return distance * math.cos(angle), distance * math.sin(angle)

    labels, extent = [], [-radius, -radius, radius, radius]  # left, top, right, bottom
    for index, label in enumerate(axes):
        lx, ly = point(index, len(STAGES) * (radius + gap) / radius)
        anchor = "middle" if abs(lx) < 1 else ("start" if lx > 0 else "end")
        lines = [label] if anchor == "middle" else _wrap(label)
        if anchor == "middle":  # above the top axis, below the bottom one
            first = ly - line_height * (len(lines) - 1) - 4 if ly < 0 else ly + AXIS_FONT
        else:  # beside the axis, centred on its end
            first = ly - line_height * (len(lines) - 1) / 2 + AXIS_FONT * 0.35
        wide = max(text_width(line, AXIS_FONT) for line in lines)
        left = lx - (wide / 2 if anchor == "middle" else wide if anchor == "end" else 0)
        extent = [min(extent[0], left), min(extent[1], first - AXIS_FONT),
                  max(extent[2], left + wide),
                  max(extent[3], first + line_height * (len(lines) - 1) + 4)]
        labels.append((lx, first, anchor, lines))
    margin = 6
    box = (f"{_number(extent[0] - margin)} {_number(extent[1] - margin)} "
           f"{_number(extent[2] - extent[0] + 2 * margin)} "
           f"{_number(extent[3] - extent[1] + 2 * margin)}")
    parts = [f'<svg class="chart radar" viewBox="{box}" role="img" '
             f'aria-labelledby="radar-title radar-desc">',
             f'<title id="radar-title">{escape(title)}</title>',
             f'<desc id="radar-desc">{escape(said_values(axes, series))}</desc>']
    for ring in range(1, len(STAGES) + 1):
        ring_points = " ".join(f"{_number(x)},{_number(y)}"
                               for x, y in (point(a, ring) for a in range(len(axes))))
        parts.append(f'<polygon class="ring" points="{ring_points}"/>')
    for index, (lx, first, anchor, lines) in enumerate(labels):
        x, y = point(index, len(STAGES))
        parts.append(f'<line class="axis" x1="0" y1="0" x2="{_number(x)}" y2="{_number(y)}"/>')
        spans = "".join(f'<tspan x="{_number(lx)}" y="{_number(first + line_height * n)}">'
                        f"{escape(line)}</tspan>" for n, line in enumerate(lines))
        parts.append(f'<text class="radar-axis" text-anchor="{anchor}" '
                     f'aria-label="{escape(axes[index])}">{spans}</text>')
    for item in series:
        corners = [None if v is None else point(a, v) for a, v in enumerate(item.values)]
        parts.append(f'<g class="series {item.css}" data-series="{escape(item.name)}">'
                     f"{_outline(corners)}</g>")
    # The ring names over the axes and the series' lines, on a halo that keeps them legible
    # where a line passes under; right of the top axis, clear of the points on it.
    for ring, stage in enumerate(STAGES, start=1):
        _, y = point(0, ring)
        parts.append(f'<text class="ring-label" x="7" y="{_number(y + RING_FONT + 1)}">'
                     f"{STAGE_NAMES[stage]}</text>")
    # The points last: a value is never hidden, not even by a ring's name.
    for item in series:
        parts.append(f'<g class="points {item.css}">')
        for axis, value in enumerate(item.values):
            if value is not None:
                x, y = point(axis, value)
                parts.append(f'<circle cx="{_number(x)}" cy="{_number(y)}" r="4">'
                             f'<title>{escape(item.name)}: {escape(axes[axis])} '
                             f'{value:.2f}</title></circle>')
        parts.append("</g>")
    parts.append("</svg>")
    legend = "".join(f'<li class="{item.css}"><span class="swatch" aria-hidden="true">'
                     f'</span>{escape(item.name)}</li>' for item in series)
    return "".join(parts) + f'<ul class="legend" aria-label="Legend">{legend}</ul>'


def _outline(points: Sequence[tuple[float, float] | None]) -> str:
    """A series' shape: closed when every axis is known; otherwise only the sides between
    known neighbours, so an unknown competency is a gap, not a line to zero."""
    known = [p for p in points if p is not None]
    if len(known) == len(points):
        shape = " ".join(f"{_number(x)},{_number(y)}" for x, y in known)
        return f'<polygon points="{shape}"/>'
    sides = []
    for here, there in zip(points, [*points[1:], points[0]], strict=True):
        if here is not None and there is not None:
            sides.append(f"M{_number(here[0])},{_number(here[1])} "
                         f"L{_number(there[0])},{_number(there[1])}")
    return f'<path d="{" ".join(sides)}"/>' if sides else ""


def said_values(axes: Sequence[str], series: Sequence[Series]) -> str:
    said = []
    for item in series:
        values = ", ".join(f"{axis} {'unknown' if v is None else f'{v:.2f}'}"
                           for axis, v in zip(axes, item.values, strict=True))
        said.append(f"{item.name}: {values}")
    return "Scores from 1 (Beginner) to 4 (Expert). " + "; ".join(said) + "."


def heatmap(rows: Sequence[HeatRow], marks_legend: Sequence[tuple[str, str]]) -> str:
    label_width, cell_width, row_height, top = 300, 120, 24, 34
    width = label_width + cell_width * len(STAGES) + 10
    group_gap = 18
    groups = len({row.group for row in rows})
    height = top + row_height * len(rows) + group_gap * groups + 10
    parts = [f'<svg class="chart heatmap" viewBox="0 0 {width} {height}" role="group" '
             f'aria-labelledby="heatmap-title">',
             '<title id="heatmap-title">The model, sub-competency by stage: each cell is '
             'coloured by whether it is met; a dot marks the observed stage. Select a cell '
             'for its rules and evidence.</title>']
    for index, stage in enumerate(STAGES):
        x = label_width + cell_width * index + cell_width / 2
        parts.append(f'<text class="stage-head" x="{x}" y="20" text-anchor="middle">'
                     f'{STAGE_NAMES[stage]}</text>')
    y = top
    group = None
    for row in rows:
        if row.group != group:
            group = row.group
            y += group_gap
            parts.append(f'<text class="group-head" x="0" y="{y - 5}">{escape(group)}</text>')
        parts.append(f'<g class="hm-row" data-sub="{escape(row.id)}" '
                     f'data-observed="{escape(row.observed)}">')
        parts.append(f'<text class="row-label" x="12" y="{y + 16}">{escape(row.name)}'
                     f'<title>{escape(row.name)}: {escape(STAGE_NAMES.get(row.observed, "?"))}'
                     f' observed</title></text>')
        for cell in row.cells:
            x = label_width + cell_width * STAGES.index(cell.stage)
            observed = cell.stage == row.observed
            marks = [css for css, stage in row.marks if stage == cell.stage]
            said = f"{row.name}, {STAGE_NAMES[cell.stage]}: {cell.status.replace('_', ' ')}" \
                   + ("; observed stage" if observed else "") \
                   + "".join(f"; {name}" for css, name in marks_legend if css in marks) \
                   + f". {cell.criterion}"
            classes = " ".join(["hm-cell", cell.status, *(["observed"] if observed else [])])
            parts.append(f'<a class="{classes}" href="{escape(cell.href)}" '
                         f'data-stage="{cell.stage}" data-criterion="{escape(cell.criterion)}" '
                         f'aria-label="{escape(said)}"><title>{escape(said)}</title>'
                         f'<rect x="{x + 2}" y="{y + 2}" width="{cell_width - 4}" '
                         f'height="{row_height - 4}" rx="3"/>')
            if observed:
                parts.append(f'<circle class="observed-mark" cx="{x + cell_width / 2}" '
                             f'cy="{y + row_height / 2}" r="5"/>')
            for offset, css in enumerate(marks):
                mx = x + 14 + 14 * offset
                parts.append(f'<path class="mark {css}" d="M{mx} {y + 6} l5 6 l-5 6 l-5 -6 z"/>')
            parts.append("</a>")
        parts.append("</g>")
        y += row_height
    parts.append("</svg>")
    return "".join(parts)
