"""The HTML pages: the scan report, self vs observed, and the plan.

Each page is one file: the stylesheet and the small script are read from package data and
inlined, the charts are inline SVG, and nothing is fetched, so the file works offline, from
an e-mail attachment or a CI artifact.  The script only adds tooltips and focus handling;
cell details open through #anchors, so the report still works with scripts blocked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from importlib import resources
from pathlib import PurePosixPath
from typing import Any

from scanner.model import STAGES, stage_index
from scanner.reports.html.svg import HeatCell, HeatRow, Series, heatmap, radar, trend
from scanner.reports.view import DocumentView, percent, score_text, stage_name
from scanner.survey.questions import answer_name

_ARN = re.compile(r"^arn:aws[a-z-]*:")
_LINE = re.compile(r"^(?P<path>[^:]+?)(?::(?P<line>\d+))?$")


@dataclass(frozen=True)
class Trend:
    """Scores of earlier scans of the same configuration, oldest first."""

    labels: tuple[str, ...]
    lines: tuple[Series, ...]


def _asset(name: str) -> str:
    return resources.files("scanner.reports.html").joinpath("assets", name).read_text("utf-8")


def _shell(title: str, sections: Sequence[tuple[str, str, str]], intro: str) -> str:
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


def _scan_intro(scan: dict[str, Any]) -> str:
    return "".join(f'<p class="meta">{escape(line)}</p>' for line in DocumentView(scan).heading())


def _axes(scan: dict[str, Any]) -> list[str]:
    return [c["name"] for c in scan["competencies"]]


def _observed(scan: dict[str, Any]) -> Series:
    return Series("Observed (scan)", "observed",
                  tuple(c["score"] for c in scan["competencies"]))


def _radar_section(scan: dict[str, Any], extra: Sequence[Series]) -> str:
    series = [_observed(scan), *extra]
    rows = "".join(f"<tr><th scope=\"row\">{escape(name)}</th>"
                   + "".join(f"<td>{score_text(s.values[i])}</td>" for s in series) + "</tr>"
                   for i, name in enumerate(_axes(scan)))
    head = "".join(f"<th scope=\"col\">{escape(s.name)}</th>" for s in series)
    return (f'<div class="charts"><figure>{radar("Maturity per competency", _axes(scan), series)}'
            '<figcaption>Scores run from 1 (Beginner) at the centre to 4 (Expert) at the '
            'edge.</figcaption></figure>'
            f'<table class="scores"><caption>Scores per competency (1-4)</caption><thead><tr>'
            f'<th scope="col">Competency</th>{head}</tr></thead><tbody>{rows}</tbody></table>'
            '</div>')


def _cell_id(sub_id: str, stage: str) -> str:
    return f"cell-{sub_id.replace('.', '-')}-{stage}"


def _heat_rows(scan: dict[str, Any], marks: dict[str, list[tuple[str, str]]]
               ) -> list[HeatRow]:
    rows = []
    for competency in scan["competencies"]:
        for sub in competency["subcompetencies"]:
            sub_id = f"{competency['id']}.{sub['id']}"
            rows.append(HeatRow(sub_id, competency["name"], sub["name"], sub["stage"],
                                tuple(HeatCell(c["stage"], c["status"], c["criterion"],
                                               f"#{_cell_id(sub_id, c['stage'])}")
                                      for c in sub["cells"]),
                                tuple(marks.get(sub_id, []))))
    return rows


def _heatmap_section(scan: dict[str, Any], marks: dict[str, list[tuple[str, str]]],
                     marks_legend: Sequence[tuple[str, str]]) -> str:
    legend = ('<ul class="legend" aria-label="Heatmap legend">'
              '<li class="heat-met"><span class="swatch"></span>met</li>'
              '<li class="heat-not"><span class="swatch"></span>not met</li>'
              '<li class="heat-und"><span class="swatch"></span>could not be judged</li>'
              '<li class="observed"><span class="swatch"></span>observed stage (dot)</li>'
              + "".join(f'<li class="{css}"><span class="swatch"></span>{escape(name)} '
                        '(diamond)</li>' for css, name in marks_legend) + "</ul>")
    details = "".join(_cell_detail(scan, competency, sub, cell)
                      for competency in scan["competencies"]
                      for sub in competency["subcompetencies"] for cell in sub["cells"])
    return (f"<p>Hover over or focus a cell to read its criterion; select it (click or Enter) "
            f"for its rules and evidence.</p>{legend}"
            f"{heatmap(_heat_rows(scan, marks), marks_legend)}{details}"
            f"{_stage_list(scan)}")


def _stage_list(scan: dict[str, Any]) -> str:
    """The heatmap as text: for print and for readers who cannot use the chart."""
    rows = "".join(f"<tr><td>{escape(c['name'])}</td><td>{escape(s['name'])}</td>"
                   f"<td>{stage_name(s['stage'], bool(s.get('lower_bound')))}</td>"
                   f"<td>{percent(s['confidence']) if s['stage'] in STAGES else '-'}</td></tr>"
                   for c in scan["competencies"] for s in c["subcompetencies"])
    return ('<details class="stage-list"><summary>Every sub-competency as a table</summary>'
            '<table><thead><tr><th scope="col">Competency</th><th scope="col">Sub-competency'
            '</th><th scope="col">Observed</th><th scope="col">Confidence</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></details>")


def _cell_detail(scan: dict[str, Any], competency: dict[str, Any], sub: dict[str, Any],
                 cell: dict[str, Any]) -> str:
    view = DocumentView(scan)
    sub_id = f"{competency['id']}.{sub['id']}"
    rules = "".join(_rule(rule, view, scan) for rule in cell["rules"])
    floor = "".join(f"<li>{_evidence(item, view, scan)}</li>" for item in cell.get("evidence", []))
    return (f'<section class="cell-detail" id="{_cell_id(sub_id, cell["stage"])}" tabindex="-1" '
            f'aria-label="{escape(sub["name"])}, {stage_name(cell["stage"])}">'
            f'<h3>{escape(sub["name"])}: {stage_name(cell["stage"])} '
            f'({escape(cell["status"].replace("_", " "))})</h3>'
            f'<p>{escape(cell["criterion"])}</p>'
            + (f"<ul class=\"rules\">{rules}</ul>" if rules else "<p>No rule judges this cell: "
               "Beginner is the floor once anything was observed.</p>")
            + (f"<h4>Evidence</h4><ul>{floor}</ul>" if floor else "")
            + '<p class="close"><a href="#heatmap">Back to the heatmap</a></p></section>')


def _rule(rule: dict[str, Any], view: DocumentView, scan: dict[str, Any]) -> str:
    entities = rule["entities"]
    who = "".join(f"<li>{label}: {escape(', '.join(view.names.get(e, e) for e in entities[k]))}"
                  "</li>" for k, label in (("pass", "met by"), ("fail", "not met by"),
                                          ("unknown", "not known for"), ("waived", "waived for"))
                  if entities.get(k))
    evidence = "".join(f"<li>{_evidence(item, view, scan)}</li>" for item in rule["evidence"][:20])
    more = len(rule["evidence"]) - 20
    return (f'<li class="rule"><span class="outcome {escape(rule["outcome"])}">'
            f'{escape(rule["outcome"].replace("_", " "))}</span> '
            f'<strong>{escape(rule["summary"])}</strong> <code>{escape(rule["id"])}</code>'
            f'<br>{escape(rule["message"])}<ul>{who}</ul>'
            + (f'<details><summary>Evidence ({len(rule["evidence"])})</summary><ul>{evidence}'
               + (f"<li>and {more} more</li>" if more > 0 else "") + "</ul></details>"
               if evidence else "")
            + "</li>")


def _evidence(item: dict[str, Any], view: DocumentView, scan: dict[str, Any]) -> str:
    locators = [loc for loc in item.get("locators") or [item.get("locator")] if loc]
    links = ", ".join(_link(item["entity"], loc, scan) for loc in locators)
    said = view.said(item)
    return (f"{escape(view.names.get(item['entity'], item['entity']))}: {escape(str(said))}"
            + (f" at {links}" if links else ""))


def _link(entity: str, locator: str, scan: dict[str, Any]) -> str:
    """A locator as a link a person can follow: URL as is, ARN to the AWS console, path:line
    to the file in a local repository."""
    text = escape(locator)
    if locator.startswith(("https://", "http://")):
        return f'<a href="{text}">{text}</a>'
    if _ARN.match(locator):
        return f'<a href="https://console.aws.amazon.com/go/view?arn={text}">{text}</a>'
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


def _entities_section(scan: dict[str, Any]) -> str:
    view = DocumentView(scan)
    repositories = view.repositories()
    if not repositories:
        entities = ", ".join(view.names.get(e["id"], e["id"]) for e in scan["entities"])
        return f"<p>{escape(entities) or 'Nothing was scanned.'}</p>"
    head = "".join(f'<th scope="col">{escape(c["name"])}</th>' for c in scan["competencies"])
    rows = []
    for name, summary in repositories:
        cells = "".join(f"<td>{stage_name(summary['competencies'].get(c['id']))}</td>"
                        for c in scan["competencies"])
        services = "".join(f"<li>{escape(view.names.get(s, s))}</li>"
                           for s in summary["services"])
        rows.append(f'<tr><th scope="row"><details><summary>{escape(name)}</summary>'
                    f'<code>{escape(summary["entity"])}</code><ul>{services}</ul></details></th>'
                    f"<td>{stage_name(summary['overall']['stage'])} "
                    f"({score_text(summary['overall']['score'])})</td>{cells}</tr>")
    return (f'<table><thead><tr><th scope="col">Repository</th><th scope="col">Overall</th>'
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _list_section(lines: list[str], empty: str, css: str = "") -> str:
    if not lines:
        return f"<p>{escape(empty)}</p>"
    return f'<ul class="{css}">' + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"


def render_scan_html(scan: dict[str, Any], history: Trend | None = None) -> str:
    view = DocumentView(scan)
    sections = [("radar-section", "Where we are", _radar_section(scan, ())),
                ("heatmap", "The model, cell by cell", _heatmap_section(scan, {}, ())),
                ("entities", "By repository or account", _entities_section(scan)),
                ("waivers", "Waivers", _list_section(view.waivers(), "No waivers.")),
                ("problems", "Errors and warnings",
                 _list_section(view.problems() + view.gates(), "None: the scan was complete.",
                               "problems"))]
    if history is not None:
        sections.insert(1, ("trend", "Over time", trend(
            "Scores over the stored scans of this configuration", history.labels,
            history.lines)))
    return _shell("DevSecOps maturity", sections, _scan_intro(scan))


def render_compare_html(document: dict[str, Any], scan: dict[str, Any]) -> str:
    claimed = Series("Self-reported (" + ", ".join(document["respondents"]) + ")", "self",
                     tuple(c["self_score"] for c in document["competencies"]))
    marks = {c["id"]: [("self", c["self"])] for c in document["cells"] if c["self"]}
    rows = "".join(
        f'<tr><td><a href="#{_cell_id(c["id"], c["self"] or c["observed"])}">'
        f'{escape(c["name"])}</a></td><td>{answer_name(c["self"])}</td>'
        f"<td>{stage_name(c['observed'], c['lower_bound'])}</td>"
        f"<td>{_gap(c['gap'])}</td>"
        f'<td class="verdict-{c["verdict"].replace(" ", "-")}">{escape(c["verdict"])}</td>'
        f"<td>{escape(c['explanation'])}"
        + ("<ul>" + "".join(f"<li>{escape(e['text'])}"
                            + "".join(f"<br><code>{escape(loc)}</code>"
                                      for loc in e["locators"][:3]) + "</li>"
                            for e in c["evidence"]) + "</ul>" if c["evidence"] else "")
        + "</td></tr>" for c in document["cells"])
    summary = ", ".join(f"{n} {v}" for v, n in document["summary"].items())
    table = ('<table class="compare"><thead><tr><th scope="col">Sub-competency</th>'
             '<th scope="col">Self</th><th scope="col">Observed</th><th scope="col">Gap</th>'
             '<th scope="col">Verdict</th><th scope="col">Why</th></tr></thead>'
             f"<tbody>{rows}</tbody></table>")
    sections = [("radar-section", "Self-reported and observed", _radar_section(scan, [claimed])),
                ("verdicts", "Verdicts, biggest gap first", f"<p>{escape(summary)}</p>{table}"),
                ("heatmap", "The model, cell by cell",
                 _heatmap_section(scan, marks, [("self", "self-reported stage")]))]
    return _shell("Self-reported against observed", sections, _scan_intro(scan))


def render_plan_html(document: dict[str, Any], scan: dict[str, Any]) -> str:
    wanted = {t["competency"]: t["target"] for t in document["targets"]}
    target = Series("Target", "target",
                    tuple(float(stage_index(wanted[c["id"]])) if c["id"] in wanted else None
                          for c in scan["competencies"]))
    marks = {f"{c['id']}.{s['id']}": [("target", wanted[c["id"]])]
             for c in scan["competencies"] if c["id"] in wanted for s in c["subcompetencies"]}
    targets = "".join(
        f"<tr><td>{escape(t['name'])}</td><td>{stage_name(t['observed'])}</td>"
        f"<td>{stage_name(t['target'])}</td><td>{escape(t['owner'] or '-')}</td>"
        f"<td>{escape(t['due'] or '-')}</td><td>{escape(t['note'])}</td></tr>"
        for t in document["targets"])
    steps = "".join(
        f'<li class="step"><strong>{escape(s["name"])}</strong>: {stage_name(s["from"])} → '
        f'<a href="#{_cell_id(s["id"], s["stage"])}">{stage_name(s["stage"])}</a> '
        f'({escape(s["owner"] or "no owner")}{", " + escape(s["due"]) if s["due"] else ""})'
        f'<br>{escape(s["criterion"])}'
        + (f"<br><em>Stage unknown: {escape(s['reason'])}</em>" if s["reason"] else "")
        + "<ul>" + "".join(f"<li>{escape(r['text'])}</li>" for r in s["rules"]) + "</ul></li>"
        for s in document["steps"])
    sections = [("radar-section", "Where we are and where we want to be",
                 _radar_section(scan, [target])),
                ("targets", "Targets",
                 '<table><thead><tr><th scope="col">Competency</th><th scope="col">Observed'
                 '</th><th scope="col">Target</th><th scope="col">Owner</th><th scope="col">'
                 f'Due</th><th scope="col">Status</th></tr></thead><tbody>{targets}</tbody>'
                 "</table>"),
                ("steps", "The next cells, lowest first, one stage at a time",
                 f'<ol class="steps">{steps}</ol>' if steps else "<p>Every target is met.</p>"),
                ("heatmap", "The model, cell by cell",
                 _heatmap_section(scan, marks, [("target", "target stage")]))]
    return _shell("Plan: how we get there", sections, _scan_intro(scan))


def _gap(gap: int | None) -> str:
    return "-" if gap is None else f"{gap:+d}"
