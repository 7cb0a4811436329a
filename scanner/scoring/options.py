"""How stages roll up, as a config sets it: apart from the scorer, so that reading a
config does not load the scorer (and the engine it uses) before a scan has started."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScoringOptions:
    """How stages roll up; documented in config.example.yaml (`scoring:`)."""

    stage_from_score: str = "floor"  # floor | round
    overall_from: str = "competencies"  # competencies | subcompetencies
