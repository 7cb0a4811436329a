"""SVG charts drawn by the project: radar, model heatmap, trend.

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


def radar(title: str, axes: Sequence[str], series: Sequence[Series]) -> str:
    # Wider than tall: the axis labels left and right need the room.
    width, height, radius = 640, 420, 150
    centre_x, centre_y = width / 2, height / 2

    def point(axis: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * axis / len(axes)
        distance = radius * value / len(STAGES)
        return centre_x + distance * math.cos(angle), centre_y + distance * math.sin(angle)

    parts = [f'<svg class="chart radar" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="radar-title radar-desc">',
             f'<title id="radar-title">{escape(title)}</title>',
             f'<desc id="radar-desc">{escape(_radar_text(axes, series))}</desc>']
    for ring, stage in enumerate(STAGES, start=1):
        ring_points = " ".join(f"{_number(x)},{_number(y)}"
                               for x, y in (point(a, ring) for a in range(len(axes))))
        parts.append(f'<polygon class="ring" points="{ring_points}"/>')
        x, y = point(0, ring)
        parts.append(f'<text class="ring-label" x="{_number(x + 4)}" y="{_number(y + 12)}">'
                     f'{STAGE_NAMES[stage]}</text>')
    for index, label in enumerate(axes):
        x, y = point(index, len(STAGES))
        lx, ly = point(index, len(STAGES) + 0.45)
        anchor = "middle" if abs(lx - centre_x) < 20 else \
            ("start" if lx > centre_x else "end")
        parts.append(f'<line class="axis" x1="{centre_x}" y1="{centre_y}" x2="{_number(x)}" '
                     f'y2="{_number(y)}"/>')
        parts.append(f'<text class="radar-axis" x="{_number(lx)}" y="{_number(ly + 4)}" '
                     f'text-anchor="{anchor}">{escape(label)}</text>')
    for item in series:
        corners = [None if v is None else point(a, v) for a, v in enumerate(item.values)]
        parts.append(f'<g class="series {item.css}" data-series="{escape(item.name)}">'
                     f'{_outline(corners)}')
        for axis, value in enumerate(item.values):
            if value is not None:
                x, y = point(axis, value)
                parts.append(f'<circle cx="{_number(x)}" cy="{_number(y)}" r="3.5">'
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


def _radar_text(axes: Sequence[str], series: Sequence[Series]) -> str:
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


def trend(title: str, labels: Sequence[str], lines: Sequence[Series]) -> str:
    """Scores over scans: one line per series, scans left (oldest) to right."""
    width, height, left, bottom, top = 640, 240, 90, 40, 12
    plot_w, plot_h = width - left - 30, height - top - bottom
    step = plot_w / max(1, len(labels) - 1)

    def y_of(value: float) -> float:
        return top + plot_h - plot_h * (value - 1) / (len(STAGES) - 1)

    parts = [f'<svg class="chart trend" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="trend-title trend-desc"><title id="trend-title">'
             f'{escape(title)}</title><desc id="trend-desc">'
             f'{escape(_radar_text(labels, lines))}</desc>']
    for index, stage in enumerate(STAGES, start=1):
        parts.append(f'<line class="grid" x1="{left}" x2="{left + plot_w}" '
                     f'y1="{_number(y_of(index))}" y2="{_number(y_of(index))}"/>'
                     f'<text class="ring-label" x="{left - 6}" y="{_number(y_of(index) + 4)}" '
                     f'text-anchor="end">{STAGE_NAMES[stage]}</text>')
    for index, label in enumerate(labels):
        parts.append(f'<text class="ring-label" x="{_number(left + step * index)}" '
                     f'y="{height - bottom + 18}" text-anchor="middle">{escape(label)}</text>')
    for number, line in enumerate(lines):
        known = [(left + step * i, y_of(v)) for i, v in enumerate(line.values) if v is not None]
        path = " ".join(f"{'M' if i == 0 else 'L'}{_number(x)} {_number(y)}"
                        for i, (x, y) in enumerate(known))
        parts.append(f'<g class="series trend-line {line.css} line-{number}">'
                     f'<path d="{path}"/>')
        parts += [f'<circle cx="{_number(x)}" cy="{_number(y)}" r="3"/>' for x, y in known]
        parts.append("</g>")
    parts.append("</svg>")
    legend = "".join(f'<li class="line-{number}"><span class="swatch" aria-hidden="true">'
                     f'</span>{escape(line.name)}</li>' for number, line in enumerate(lines))
    return "".join(parts) + f'<ul class="legend" aria-label="Legend">{legend}</ul>'
