"""The `maturity` command through its real entry point, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitrepo import GitRepo
from samples import FILES

Cli = Callable[..., Any]
MakeRepo = Callable[..., GitRepo]


def no_traceback(result: Any) -> None:
    assert "Traceback" not in result.err and "Traceback" not in result.out


def _verdicts(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(c["id"], s["id"], s["stage"]) for c in document["competencies"]
            for s in c["subcompetencies"]] + [(r["entity"], "", str(r["competencies"]))
                                               for r in document["repositories"]]


def subs(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{c['id']}.{s['id']}": s for c in document["competencies"]
            for s in c["subcompetencies"]}


def test_scan_prints_every_subcompetency_with_evidence(cli: Cli, make_repo: MakeRepo) -> None:
    repo = make_repo(FILES)
    result = cli("scan", str(repo.root))
    no_traceback(result)
    assert result.code == 0, result.err
    for name in ("Communication", "Post-mortems", "Disaster recovery", "Code validation",
                 "Vulnerability & misconfiguration scanning"):
        assert name in result.out
    assert "Overall:" in result.out
    assert ".github/workflows/ci.yml:18" in result.out  # the CodeQL analyze step
    assert "stored in" in result.err


def test_json_report_and_stored_scan(cli: Cli, make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo(FILES)
    result = cli("scan", str(repo.root), "--format", "json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    by_id = subs(document)
    assert len(by_id) == 30
    assert by_id["plan_develop.code_validation"]["stage"] == "expert"
    assert by_id["operate.patching"]["stage"] == "intermediate"  # no dependency scanning
    assert by_id["observe_respond.slos"]["stage"] == "beginner"  # deploys, defines no SLO
    assert by_id["plan_develop.technical_debt"]["stage"] == "unknown"  # one commit: no trend
    scan_id = document["scan"]["id"]
    again = cli("report", scan_id[:12], "--format", "json")
    assert again.code == 0 and json.loads(again.out) == document
    listing = cli("report", "--list")
    assert scan_id in listing.out
    out_file = tmp_path / "reports" / "scan.md"
    markdown = cli("report", "--format", "markdown", "--output", str(out_file))
    assert markdown.code == 0 and out_file.read_text().startswith("# DevSecOps maturity")
    assert "| Code validation | Expert |" in out_file.read_text()


UNUSED_BY_A_LOCAL_SCAN = ("sqlalchemy", "alembic", "scanner.collectors.hosts.github.collector",
                          "scanner.collectors.cloud.aws.collector",
                          "scanner.collectors.monitoring.datadog",
                          # every installed package's metadata, read for plug-ins where
                          # none is declared
                          "importlib.metadata",
                          # one clone is read in a forked copy, not by a pool's worker
                          "multiprocessing")


def test_a_local_scan_without_a_store_loads_neither_a_database_nor_other_sources(
        make_repo: MakeRepo, tmp_path: Path) -> None:
    """SQLAlchemy alone was a sixth of a local scan's time, the other collectors a
    fourteenth: only a scan that stores, or reads those sources, loads them."""
    repo = make_repo(FILES)
    report = tmp_path / "report.txt"
    script = ("import sys\n"
              "from scanner.cli import main\n"
              f"code = main(['scan', '--no-store', {str(repo.root)!r}, '--output', "
              f"{str(report)!r}])\n"
              f"print(code, sorted(m for m in {UNUSED_BY_A_LOCAL_SCAN!r} if m in sys.modules))\n")
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                               check=True, timeout=120)
    assert completed.stdout.strip() == "0 []", completed.stderr
    assert "Overall:" in report.read_text()


def test_with_the_scanners_own_files_kept_parsed_the_judging_process_loads_no_yaml_parser(
        make_repo: MakeRepo, tmp_path: Path) -> None:
    """PyYAML took 0.03 s of the judging process's start; with the model, rules and tool
    catalogue kept parsed in the cache, it parses nothing (the worker reads the CI)."""
    repo = make_repo(FILES)
    script = ("import sys\n"
              "from scanner.cli import main\n"
              f"code = main(['scan', '--no-store', {str(repo.root)!r}, '--output', "
              f"{str(tmp_path / 'report.txt')!r}])\n"
              "print(code, 'yaml' in sys.modules)\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    shown = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, timeout=120, env=env).stdout.split()
             for _ in range(2)]
    assert shown == [["0", "True"], ["0", "False"]]  # parsed once, then read back


def test_each_listed_command_is_its_modules_and_every_modules_command_is_listed() -> None:
    import importlib
    import pkgutil

    from scanner.cli import commands

    declared = {name: module_info.name.rpartition(".")[2]
                for module_info in pkgutil.iter_modules(commands.__path__,
                                                        prefix=f"{commands.__name__}.")
                for name in importlib.import_module(module_info.name).COMMANDS}
    assert declared == {name: module for name, module, _ in commands.LISTED}


def test_help_imports_no_command_and_no_logging() -> None:
    """`maturity --help` took 0.12 s, most of it importing every command and logging."""
    script = ("import sys\n"
              "from scanner.cli import main\n"
              "try:\n"
              "    main(['--help'])\n"
              "except SystemExit:\n"
              "    pass\n"
              "print(sorted(m for m in sys.modules if m.startswith('scanner.cli.commands.')\n"
              "             or m in ('logging', 'scanner.logs', 'dataclasses')))\n")
    shown = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True,
                           text=True, check=True, timeout=60).stdout
    assert shown.splitlines()[-1] == "[]"
    assert "usage: maturity" in shown and "scan" in shown


def test_only_the_command_named_gets_its_options_and_each_gets_all_of_them() -> None:
    from scanner.cli import build_parser

    def options(parser: Any) -> dict[str, list[str]]:
        [commands] = [a for a in parser._actions if a.dest == "command"]
        return {name: sorted(o for a in sub._actions for o in a.option_strings)
                for name, sub in commands.choices.items()}

    every = options(build_parser())
    assert every["scan"] != ["--help", "-h"] and every["report"] != ["--help", "-h"]
    for name, full in every.items():
        built = options(build_parser([name, "--help"]))
        assert built[name] == full
        assert all(built[other] == ["--help", "-h"] for other in every if other != name)
    assert all(found == ["--help", "-h"] for found in options(build_parser(["--help"])).values())


def test_scan_of_the_current_folder_without_arguments(cli: Cli, make_repo: MakeRepo) -> None:
    repo = make_repo(FILES)
    result = cli("scan", "--format", "json", "--no-store", cwd=repo.root)
    assert result.code == 0
    assert json.loads(result.out)["entities"] == [
        {"id": f"repo:{repo.root.resolve()}", "kind": "repo"},
        {"id": f"service:{repo.root.resolve()}", "kind": "service"}]


def test_one_entity_slice_from_the_store(cli: Cli, make_repo: MakeRepo) -> None:
    good = make_repo(FILES, name="good")
    bare = make_repo({"README.md": "hi\n"}, name="bare")
    result = cli("scan", str(good.root), str(bare.root), "--format", "json")
    fleet = subs(json.loads(result.out))
    # Only one of two repositories checks code at all: "most" fails, so not Advanced.
    assert fleet["plan_develop.code_validation"]["stage"] == "intermediate"
    sliced = cli("report", "--entity", f"repo:{good.root.resolve()}", "--format", "json")
    assert sliced.code == 0, sliced.err
    assert subs(json.loads(sliced.out))["plan_develop.code_validation"]["stage"] == "expert"
    wrong = cli("report", "--entity", "repo:/nowhere")
    assert wrong.code == 2 and "has no entity 'repo:/nowhere'" in wrong.err


# The sample repository reaches Advanced in plan_develop and only Beginner in operate and
# observe_respond: it deploys, but shows no capacity, recovery or monitoring practice.
@pytest.mark.parametrize(("gate", "code"), [("beginner", 0), ("intermediate", 1),
                                            ("plan_develop=advanced", 0),
                                            ("plan_develop=expert", 1),
                                            ("operate=beginner", 0),
                                            ("operate=intermediate", 1)])
def test_fail_under_gates(cli: Cli, make_repo: MakeRepo, gate: str, code: int) -> None:
    repo = make_repo(FILES)
    result = cli("scan", str(repo.root), "--no-store", "--fail-under", gate)
    assert result.code == code, result.err
    if code == 1:
        assert "gate failed:" in result.err


def test_bad_input_is_one_line_and_exit_2(cli: Cli, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    cases = [
        (("scan", str(plain)), "is not a git repository"),
        (("scan", str(tmp_path / "missing")), "does not exist"),
        (("scan", ".", "--fail-under", "wizard"), "'wizard' is not a stage"),
        (("scan", "--format", "pdf"), "invalid choice"),
        (("report", "nope"), "no scan 'nope' in"),
        (("rules", "explain", "operate.patching.updates-sum"), "did you mean"),
    ]
    for args, expected in cases:
        result = cli(*args, cwd=plain)
        no_traceback(result)
        assert result.code == 2, (args, result.err)
        assert expected in result.err, (args, result.err)
        assert len(result.err.strip().splitlines()) == 1, result.err


def test_a_partial_scan_is_stored_and_exits_3(cli: Cli, make_repo: MakeRepo,
                                             tmp_path: Path) -> None:
    repo = make_repo(FILES)
    result = cli("scan", str(repo.root), str(tmp_path / "gone"), "--format", "json")
    assert result.code == 3, result.err
    document = json.loads(result.out)
    assert document["scan"]["status"] == "partial"
    assert "does not exist" in document["scan"]["errors"][0]["message"]
    assert cli("report", document["scan"]["id"]).code == 0


def test_config_file_mistakes_name_the_file_line_and_key(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("targets:\n  local: [.]\nthresholds:\n  most: 0.8\nscorng: {}\n")
    result = cli("scan", "--config", str(config))
    assert result.code == 2
    assert f"{config}:5: field scorng: unknown key (did you mean 'scoring'?)" in result.err
    config.write_text("thresholds:\n  mostly: 0.8\n")
    result = cli("scan", "--config", str(config), "--no-store")
    assert result.code == 2 and "unknown threshold 'mostly'" in result.err


def test_rules_validate(cli: Cli, tmp_path: Path) -> None:
    good = tmp_path / "mine.yaml"
    good.write_text("""
- id: build_test.code_scanning.zap-anywhere
  cell: {subcompetency: build_test.code_scanning, stage: advanced}
  summary: ZAP runs somewhere
  over: repo
  each: {signal: ci.dast.tools, op: contains, value: zap}
  quantifier: some
""")
    result = cli("rules", "validate", str(good))
    assert result.code == 0 and "1 rule(s): valid" in result.out
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("op: contains", "op: includes"))
    result = cli("rules", "validate", str(bad))
    assert result.code == 2
    assert result.err.strip() == (
        f"maturity: error: {bad}:2: rule 'build_test.code_scanning.zap-anywhere': field "
        "each.op: 'includes' is not one of: eq, ne, gt, gte, lt, lte, in, contains, "
        "contains_any, non_empty, size_gte, matches")


def test_inspection_commands(cli: Cli) -> None:
    explained = cli("rules", "explain", "build_test.code_scanning.dast-on-all-services")
    assert explained.code == 0
    assert "in scope:   runs_as_service equals True" in explained.out
    assert "ci.dast.tools (list; from GitHub API (organisations and repositories), GitLab " \
        "API (groups and projects), local git repository)" in explained.out
    listed = cli("rules", "list")
    assert "operate.patching.updates-some" in listed.out
    signals = json.loads(cli("signals", "--format", "json").out)
    by_name = {row["signal"]: row for row in signals}
    assert by_name["ci.sast.tools"]["collectors"] == ["github", "gitlab", "local"]
    assert by_name["dora.deployment_days_per_week"]["collectors"] == ["github", "gitlab"]
    assert by_name["dora.deployment_days_per_week"]["installed"] is True
    assert "plan_develop.code_validation.sast-on-some" in by_name["ci.sast.tools"]["rules"]
    model = cli("model")
    assert model.code == 0 and "Post-mortems" in model.out and "people_culture.onboarding" \
        in model.out
    assert cli("--version").out.startswith("maturity-scanner ")


def test_recursive_scan_of_a_folder_of_clones_with_progress(cli: Cli, make_repo: MakeRepo,
                                                            tmp_path: Path) -> None:
    make_repo(FILES, name="fleet/team-a/api")
    make_repo({"README.md": "x\n"}, name="fleet/team-b/lib")
    (tmp_path / "fleet" / "team-b" / "lib" / "nested").mkdir()
    result = cli("scan", "--recursive", str(tmp_path / "fleet"), "--format", "json",
                 "--no-store", "--progress", "--jobs", "2")
    assert result.code == 0, result.err
    repos = [r["entity"] for r in json.loads(result.out)["repositories"]]
    assert repos == [f"repo:{tmp_path / 'fleet/team-a/api'}",
                     f"repo:{tmp_path / 'fleet/team-b/lib'}"]
    assert "2/2" in result.err
    sequential = cli("scan", "--recursive", str(tmp_path / "fleet"), "--format", "json",
                     "--no-store", "--jobs", "1")
    assert _verdicts(json.loads(sequential.out)) == _verdicts(json.loads(result.out))
    empty = tmp_path / "empty"
    empty.mkdir()
    none = cli("scan", "--recursive", str(empty))
    assert none.code == 2 and "no git repositories under" in none.err
