"""YAML from repositories and users is hostile: values a tag cannot make stay the text
they are, alias bombs are refused before anything walks them, and nothing but a
YamlError leaves the loader."""

from __future__ import annotations

from datetime import date

import pytest

from scanner.yaml_source import MAX_EXPANDED_NODES, YamlError, load_yaml, load_yaml_documents


@pytest.mark.parametrize(("text", "value"), [
    ("x: 2027-02-30", "2027-02-30"),  # no such day
    ("x: 2027-13-01", "2027-13-01"),
    ("x: 2027-01-01 25:00:00", "2027-01-01 25:00:00"),
    ("x: !!int forty", "forty"),
    ("x: !!float abc", "abc"),
    ("x: !!bool maybe", "maybe"),
    ("x: !!binary zz", "zz"),
    ("x: !!timestamp soon", "soon"),
    ("x: !!int [1, 2]", [1, 2]),
    ("x: !!str {a: 1}", {"a": 1}),
    ("x: !!int " + "9" * 5000, "9" * 5000),  # over Python's digit limit for int()
])
def test_a_value_a_tag_cannot_make_stays_as_written(text: str, value: object) -> None:
    assert load_yaml(text) == {"x": value}


def test_real_values_are_still_made() -> None:
    assert load_yaml("a: 2027-05-01\nb: 12\nc: !!str 12\nd: true\non: push\n") == {
        "a": date(2027, 5, 1), "b": 12, "c": "12", "d": True, "on": "push"}


def _bomb(levels: int, uses: int = 1) -> str:
    lines = ["x:", '  l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        lines.append(f"  l{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * 9) + "]")
    lines += [f"use{n}: *l{levels - 1}" for n in range(uses)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_it_is_walked() -> None:
    with pytest.raises(YamlError, match="aliases expand to more than"):
        load_yaml(_bomb(9))  # 9**9 values once expanded
    with pytest.raises(YamlError, match="aliases expand"):
        load_yaml_documents("a: 1\n---\n" + _bomb(9))


def test_anchors_that_stay_small_load() -> None:
    loaded = load_yaml(_bomb(5, uses=4))  # 9**5 values, four times: about 240,000
    assert len(loaded["use3"]) == 9
    assert MAX_EXPANDED_NODES > 4 * 9 ** 5


def test_a_redefined_anchor_is_budgeted_too() -> None:
    """The pure-Python loader that accepts redefined anchors counts expansion as well."""
    text = "a: &a 1\na: &a 2\n" + _bomb(9)
    with pytest.raises(YamlError, match="aliases expand"):
        load_yaml(text)


def test_a_value_that_holds_itself_is_refused() -> None:
    with pytest.raises(YamlError):
        load_yaml("a: &a [1, *a]\n")
