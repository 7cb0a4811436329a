"""With JSON logs chosen (`--log-format json` or MATURITY_LOG_FORMAT=json), every line on
stderr is a JSON object a log shipper can parse: what the command says in passing ("report
written to …", "scan … stored", prune's count), its errors, a usage error, Python's own
warnings; and no progress bar."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitrepo import GitRepo
from samples import FILES

Cli = Callable[..., Any]
# The two ways to ask for JSON lines: the option, or the environment (a CronJob's env).
WAYS = [pytest.param(("--log-format", "json"), {}, id="option"),
        pytest.param((), {"MATURITY_LOG_FORMAT": "json"}, id="environment")]


def json_lines(stderr: str) -> list[dict[str, Any]]:
    lines = stderr.splitlines()
    assert lines, "nothing on stderr"
    parsed = [json.loads(line) for line in lines]  # fails on any line that is not JSON
    for line in parsed:
        assert {"time", "level", "event", "message"} <= line.keys(), line
    return parsed


@pytest.mark.parametrize(("option", "env"), WAYS)
def test_scan_report_and_prune_say_everything_as_json(
        cli: Cli, make_repo: Callable[..., GitRepo], tmp_path: Path,
        option: tuple[str, ...], env: dict[str, str]) -> None:
    repo = make_repo(FILES)
    scan = cli("scan", str(repo.root), "--output", str(tmp_path / "out" / "scan.md"),
               "--format", "markdown", "--progress", *option, env=env)
    assert scan.code == 0, scan.err
    said = {line["event"]: line for line in json_lines(scan.err)}
    assert said.keys() == {"stored", "report_written"}
    assert said["report_written"]["path"] == str(tmp_path / "out" / "scan.md")
    assert said["report_written"]["message"] == f"report written to {tmp_path}/out/scan.md"

    report = cli("report", "--format", "json", "--output", str(tmp_path / "report.json"),
                 *option, env=env)
    assert report.code == 0, report.err
    assert [line["event"] for line in json_lines(report.err)] == ["report_written"]

    prune = cli("prune", "--keep", "1", "--vacuum", *option, env=env)
    assert prune.code == 0, prune.err
    assert [line["event"] for line in json_lines(prune.err)] == ["pruned", "vacuumed"]

    missing = cli("report", "no-such-scan", *option, env=env)
    [error] = json_lines(missing.err)
    assert missing.code == 2 and error["event"] == "error" and error["exit_code"] == 2


@pytest.mark.parametrize(("option", "env"), WAYS)
def test_survey_template_says_it_as_json(cli: Cli, tmp_path: Path, option: tuple[str, ...],
                                         env: dict[str, str]) -> None:
    result = cli("survey", "--template", str(tmp_path / "blank.yaml"), *option, env=env)
    assert result.code == 0, result.err
    assert len(json_lines(result.err)) == 1


def test_a_usage_error_is_json_when_the_environment_asks(cli: Cli) -> None:
    """The environment is read before the arguments, so their own error is a JSON line."""
    result = cli("report", "--no-such-option", env={"MATURITY_LOG_FORMAT": "json"})
    [error] = json_lines(result.err)
    assert result.code == 2 and "unrecognized arguments: --no-such-option" in error["message"]
    text = cli("report", "--no-such-option")
    assert text.err.startswith("maturity: error: unrecognized arguments")


def test_python_warnings_become_json_lines() -> None:
    code = ("import warnings\nfrom scanner.logs import configure\nconfigure('json')\n"
            "warnings.warn('a library complains', DeprecationWarning, stacklevel=1)\n")
    completed = subprocess.run([sys.executable, "-W", "always", "-c", code],
                               capture_output=True, text=True, check=True)
    [line] = json_lines(completed.stderr)
    assert line["event"] == "python_warning" and line["level"] == "warning"
    assert "DeprecationWarning: a library complains" in line["message"]
