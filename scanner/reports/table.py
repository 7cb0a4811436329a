"""The terminal report.

By default it fits a screen: per sub-competency one line (stage, confidence, the strongest
evidence or why there is no stage) and one next step. `detail` adds every reason and
every open requirement; `explain` adds rule and signal ids to those. Text is wrapped to
the terminal's width.
"""

from __future__ import annotations

import shutil
import textwrap
from typing import Any

from scanner.model import NOT_APPLICABLE, STAGES
from scanner.reports.brief import Brief, brief, ids_line, settle_lines
from scanner.reports.view import DocumentView, SubView, percent, score_text, stage_name

NAME_WIDTH = 30
STAGE_WIDTH = 15
STAGE_SHORT = {"beginner": "Beg", "intermediate": "Int", "advanced": "Adv", "expert": "Exp",
               "unknown": "?", "not_applicable": "n/a"}


def terminal_width() -> int:
    return max(80, min(160, shutil.get_terminal_size((110, 24)).columns))


def render_table(document: dict[str, Any], width: int | None = None, *, detail: bool = False,
                 explain: bool = False) -> str:
    width = width or terminal_width()
    detail = detail or explain
    view = DocumentView(document)
    lines = [*view.heading()]
    subs = [item for _, items in view.subs() for item in items]
    not_applicable = sum(1 for item in subs if item.stage == NOT_APPLICABLE)
    if not_applicable:
        lines.append(f"{not_applicable} of {len(subs)} sub-competencies do not apply to what "
                     "was scanned; they are left out of the scores.")
    problems = view.problems()
    if problems:  # a skipped file or a refused request is often why a cell is unknown
        lines += ["", "Read with care:"]
        for problem in problems:
            lines += _wrap(problem, width, "  ", "    ")
    names = NAME_WIDTH
    lines += ["", f"{'':<{names}}{'Stage':<{STAGE_WIDTH}}{'Conf':>5}  "
                  "Evidence, then the next step"]
    briefs: list[tuple[str, Brief]] = []
    for competency, items in view.subs():
        said_of = [brief(sub, item) for sub, item in zip(competency["subcompetencies"], items,
                                                          strict=True)]
        briefs += [(item.name, said) for item, said in zip(items, said_of, strict=True)]
        if competency["stage"] == NOT_APPLICABLE and not detail:
            # one line for the whole competency: each of its rows would say the same
            lines.append(f"{competency['name']:<{names}}{stage_name(NOT_APPLICABLE):<{STAGE_WIDTH}}"
                         f"{'-':>5}  {said_of[0].headline}")
            continue
        lines.append(f"{competency['name']:<{names}}"
                     f"{stage_name(competency['stage']):<{STAGE_WIDTH}}"
                     f"{percent(competency['confidence']):>5}  "
                     f"score {score_text(competency['score'])} of 4")
        for sub, item, said in zip(competency["subcompetencies"], items, said_of, strict=True):
            lines += _sub_lines(sub, item, said, width, names, detail=detail, explain=explain)
    lines += _repositories(view, document, width)
    waivers = view.waivers()
    if waivers:
        lines += ["", "Waivers"]
        for waiver in waivers:
            lines += _wrap(waiver, width, "  ", "    ")
    gates = view.gates()
    if gates:
        lines += ["", "Gates", *(f"  {gate}" for gate in gates)]
    settle = settle_lines(briefs)
    if settle:
        lines.append("")
        lines += [_cut(line, width) for line in settle] if not detail else \
            [wrapped for line in settle for wrapped in _wrap(line, width, "", "  ")]
    if not detail:
        lines += ["", "Every reason and open requirement: `maturity report --detail`; with rule "
                      "and signal ids: `--explain`."]
    return "\n".join(lines).rstrip() + "\n"


def _sub_lines(sub: dict[str, Any], item: SubView, said: Brief, width: int, names: int, *,
               detail: bool, explain: bool) -> list[str]:
    confidence = percent(item.confidence) if item.stage in STAGES else "-"
    lines = []
    name = item.name
    if len(name) > names - 3:  # a long name gets a line of its own; the columns stay
        lines.append(f"  {name}")
        name = ""
    start = (f"  {name:<{names - 2}}"
             f"{stage_name(item.stage, item.lower_bound):<{STAGE_WIDTH}}{confidence:>5}  ")
    if not detail:
        # One line each for the evidence and the next step, cut to the width: the whole
        # of both is behind --detail. At Beginner the next step is the news (what showed
        # Intermediate missing is in --detail), and it can only be Intermediate.
        if item.stage == STAGES[0] and said.step:
            return [*lines, _cut(f"{start}→ {said.step.removeprefix('Intermediate: ')}",
                                 width)]
        if item.stage in STAGES:
            lines.append(_cut(start + said.headline, width))
        else:  # why there is no stage, and what would settle it: never cut
            lines += _wrap(said.headline, width, start, " " * 8)
        if said.step:
            lines.append(_cut(f"{' ' * 6}→ {said.step}", width))
        return lines
    # in detail the reasons below say what the headline would
    shown = said.headline if item.stage not in STAGES else ""
    lines += _wrap(shown, width, start, " " * len(start)) if shown else [start.rstrip()]
    indent = " " * 6
    for backing in item.backing:
        where = f" at {', '.join(backing.locators)}" if backing.locators else ""
        lines += _wrap(f"+ {stage_name(backing.stage)}: {backing.summary} ({backing.detail})"
                       f"{where}", width, indent, indent + "  ")
    if item.next_stage and item.stage in STAGES:
        for missing in item.missing:
            lines += _wrap(f"- for {stage_name(item.next_stage)}: {missing}", width, indent,
                           indent + "  ")
    if explain:
        lines += _wrap("ids: " + ids_line(sub), width, indent, indent + "  ")
    return lines


def _repositories(view: DocumentView, document: dict[str, Any], width: int) -> list[str]:
    repositories = view.repositories()
    if len(repositories) <= 1:
        return []
    names = [competency["name"].split(" ")[0] for competency in document["competencies"]]
    title = "Repository or account"
    first = max(len(title) + 2, min(40, max(len(name) for name, _ in repositories) + 2))
    lines = ["", f"{title:<{first}}{'Overall':<{STAGE_WIDTH}}{'Score':>5}  "
             + " ".join(f"{name[:8]:<8}" for name in names)]
    for name, summary in repositories:
        shown = name if len(name) < first - 1 else name[:first - 2] + "…"
        stages = " ".join(f"{STAGE_SHORT.get(summary['competencies'][c['id']], '?'):<8}"
                          for c in document["competencies"])
        lines.append(f"{shown:<{first}}{stage_name(summary['overall']['stage']):<{STAGE_WIDTH}}"
                     f"{score_text(summary['overall']['score']):>5}  {stages}".rstrip()[:width])
    return lines


def _cut(line: str, width: int) -> str:
    return line if len(line) <= width else line[:width - 1] + "…"


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False) or [first.rstrip()]
