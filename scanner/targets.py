"""Targets file: where each competency should be, who owns getting there, and by when.

```yaml
targets:
  build_test: {stage: advanced, owner: Dana, due: 2027-Q2}
  operate: {stage: intermediate, owner: Sam, due: Q1}
```

As in the white paper's planning table, a target is set per competency and applies to each
of its sub-competencies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from scanner import validate as v
from scanner.model import STAGES, Model

_QUARTER = re.compile(r"^(\d{4}-)?Q[1-4]$")


@dataclass(frozen=True)
class Target:
    competency: str
    stage: str
    owner: str | None
    due: str | None  # a quarter: "Q3" or "2027-Q3"


def load_targets(path: Path, model: Model) -> tuple[Target, ...]:
    data = v.read_yaml_file(path)
    where = v.Where(str(path))
    top = v.mapping(data, where, "a mapping with `targets`")
    v.keys(top, where, required=("targets",))
    raw = v.mapping(top["targets"], where.at("targets"),
                    "a mapping of competency id to {stage, owner, due}")
    known = [c.id for c in model.competencies]
    targets: list[Target] = []
    for key, value in raw.items():
        competency = str(key)
        here = where.at("targets").at(competency)
        if competency not in known:
            raise where.at("targets").problem(
                f"unknown competency '{competency}'{v.suggest(competency, known)}; known: "
                f"{', '.join(known)}", v.line_of(raw, key))
        entry = v.mapping(value, here, "a mapping with stage, owner and due")
        v.keys(entry, here, required=("stage",), optional=("owner", "due"))
        stage = v.choice(str(entry["stage"]).lower(), here.at("stage"), STAGES)
        due = str(entry["due"]).upper() if entry.get("due") is not None else None
        if due is not None and not _QUARTER.match(due):
            raise here.at("due").problem(f"'{entry['due']}' is not a quarter; write Q3 or "
                                         "2027-Q3")
        owner = v.text(entry["owner"], here.at("owner")) if entry.get("owner") else None
        targets.append(Target(competency, stage, owner, due))
    if not targets:
        raise where.at("targets").problem("names no competency; nothing to plan")
    return tuple(targets)
