"""What the three HTML pages share: the page shell, the radar and heatmap sections, a
cell's rules and evidence, links to the places evidence was found.

Evidence is said in words (`DocumentView.said`); rule and signal ids appear only when the
page is made with `explain`, as `--explain` does for the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from importlib import resources
from pathlib import PurePosixPath
from typing import Any

from scanner.model import STAGES
from scanner.reports.html.svg import HeatCell, HeatRow, Series, heatmap, radar
from scanner.reports.view import DocumentView, percent, score_text, stage_name

_ARN = re.compile(r"^arn:aws[a-z-]*:")
_LINE = re.compile(r"^(?P<path>[^:]+?)(?::(?P<line>\d+))?$")
# Where an id or a path may wrap: after these, never inside a word.
_SEPARATOR = re.compile(r"([./_:-]+)")
# Evidence items listed per rule before "and N more".
MAX_EVIDENCE = 20


@dataclass(frozen=True)
class Context:
    """One scan's document, the names it gives entities, and whether ids are shown."""

    scan: dict[str, Any]
    view: DocumentView
    explain: bool = False

    @classmethod
    def of(cls, scan: dict[str, Any], explain: bool = False) -> Context:
        return cls(scan, DocumentView(scan), explain)

    def name(self, entity: str) -> str:
        return self.view.names.get(entity, entity)


def _asset(name: str) -> str:
    return resources.files("scanner.reports.html").joinpath("assets", name).read_text("utf-8")


def breakable(text: str) -> str:
    """Escaped text that may wrap after a dot, slash, dash, underscore or colon and nowhere
    else: `people_culture.<wbr>communication.<wbr>…`; not after a leading one (`.github`)."""
    pieces = [piece for piece in _SEPARATOR.split(text) if piece]
    return "".join(escape(piece) + ("<wbr>" if n and _SEPARATOR.fullmatch(piece) else "")
                   for n, piece in enumerate(pieces))


def prose(text: str) -> str:
    """Escaped text that may also wrap after a slash: collectors' notes join names with
    slashes (`Application/ApplicationSet/AppProject`) into words wider than a phone."""
    return escape(text).replace("/", "/<wbr>")


def wide(table: str, label: str) -> str:
    """A table that scrolls sideways inside its column when it is wider than the screen
    (focusable, so it scrolls from the keyboard too)."""
    return (f'<div class="table-wrap" tabindex="0" role="region" aria-label="{escape(label)}">'
            f"{table}</div>")


def shell(title: str, sections: Sequence[tuple[str, str, str]], intro: str) -> str:
    """sections: (id, heading, body)."""
    nav = "".join(f'<li><a href="#{sid}">{escape(heading)}</a></li>'
                  for sid, heading, _ in sections)
    body = "".join(f'<section id="{sid}" aria-labelledby="{sid}-h"><h2 id="{sid}-h">'
                   f'{escape(heading)}</h2>{content}</section>'
                   for sid, heading, content in sections)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
            f"<title>{escape(title)}</title><style>{_asset('report.css')}</style></head>"
            '<body><a class="skip" href="#main">Skip to the report</a>'
            f'<header><h1>{escape(title)}</h1>{intro}</header>'
            f'<nav aria-label="Sections"><ul>{nav}</ul></nav><main id="main">{body}</main>'
            '<div id="tip" role="tooltip" hidden></div>'
            f"<script>{_asset('report.js')}</script></body></html>\n")


def scan_intro(ctx: Context, first: str = "") -> str:
    """What was scanned, when, and the overall stage; the model last, so the page's title
    is not said twice."""
    model = ctx.scan["model"]
    lines = [first] if first else []
    lines += [line for line in ctx.view.heading() if model["name"] not in line]
    lines.append(f"Model: {model['name']} {model['version']}")
    return "".join(f'<p class="meta">{escape(line)}</p>' for line in lines)


def cell_id(sub_id: str, stage: str) -> str:
    return f"cell-{sub_id.replace('.', '-')}-{stage}"


def radar_section(scan: dict[str, Any], extra: Sequence[Series]) -> str:
    axes = [c["name"] for c in scan["competencies"]]
    series = [Series("Observed (scan)", "observed",
                     tuple(c["score"] for c in scan["competencies"])), *extra]
    rows = "".join(f"<tr><th scope=\"row\">{escape(name)}</th>"
                   + "".join(f"<td>{score_text(s.values[i])}</td>" for s in series) + "</tr>"
                   for i, name in enumerate(axes))
    head = "".join(f"<th scope=\"col\">{escape(s.name)}</th>" for s in series)
    return (f'<div class="charts"><figure>{radar("Maturity per competency", axes, series)}'
            '<figcaption>Each ring is a stage, from Beginner (a score of 1) inside to Expert '
            '(4) at the edge.</figcaption></figure>'
            + wide('<table class="scores"><caption>Scores per competency (1-4)</caption>'
                   f'<thead><tr><th scope="col">Competency</th>{head}</tr></thead>'
                   f"<tbody>{rows}</tbody></table>", "Scores per competency")
            + "</div>")


def _heat_rows(scan: dict[str, Any], marks: dict[str, list[tuple[str, str]]]
               ) -> list[HeatRow]:
    rows = []
    for competency in scan["competencies"]:
        for sub in competency["subcompetencies"]:
            sub_id = f"{competency['id']}.{sub['id']}"
            rows.append(HeatRow(sub_id, competency["name"], sub["name"], sub["stage"],
                                tuple(HeatCell(c["stage"], c["status"], c["criterion"],
                                               f"#{cell_id(sub_id, c['stage'])}")
                                      for c in sub["cells"]),
                                tuple(marks.get(sub_id, []))))
    return rows


def heatmap_section(ctx: Context, marks: dict[str, list[tuple[str, str]]],
                    marks_legend: Sequence[tuple[str, str]]) -> str:
    legend = ('<ul class="legend" aria-label="Heatmap legend">'
              '<li class="heat-met"><span class="swatch"></span>met</li>'
              '<li class="heat-not"><span class="swatch"></span>not met</li>'
              '<li class="heat-und"><span class="swatch"></span>could not be judged</li>'
              '<li class="heat-na"><span class="swatch"></span>does not apply</li>'
              '<li class="observed"><span class="swatch"></span>observed stage (dot)</li>'
              + "".join(f'<li class="{css}"><span class="swatch"></span>{escape(name)} '
                        '(diamond)</li>' for css, name in marks_legend) + "</ul>")
    details = "".join(_cell_detail(ctx, competency, sub, cell)
                      for competency in ctx.scan["competencies"]
                      for sub in competency["subcompetencies"] for cell in sub["cells"])
    return ("<p>Hover over or focus a cell to read its criterion; select it (click or Enter) "
            f"for its rules and evidence.</p>{legend}"
            f'<div class="chart-wrap">{heatmap(_heat_rows(ctx.scan, marks), marks_legend)}'
            f"</div>{details}{_stage_list(ctx.scan)}")


def _stage_list(scan: dict[str, Any]) -> str:
    """The heatmap as text: for print and for readers who cannot use the chart."""
    rows = "".join(f"<tr><td>{escape(c['name'])}</td><td>{escape(s['name'])}</td>"
                   f"<td>{stage_name(s['stage'], bool(s.get('lower_bound')))}</td>"
                   f"<td>{percent(s['confidence']) if s['stage'] in STAGES else '-'}</td></tr>"
                   for c in scan["competencies"] for s in c["subcompetencies"])
    return ('<details class="stage-list"><summary>Every sub-competency as a table</summary>'
            + wide('<table><thead><tr><th scope="col">Competency</th><th scope="col">'
                   'Sub-competency</th><th scope="col">Observed</th><th scope="col">'
                   f"Confidence</th></tr></thead><tbody>{rows}</tbody></table>",
                   "Every sub-competency")
            + "</details>")


def _cell_detail(ctx: Context, competency: dict[str, Any], sub: dict[str, Any],
                 cell: dict[str, Any]) -> str:
    sub_id = f"{competency['id']}.{sub['id']}"
    rules = "".join(_rule(ctx, rule) for rule in cell["rules"])
    floor = "".join(f"<li>{evidence(ctx, item)}</li>" for item in cell.get("evidence", []))
    return (f'<section class="cell-detail" id="{cell_id(sub_id, cell["stage"])}" tabindex="-1" '
            f'aria-label="{escape(sub["name"])}, {stage_name(cell["stage"])}">'
            f'<h3>{escape(sub["name"])}: {stage_name(cell["stage"])} '
            f'({escape(cell["status"].replace("_", " "))})</h3>'
            f'<p>{escape(cell["criterion"])}</p>'
            + (f"<ul class=\"rules\">{rules}</ul>" if rules else "<p>No rule judges this cell: "
               "Beginner is the floor once anything was observed.</p>")
            + (f"<h4>Evidence</h4><ul>{floor}</ul>" if floor else "")
            + '<p class="close"><a href="#heatmap">Back to the heatmap</a></p></section>')


def rule_id(ctx: Context, rule: str) -> str:
    """The rule's id, for `--explain` only."""
    return f' <code class="rule-id">{breakable(rule)}</code>' if ctx.explain and rule else ""


def _rule(ctx: Context, rule: dict[str, Any]) -> str:
    entities = rule["entities"]
    who = "".join(f"<li>{label}: {escape(', '.join(ctx.name(e) for e in entities[k]))}</li>"
                  for k, label in (("pass", "met by"), ("fail", "not met by"),
                                   ("unknown", "not known for"), ("waived", "waived for"))
                  if entities.get(k))
    items = rule["evidence"]
    listed = "".join(f"<li>{evidence(ctx, item)}</li>" for item in items[:MAX_EVIDENCE])
    more = len(items) - MAX_EVIDENCE
    return (f'<li class="rule"><span class="outcome {escape(rule["outcome"])}">'
            f'{escape(rule["outcome"].replace("_", " "))}</span> '
            f'<strong>{escape(rule["summary"])}</strong>{rule_id(ctx, rule["id"])}'
            f'<br>{escape(rule["message"])}<ul>{who}</ul>'
            + (f"<details><summary>Evidence ({len(items)})</summary><ul>{listed}"
               + (f"<li>and {more} more</li>" if more > 0 else "") + "</ul></details>"
               if listed else "")
            + "</li>")


def evidence(ctx: Context, item: dict[str, Any]) -> str:
    locators = [loc for loc in item.get("locators") or [item.get("locator")] if loc]
    links = ", ".join(link(item["entity"], loc, ctx.scan) for loc in locators)
    signal = f' <code class="signal">{breakable(item["signal"])}</code>' if ctx.explain else ""
    return (f"{escape(ctx.name(item['entity']))}: {prose(ctx.view.said(item))}{signal}"
            + (f" at {links}" if links else ""))


def link(entity: str, locator: str, scan: dict[str, Any]) -> str:
    """A locator as a link a person can follow: URL as is, ARN to the AWS console, path:line
    to the file in a local repository."""
    text = breakable(locator)
    if locator.startswith(("https://", "http://")):
        return f'<a href="{escape(locator)}">{text}</a>'
    if _ARN.match(locator):
        return f'<a href="https://console.aws.amazon.com/go/view?arn={escape(locator)}">{text}</a>'
    kind, _, where = entity.partition(":")
    root = _repository_root(entity, scan) if kind in ("repo", "service") else None
    match = _LINE.match(locator)
    if root and match and where.startswith("/"):
        path = PurePosixPath(root) / match["path"]
        return f'<a href="file://{escape(str(path))}">{text}</a>'
    return f"<code>{text}</code>"


def _repository_root(entity: str, scan: dict[str, Any]) -> str | None:
    for repository in scan.get("repositories", []):
        if entity == repository["entity"] or entity in repository["services"]:
            return str(repository["entity"].partition(":")[2])
    return entity.partition(":")[2] if entity.startswith("repo:") else None
