"""The maturity model as data: competencies, sub-competencies, stages, cells.

The default model ships as `model.yaml` inside the package; a user may point
to another file (the paper asks for models to be kept current), as long as it
keeps the four stages the scorer is built on.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from scanner import validate as v

STAGES: tuple[str, ...] = ("beginner", "intermediate", "advanced", "expert")
UNKNOWN = "unknown"  # could not be judged: evidence is missing
NOT_APPLICABLE = "not_applicable"  # nothing scanned is of the kind the cells speak of
STAGE_NAMES = {
    "beginner": "Beginner",
    "intermediate": "Intermediate",
    "advanced": "Advanced",
    "expert": "Expert",
    UNKNOWN: "Unknown",
    NOT_APPLICABLE: "Not applicable",
}


def stage_index(stage: str) -> int:
    """beginner -> 1 ... expert -> 4; unknown and not applicable -> 0."""
    return STAGES.index(stage) + 1 if stage in STAGES else 0


@dataclass(frozen=True)
class SubCompetency:
    id: str
    competency: str
    name: str
    summary: str
    cells: dict[str, str]
    question: str | None
    answers: dict[str, str]

    @property
    def full_id(self) -> str:
        return f"{self.competency}.{self.id}"


@dataclass(frozen=True)
class Competency:
    id: str
    name: str
    summary: str
    subcompetencies: tuple[SubCompetency, ...]


@dataclass(frozen=True)
class Model:
    name: str
    version: str
    source: dict[str, str]
    stage_summaries: dict[str, str]
    competencies: tuple[Competency, ...]
    path: str

    def subcompetency(self, full_id: str) -> SubCompetency | None:
        competency_id, _, sub_id = full_id.partition(".")
        for competency in self.competencies:
            if competency.id == competency_id:
                for sub in competency.subcompetencies:
                    if sub.id == sub_id:
                        return sub
        return None

    def all_subcompetencies(self) -> list[SubCompetency]:
        return [sub for competency in self.competencies for sub in competency.subcompetencies]

    def competency(self, competency_id: str) -> Competency | None:
        return next((c for c in self.competencies if c.id == competency_id), None)


def default_model_path() -> Path:
    return Path(str(resources.files("scanner").joinpath("model.yaml")))


def load_model(path: Path | None = None) -> Model:
    model_path = path or default_model_path()
    data = v.read_yaml_file(model_path)
    return parse_model(data, str(model_path))


def parse_model(data: Any, path: str) -> Model:
    where = v.Where(path)
    top = v.mapping(data, where, "a model mapping (name, version, stages, competencies)")
    v.keys(top, where, required=("name", "version", "stages", "competencies"),
           optional=("source",))
    source = {
        str(k): v.text(val, where.at("source").at(str(k)))
        for k, val in v.mapping(top.get("source") or {}, where.at("source")).items()
    }
    stage_summaries = _parse_stages(top["stages"], where.at("stages"))
    competencies: list[Competency] = []
    seen: set[str] = set()
    for index, raw in enumerate(v.sequence(top["competencies"], where.at("competencies"))):
        competency = _parse_competency(raw, where.at("competencies").at(index), seen)
        competencies.append(competency)
    if not competencies:
        raise where.at("competencies").problem("a model needs at least one competency")
    return Model(
        name=v.text(top["name"], where.at("name")),
        version=v.text(top["version"], where.at("version")),
        source=source,
        stage_summaries=stage_summaries,
        competencies=tuple(competencies),
        path=path,
    )


def _parse_stages(raw: Any, where: v.Where) -> dict[str, str]:
    summaries: dict[str, str] = {}
    for index, item in enumerate(v.sequence(raw, where)):
        here = where.at(index)
        entry = v.mapping(item, here)
        v.keys(entry, here, required=("id", "name"), optional=("summary",))
        summaries[v.text(entry["id"], here.at("id"))] = str(entry.get("summary") or "")
    if tuple(summaries) != STAGES:
        raise where.problem(f"stages must be exactly {', '.join(STAGES)} in that order; "
                            f"found {', '.join(summaries) or 'none'}")
    return summaries


def _parse_competency(raw: Any, where: v.Where, seen: set[str]) -> Competency:
    entry = v.mapping(raw, where)
    v.keys(entry, where, required=("id", "name", "subcompetencies"), optional=("summary",))
    competency_id = v.text(entry["id"], where.at("id"))
    if competency_id in seen:
        raise where.at("id").problem(f"duplicate competency id '{competency_id}'")
    seen.add(competency_id)
    here = where.for_item(f"competency '{competency_id}'")
    subs: list[SubCompetency] = []
    sub_ids: set[str] = set()
    for index, raw_sub in enumerate(v.sequence(entry["subcompetencies"],
                                               here.at("subcompetencies"))):
        sub_where = here.at("subcompetencies").at(index)
        sub = v.mapping(raw_sub, sub_where)
        v.keys(sub, sub_where, required=("id", "name", "cells"),
               optional=("summary", "question", "answers"))
        sub_id = v.text(sub["id"], sub_where.at("id"))
        if sub_id in sub_ids:
            raise sub_where.at("id").problem(f"duplicate sub-competency id '{sub_id}'")
        sub_ids.add(sub_id)
        subs.append(SubCompetency(
            id=sub_id,
            competency=competency_id,
            name=v.text(sub["name"], sub_where.at("name")),
            summary=str(sub.get("summary") or ""),
            cells=_stage_texts(sub["cells"], sub_where.at("cells"), required=True),
            question=str(sub["question"]) if sub.get("question") else None,
            answers=_stage_texts(sub.get("answers") or {}, sub_where.at("answers"),
                                 required=False),
        ))
    return Competency(competency_id, v.text(entry["name"], here.at("name")),
                      str(entry.get("summary") or ""), tuple(subs))


def _stage_texts(raw: Any, where: v.Where, *, required: bool) -> dict[str, str]:
    entry = v.mapping(raw, where)
    v.keys(entry, where, required=STAGES if required else (), optional=STAGES)
    return {stage: v.text(entry[stage], where.at(stage)) for stage in STAGES if stage in entry}
