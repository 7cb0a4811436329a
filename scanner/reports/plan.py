"""The plan as a document (JSON) and as a table or Markdown: targets, then the steps."""

from __future__ import annotations

from typing import Any

from scanner.plan import Plan, RuleGap
from scanner.reports.view import DocumentView, score_text, stage_name

MAX_NAMED = 8


def plan_document(plan: Plan, scan: dict[str, Any]) -> dict[str, Any]:
    names = DocumentView(scan).names
    return {
        "kind": "plan",
        "scan": {"id": scan["scan"]["id"], "finished_at": scan["scan"]["finished_at"]},
        "model": scan["model"],
        "targets": [{
            "competency": s.competency, "name": s.name, "observed": s.observed,
            "score": s.score, "target": s.target, "owner": s.owner, "due": s.due,
            "met": s.met, "below_observed": s.below_observed,
            "note": _note(s.name, s.observed, s.target, s.met, s.below_observed),
        } for s in plan.standings],
        "steps": [{
            "order": number, "id": step.sub_id, "competency": step.competency,
            "name": step.name, "observed": step.observed, "from": step.start,
            "stage": step.stage, "reason": step.reason,
            "criterion": step.criterion, "owner": step.owner, "due": step.due,
            "rules": [_gap(gap, names) for gap in step.gaps],
        } for number, step in enumerate(plan.steps, start=1)],
    }


def _note(name: str, observed: str, target: str, met: bool, below: bool) -> str:
    if below:
        return (f"{name}: the target {stage_name(target)} is below the observed "
                f"{stage_name(observed)}; nothing to do there")
    if met:
        return f"{name}: target {stage_name(target)} met"
    return f"{name}: {stage_name(observed)} now, target {stage_name(target)}"


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


def render_plan_table(document: dict[str, Any]) -> str:
    lines = [f"Plan from scan {document['scan']['id']}", "",
             f"{'Competency':<22} {'Observed':<13} {'Score':>5}  {'Target':<13} Owner, due"]
    for target in document["targets"]:
        state = "met" if target["met"] else ""
        lines.append(f"{target['name']:<22} {stage_name(target['observed']):<13} "
                     f"{score_text(target['score']):>5}  {stage_name(target['target']):<13} "
                     f"{_owner(target)}  {state}".rstrip())
        if target["below_observed"]:
            lines.append(f"  note: {target['note']}")
    lines += ["", "Next cells, in order (lowest first, one stage at a time):"]
    if not document["steps"]:
        lines.append("  none: every target is met")
    for step in document["steps"]:
        lines.append(f"{step['order']:>3}. {step['name']}: {stage_name(step['from'])} -> "
                     f"{stage_name(step['stage'])}  ({_owner(step)})")
        lines.append(f"     {step['criterion']}")
        if step["reason"]:
            lines.append(f"     ? stage unknown: {step['reason']}")
        lines += [f"     - {rule['text']}" for rule in step["rules"]]
    return "\n".join(lines) + "\n"


def render_plan_markdown(document: dict[str, Any]) -> str:
    lines = ["# Plan: the next cells", "", f"From scan `{document['scan']['id']}`.", "",
             "| Competency | Observed | Target | Owner | Due | Status |",
             "|---|---|---|---|---|---|"]
    for target in document["targets"]:
        status = "below observed" if target["below_observed"] else \
            "met" if target["met"] else "to do"
        lines.append(f"| {target['name']} | {stage_name(target['observed'])} | "
                     f"{stage_name(target['target'])} | {target['owner'] or '-'} | "
                     f"{target['due'] or '-'} | {status} |")
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
