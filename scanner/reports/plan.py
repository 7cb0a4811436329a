"""The plan as a document (JSON) and as a table or Markdown: targets, then the steps."""

from __future__ import annotations

from typing import Any

from scanner.plan import (
    BELOW_OBSERVED,
    MEANING,
    MET,
    NOT_APPLICABLE_STATUS,
    Plan,
    RuleGap,
    Standing,
)
from scanner.reports.leaders import (
    Column,
    columns,
    markdown_scan,
    scan_heading,
    scan_section,
    wrap,
)
from scanner.reports.table import terminal_width
from scanner.reports.view import DocumentView, stage_name

MAX_NAMED = 8


def plan_document(plan: Plan, scan: dict[str, Any],
                  config_file: str | None = None) -> dict[str, Any]:
    names = DocumentView(scan).names
    return {
        "kind": "plan",
        "scan": scan_section(scan, config_file),
        "model": scan["model"],
        "meaning": dict(MEANING),
        "targets": [{
            "competency": s.competency, "name": s.name, "observed": s.observed,
            "score": s.score, "target": s.target, "owner": s.owner, "due": s.due,
            "status": s.status, "met": s.met, "below_observed": s.below_observed,
            "applicable": s.applicable, "at_target": s.at_target, "unknown": s.unknown,
            "note": _note(s),
        } for s in plan.standings],
        "untargeted": [{"competency": competency, "name": name}
                       for competency, name in plan.untargeted],
        "steps": [{
            "order": number, "id": step.sub_id, "competency": step.competency,
            "name": step.name, "observed": step.observed, "from": step.start,
            "stage": step.stage, "reason": step.reason,
            "criterion": step.criterion, "owner": step.owner, "due": step.due,
            "rules": [_gap(gap, names) for gap in step.gaps],
        } for number, step in enumerate(plan.steps, start=1)],
    }


def _note(standing: Standing) -> str:
    name, target = standing.name, stage_name(standing.target)
    if standing.status == NOT_APPLICABLE_STATUS:
        return f"{name}: none of its sub-competencies applies to what was scanned"
    if standing.status == BELOW_OBSERVED:
        return (f"{name}: the target {target} is below the observed "
                f"{stage_name(standing.observed)}; nothing to do there")
    if standing.status == MET:
        return f"{name}: target {target} met by all {standing.applicable} sub-competencies " \
               "that apply"
    unknown = f"; {standing.unknown} could not be judged" if standing.unknown else ""
    reached = _at_target(standing.at_target, standing.applicable)
    return f"{name}: target {target} not met: {reached} at {target} or above{unknown}"


def _at_target(at_target: int, applicable: int) -> str:
    return f"{at_target} of {applicable}"


def _named(entities: tuple[str, ...], names: dict[str, str]) -> str:
    shown = [names.get(e, e) for e in entities[:MAX_NAMED]]
    more = len(entities) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _gap(gap: RuleGap, names: dict[str, str]) -> dict[str, Any]:
    if gap.lacking:
        text = f"{gap.summary}: lacking in {_named(gap.lacking, names)} ({gap.message})"
    elif gap.missing_signals or gap.unknown:
        # which data would settle it is in the JSON (`missing_signals`) and `--explain`
        text = f"{gap.summary}: not known yet ({gap.message})"
    else:
        text = f"{gap.summary}: {gap.message}"
    if gap.remedy and gap.outcome == "fail":
        text += f". To do: {gap.remedy}"
    return {"rule": gap.rule, "summary": gap.summary, "outcome": gap.outcome,
            "message": gap.message, "lacking": list(gap.lacking), "unknown": list(gap.unknown),
            "missing_signals": list(gap.missing_signals), "remedy": gap.remedy, "text": text}


def _owner(item: dict[str, Any]) -> str:
    parts = [item["owner"] or "no owner", item["due"] or ""]
    return ", ".join(p for p in parts if p)


def _meanings(document: dict[str, Any]) -> list[tuple[str, str]]:
    """What "met" means, always, and what each other status shown means."""
    shown = {target["status"] for target in document["targets"]}
    return [(status, meaning) for status, meaning in document["meaning"].items()
            if status == MET or status in shown]


def render_plan_table(document: dict[str, Any], width: int | None = None) -> str:
    width = width or terminal_width()
    targets = document["targets"]
    lines = [f"Plan for {len(targets)} {'competency' if len(targets) == 1 else 'competencies'}"
             " with a target, from:"]
    lines += [*scan_heading(document["scan"], width), ""]
    lines += columns(
        (Column("Competency"), Column("Observed"), Column("Target"), Column("Status"),
         Column("At target"), Column("Owner, due")),
        [(t["name"], stage_name(t["observed"]), stage_name(t["target"]), t["status"],
          _at_target(t["at_target"], t["applicable"]), _owner(t)) for t in targets], width)
    lines.append("")
    for status, meaning in _meanings(document):
        lines += wrap(f"{status.capitalize()}: {meaning}.", width, "", "  ")
    if document["untargeted"]:
        lines += wrap("No target, so not planned: "
                      + ", ".join(c["name"] for c in document["untargeted"]) + ".",
                      width, "", "  ")
    lines += ["", "Next cells, in order (lowest first, one stage at a time):"]
    if not document["steps"]:
        lines.append("  none: every target is met")
    for step in document["steps"]:
        lines += wrap(f"{step['name']}: {stage_name(step['from'])} -> "
                      f"{stage_name(step['stage'])}  ({_owner(step)})", width,
                      f"{step['order']:>3}. ", " " * 5)
        lines += wrap(step["criterion"], width, " " * 5)
        if step["reason"]:
            lines += wrap(f"? stage unknown: {step['reason']}", width, " " * 5, " " * 7)
        for rule in step["rules"]:
            lines += wrap(rule["text"], width, "     - ", " " * 7)
    return "\n".join(lines) + "\n"


def render_plan_markdown(document: dict[str, Any]) -> str:
    lines = ["# Plan: the next cells", "", f"From {markdown_scan(document['scan'])}.", "",
             "| Competency | Observed | Target | Status | At target | Owner | Due |",
             "|---|---|---|---|---|---|---|"]
    for target in document["targets"]:
        lines.append(f"| {target['name']} | {stage_name(target['observed'])} | "
                     f"{stage_name(target['target'])} | {target['status']} | "
                     f"{_at_target(target['at_target'], target['applicable'])} | "
                     f"{target['owner'] or '-'} | {target['due'] or '-'} |")
    lines.append("")
    lines += [f"- **{status.capitalize()}**: {meaning}." for status, meaning in
              _meanings(document)]
    if document["untargeted"]:
        lines.append("- **No target**, so not planned: "
                     + ", ".join(c["name"] for c in document["untargeted"]) + ".")
    lines += ["", "## Steps (lowest first, one stage at a time)", ""]
    if not document["steps"]:
        lines.append("Every target is met.")
    for step in document["steps"]:
        lines.append(f"{step['order']}. **{step['name']}**: {stage_name(step['from'])} → "
                     f"{stage_name(step['stage'])} ({_owner(step)}): {step['criterion']}")
        if step["reason"]:
            lines.append(f"   - stage unknown: {step['reason']}")
        lines += [f"   - {rule['text']}" for rule in step["rules"]]
    return "\n".join(lines) + "\n"

