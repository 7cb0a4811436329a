"""The model as data: the public ids, four stages, every cell worded, user models."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scanner.errors import FileProblem
from scanner.model import STAGES, default_model_path, load_model

PUBLIC_IDS = {
    "people_culture": ["communication", "onboarding", "accountability", "team_health"],
    "plan_develop": ["risk_assessment", "technical_debt", "prioritization", "code_validation"],
    "build_test": ["test_automation", "code_scanning", "build_validation", "quality_assurance"],
    "release_deploy": ["deployment_automation", "deployment_strategy", "deployment_validation",
                       "deployment_remediation"],
    "operate": ["platform_management", "capacity_planning", "scaling", "reliability",
                "resiliency_testing", "patching", "disaster_recovery"],
    "observe_respond": ["slos", "vulnerability_scanning", "security_monitoring",
                        "user_experience", "data_model", "incident_management", "post_mortems"],
}


def test_the_shipped_model_keeps_the_public_ids() -> None:
    model = load_model()
    assert {c.id: [s.id for s in c.subcompetencies] for c in model.competencies} == PUBLIC_IDS
    assert model.name and model.version
    assert "white paper" in model.source["title"]
    for sub in model.all_subcompetencies():
        assert set(sub.cells) == set(STAGES)
        assert all(len(text) > 20 for text in sub.cells.values()), sub.full_id
        assert sub.question and set(sub.answers) == set(STAGES)


def test_a_user_model_with_another_name_and_version(tmp_path: Path) -> None:
    data = yaml.safe_load(default_model_path().read_text())
    data["name"], data["version"] = "Acme model", "2027.1"
    data["competencies"] = data["competencies"][:1]
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(data))
    model = load_model(path)
    assert (model.name, model.version, len(model.competencies)) == ("Acme model", "2027.1", 1)


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["stages"].pop(), "stages must be exactly beginner"),
    (lambda d: d["competencies"][0]["subcompetencies"][0]["cells"].pop("expert"),
     "competency 'people_culture': field subcompetencies[0].cells.expert: missing"),
    (lambda d: d["competencies"][1].update(id="people_culture"),
     "duplicate competency id 'people_culture'"),
    (lambda d: d.update(colour="blue"), "field colour: unknown key"),
])
def test_a_broken_model_is_one_line(tmp_path: Path, change: object, expected: str) -> None:
    data = yaml.safe_load(default_model_path().read_text())
    change(data)  # type: ignore[operator]
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(FileProblem) as caught:
        load_model(path)
    assert expected in str(caught.value) and "\n" not in str(caught.value)
