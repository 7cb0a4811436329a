"""The next cells from a real scan and targets: order, no leapfrogging, entities lacking."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from scanner.model import stage_index
from scanner.plan import make_plan
from scanner.targets import Target

from gitrepo import GitRepo
from samples import FILES


def test_steps_one_stage_at_a_time_lowest_first(cli: Callable[..., Any],
                                                 make_repo: Callable[..., GitRepo]) -> None:
    good = make_repo(FILES, name="good")
    bare = make_repo({"README.md": "hi\n"}, name="bare")
    scan = json.loads(cli("scan", str(good.root), str(bare.root), "--format", "json",
                          "--no-store").out)
    plan = make_plan(scan, (Target("plan_develop", "expert", "Sam", "2027-Q1"),
                            Target("people_culture", "beginner", None, None)))
    steps = [s for s in plan.steps if s.sub_id == "plan_develop.code_validation"]
    # Observed Intermediate: Advanced, then Expert, never straight to Expert.
    assert [(s.start, s.stage) for s in steps] == [("intermediate", "advanced"),
                                                   ("advanced", "expert")]
    advanced = steps[0]
    assert advanced.owner == "Sam" and advanced.due == "2027-Q1"
    lacking = {e for gap in advanced.gaps for e in gap.lacking}
    assert any(e.endswith("/bare") for e in lacking)
    assert not any(e.endswith("/good") for e in lacking)
    known = [s for s in plan.steps if s.observed != "unknown"]
    assert [stage_index(s.stage) for s in known] == sorted(stage_index(s.stage) for s in known)
    standings = {s.competency: s for s in plan.standings}
    assert standings["people_culture"].met and not standings["plan_develop"].met
    # A Beginner target is met by every sub-competency that applies, known or not.
    people = standings["people_culture"]
    assert people.at_target == people.applicable > 0 and people.status != "not met"
    develop = standings["plan_develop"]
    assert develop.status == "not met"
    # the ones not at target are exactly those with steps
    assert develop.applicable - develop.at_target == len({s.sub_id for s in plan.steps})
    assert [name for _, name in plan.untargeted] == [
        "Build & Test", "Release & Deploy", "Operate", "Observe & Respond"]
    assert all(s.competency == "plan_develop" for s in plan.steps)
