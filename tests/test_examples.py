"""The ready-made schedules in examples/ call the command with options it has."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from scanner.cli import build_parser

EXAMPLES = Path(__file__).parent.parent / "examples"
# A `maturity` command up to a shell operator (;, &&, ||, a redirection) or the line's end.
COMMAND = re.compile(r"\bmaturity (?:scan|report|diff|history|prune)\b[^;&|>\n]*")


def commands(text: str) -> list[list[str]]:
    text = text.replace("\\\n", " ")
    return [shlex.split(found) for found in COMMAND.findall(text)]


def shell_text(path: Path) -> str:
    """The shell in an example: a crontab's lines, or every string of a YAML file."""
    if path.suffix not in {".yml", ".yaml"}:
        return "\n".join(line for line in path.read_text().splitlines()
                         if not line.startswith("#"))
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, str):
            found.append(node)

    walk(yaml.safe_load(path.read_text()))
    return "\n".join(found)


@pytest.mark.parametrize("name", ["cron/maturity.cron", "github-actions/maturity-scan.yml",
                                  "kubernetes/cronjob.yaml"])
def test_example_commands_parse(name: str) -> None:
    found = commands(shell_text(EXAMPLES / name))
    assert any(argv[1] == "scan" and "--fail-on-regression" in argv for argv in found), found
    for argv in found:
        build_parser().parse_args(argv[1:])  # raises on an unknown option or choice
