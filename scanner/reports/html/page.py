"""The HTML pages: the scan report, self-reported against observed, and the plan.

Each page is one file: the stylesheet and the small script are read from package data and
inlined, the charts are inline SVG, and nothing is fetched, so the file works offline, from
an e-mail attachment or a CI artifact.  The script only adds tooltips and focus handling;
cell details open through #anchors, so the report still works with scripts blocked.
Ids (rules, signals) are shown only with `explain`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from scanner.compare import AGREE, NOT_ANSWERED, NOT_APPLICABLE, NOT_OBSERVABLE, OVER, UNDER
from scanner.model import stage_index
from scanner.reports.html.parts import (
    Context,
    breakable,
    cell_id,
    heatmap_section,
    radar_section,
    rule_id,
    scan_intro,
    shell,
    wide,
)
from scanner.reports.html.svg import Series
from scanner.reports.html.trend import trend
from scanner.reports.view import score_text, stage_name
from scanner.survey.questions import answer_name

# The verdicts that name a disagreement, in the order the compare page tells them.
DISAGREEMENTS = (OVER, UNDER)


@dataclass(frozen=True)
class Trend:
    """Scores of earlier scans of the same configuration, oldest first, and when each ran."""

    times: tuple[datetime, ...]
    lines: tuple[Series, ...]


def _entities_section(ctx: Context) -> str:
    repositories = ctx.view.repositories()
    if not repositories:
        entities = ", ".join(ctx.name(e["id"]) for e in ctx.scan["entities"])
        return f"<p>{escape(entities) or 'Nothing was scanned.'}</p>"
    competencies = ctx.scan["competencies"]
    head = "".join(f'<th scope="col">{escape(c["name"])}</th>' for c in competencies)
    rows = []
    for name, summary in repositories:
        cells = "".join(f"<td>{stage_name(summary['competencies'].get(c['id']))}</td>"
                        for c in competencies)
        services = "".join(f"<li>{breakable(ctx.name(s))}</li>" for s in summary["services"])
        rows.append(f'<tr><th scope="row"><details><summary>{breakable(name)}</summary>'
                    f'<code>{breakable(summary["entity"])}</code><ul>{services}</ul></details>'
                    f"</th><td>{stage_name(summary['overall']['stage'])} "
                    f"({score_text(summary['overall']['score'])})</td>{cells}</tr>")
    return wide(f'<table class="entities"><thead><tr><th scope="col">Repository</th>'
                f'<th scope="col">Overall</th>{head}</tr></thead>'
                f"<tbody>{''.join(rows)}</tbody></table>", "By repository")


def _list_section(lines: list[str], empty: str) -> str:
    if not lines:
        return f"<p>{escape(empty)}</p>"
    return "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"


def _problems_section(ctx: Context) -> str:
    """Errors, warnings and gates, each marked by its kind in words and in colour."""
    problems = ctx.scan["scan"].get("errors", []) + ctx.scan["scan"].get("warnings", [])
    items = []
    for problem, line in zip(problems, ctx.view.problems(), strict=True):
        kind, _, text = line.partition(": ")
        if kind != problem["severity"]:
            kind, text = problem["severity"], line
        items.append((kind, text))
    for gate, line in zip(ctx.scan.get("gates") or [], ctx.view.gates(), strict=True):
        items.append(("passed" if gate["passed"] else "error", line))
    if not items:
        return "<p>None: the scan was complete.</p>"
    return '<ul class="problems">' + "".join(
        f'<li class="problem {escape(kind)}"><span class="badge">{escape(kind)}</span> '
        f"{escape(text)}</li>" for kind, text in items) + "</ul>"


def render_scan_html(scan: dict[str, Any], history: Trend | None = None, *,
                     explain: bool = False) -> str:
    ctx = Context.of(scan, explain)
    sections = [("radar-section", "Where we are", radar_section(scan, ())),
                ("heatmap", "The model, cell by cell", heatmap_section(ctx, {}, ())),
                ("entities", "By repository or account", _entities_section(ctx)),
                ("waivers", "Waivers", _list_section(ctx.view.waivers(), "No waivers.")),
                ("problems", "Errors and warnings", _problems_section(ctx))]
    if history is not None:
        chart = trend("Scores over the stored scans of this configuration", history.times,
                      history.lines)
        sections.insert(1, ("trend", "Over time",
                            f'{chart}<p class="note">Scans are '
                            "placed by the time they ran; hover over a point for its "
                            "time and score.</p>"))
    return shell("DevSecOps maturity", sections, scan_intro(ctx))


def _gap(gap: int | None) -> str:
    return "-" if gap is None else f"{gap:+d}"


def _stages(gap: int | None) -> str:
    size = abs(gap or 0)
    return f"by {size} stage{'s' if size != 1 else ''}" if size else ""


def _disagreement(ctx: Context, cell: dict[str, Any]) -> str:
    findings = "".join(
        f"<li>{escape(e['text'])}{rule_id(ctx, e.get('rule', ''))}"
        + "".join(f"<br><code>{breakable(loc)}</code>" for loc in e["locators"][:3])
        + "</li>" for e in cell["evidence"])
    verdict = cell["verdict"]
    return (f'<li class="disagreement {escape(verdict)}"><h3><a href="#'
            f'{cell_id(cell["id"], cell["self"] or cell["observed"])}">{escape(cell["name"])}'
            f'</a> <span class="verdict">{escape(verdict)} {_stages(cell["gap"])}</span></h3>'
            f"<p>You answered {answer_name(cell['self'])}; the scan observed "
            f"{stage_name(cell['observed'], cell['lower_bound'])}.</p>"
            + (f'<details><summary>Why the scan says so ({len(cell["evidence"])} '
               f'finding{"s" if len(cell["evidence"]) != 1 else ""})</summary>'
               f"<ul>{findings}</ul></details>" if findings else "")
            + "</li>")


def _compare_summary(document: dict[str, Any]) -> str:
    counts = document["summary"]
    total = sum(counts.values())
    answered = total - counts.get(NOT_ANSWERED, 0)
    said = [f"{counts.get(OVER, 0)} over-rated (answered above what the scan observed)",
            f"{counts.get(UNDER, 0)} under-rated (answered below it)",
            f"{counts.get(AGREE, 0)} agree"]
    if counts.get(NOT_OBSERVABLE):
        said.append(f"{counts[NOT_OBSERVABLE]} the scan could not judge")
    if counts.get(NOT_APPLICABLE):
        said.append(f"{counts[NOT_APPLICABLE]} do not apply to what was scanned")
    return (f'<p class="summary">Answered {answered} of {total} sub-competencies: '
            f"{escape('; '.join(said))}.</p>")


def _verdicts_table(document: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr><td><a href="#{cell_id(c["id"], c["self"] or c["observed"])}">'
        f'{escape(c["name"])}</a></td><td>{answer_name(c["self"])}</td>'
        f"<td>{stage_name(c['observed'], c['lower_bound'])}</td><td>{_gap(c['gap'])}</td>"
        f'<td class="verdict-{c["verdict"].replace(" ", "-")}">{escape(c["verdict"])}</td>'
        f"<td>{escape(c['explanation'])}</td></tr>" for c in document["cells"])
    return ("<details><summary>Every sub-competency as a table</summary>"
            + wide('<table class="compare"><thead><tr><th scope="col">Sub-competency</th>'
                   '<th scope="col">Self</th><th scope="col">Observed</th><th scope="col">'
                   'Gap</th><th scope="col">Verdict</th><th scope="col">Why</th></tr></thead>'
                   f"<tbody>{rows}</tbody></table>", "Every sub-competency")
            + "</details>")


def render_compare_html(document: dict[str, Any], scan: dict[str, Any], *,
                        explain: bool = False) -> str:
    ctx = Context.of(scan, explain)
    claimed = Series("Self-reported (" + ", ".join(document["respondents"]) + ")", "self",
                     tuple(c["self_score"] for c in document["competencies"]))
    marks = {c["id"]: [("self", c["self"])] for c in document["cells"] if c["self"]}
    # over-rated first (the risk), then under-rated; the biggest gap first within each
    disagreements = sorted((c for c in document["cells"] if c["verdict"] in DISAGREEMENTS),
                           key=lambda c: (DISAGREEMENTS.index(c["verdict"]), -abs(c["gap"] or 0)))
    unjudged = [c for c in document["cells"] if c["self"] and c["verdict"] == NOT_OBSERVABLE]
    lead = _compare_summary(document) + (
        '<ol class="disagreements">' + "".join(_disagreement(ctx, c) for c in disagreements)
        + "</ol>" if disagreements else "<p>No disagreements: every answer the scan could "
        "judge matches what it observed.</p>")
    if unjudged:
        lead += ("<p>Answered, but the scan could not judge: " + escape(", ".join(
            f"{c['name']} (you answered {answer_name(c['self'])})" for c in unjudged))
            + ".</p>")
    sections = [("verdicts", "Where the answers and the scan disagree",
                 lead + _verdicts_table(document)),
                ("radar-section", "Scores per competency", radar_section(scan, [claimed])),
                ("heatmap", "The model, cell by cell",
                 heatmap_section(ctx, marks, [("self", "self-reported stage")]))]
    who = ", ".join(document["respondents"])
    return shell("Self-reported against observed", sections,
                 scan_intro(ctx, f"Answers of {who}, against the scan below."))


def _step_rule(ctx: Context, rule: dict[str, Any]) -> str:
    signals = ", ".join(rule.get("missing_signals") or [])
    return (f"<li>{escape(rule['text'])}{rule_id(ctx, rule.get('rule', ''))}"
            + (f' <code class="signal">{breakable(signals)}</code>'
               if ctx.explain and signals else "") + "</li>")


def render_plan_html(document: dict[str, Any], scan: dict[str, Any], *,
                     explain: bool = False) -> str:
    ctx = Context.of(scan, explain)
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
        f'<a href="#{cell_id(s["id"], s["stage"])}">{stage_name(s["stage"])}</a> '
        f'({escape(s["owner"] or "no owner")}{", " + escape(s["due"]) if s["due"] else ""})'
        f'<br>{escape(s["criterion"])}'
        + (f"<br><em>Stage unknown: {escape(s['reason'])}</em>" if s["reason"] else "")
        + "<ul>" + "".join(_step_rule(ctx, r) for r in s["rules"]) + "</ul></li>"
        for s in document["steps"])
    sections = [("radar-section", "Where we are and where we want to be",
                 radar_section(scan, [target])),
                ("targets", "Targets",
                 wide('<table><thead><tr><th scope="col">Competency</th><th scope="col">'
                      'Observed</th><th scope="col">Target</th><th scope="col">Owner</th>'
                      '<th scope="col">Due</th><th scope="col">Status</th></tr></thead>'
                      f"<tbody>{targets}</tbody></table>", "Targets")),
                ("steps", "The next cells, lowest first, one stage at a time",
                 f'<ol class="steps">{steps}</ol>' if steps else "<p>Every target is met.</p>"),
                ("heatmap", "The model, cell by cell",
                 heatmap_section(ctx, marks, [("target", "target stage")]))]
    return shell("Plan: how we get there", sections, scan_intro(ctx))
