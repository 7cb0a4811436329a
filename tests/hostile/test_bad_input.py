"""Hostile files and values: a repository's YAML cannot hang or drop its scan, and a bad
config, rules, answers or targets file, option or store is one line and exit 2."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bounded import Run
from gitrepo import GitRepo

Hostile = Callable[..., Run]
MakeRepo = Callable[..., GitRepo]

HUGE = "9" * 400


def alias_bomb(levels: int = 9) -> str:
    """'Billion laughs': nine lists of nine, `levels` deep."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


TESTS_WORKFLOW = ("on: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
                  "    steps:\n      - run: pytest\n")


def test_an_alias_bomb_in_a_workflow_costs_only_that_file(hostile: Hostile,
                                                          make_repo: MakeRepo) -> None:
    bomb = alias_bomb().replace("\n", "\n  ").rstrip()
    repo = make_repo({
        ".github/workflows/bomb.yml": f"x:\n  {bomb}\non: push\njobs:\n  a:\n"
                                      "    runs-on: x\n    steps: *l8\n",
        ".github/workflows/test.yml": TESTS_WORKFLOW,
        "app.py": "print(1)\n", "test_app.py": "def test(): pass\n"})
    run = hostile("scan", str(repo.root), "--format", "json", "--no-store", bound=60)
    assert run.code == 0, run.err
    assert "aliases expand" in run.out  # one warning names the file
    assert '"pytest"' in run.out  # the other workflow still counts


@pytest.mark.parametrize("value", ["2027-02-30", "!!int forty", "!!bool maybe",
                                   "2027-01-01 25:00:00", "!!timestamp soon"])
def test_values_yaml_cannot_make_do_not_drop_the_repository(
        hostile: Hostile, make_repo: MakeRepo, value: str) -> None:
    repo = make_repo({".github/workflows/test.yml": TESTS_WORKFLOW + f"x: {value}\n",
                      "app.py": "print(1)\n"})
    run = hostile("scan", str(repo.root), "--format", "json", "--no-store")
    assert run.code == 0, run.err
    assert '"pytest"' in run.out


def test_a_workflow_of_thousands_of_jobs_is_read_within_its_bound(
        hostile: Hostile, make_repo: MakeRepo) -> None:
    """Just under the 2 MB file limit: once a minute or more (the jobs' hits were looked
    up by scanning every hit for each job); now linear."""
    jobs = []
    size, number = 0, 0
    while size < 1_900_000:
        job = (f"  job{number}:\n    runs-on: ubuntu-latest\n    needs: [job{number - 1}]\n"
               f"    steps:\n      - uses: actions/checkout@v4\n"
               f"      - run: npm ci && npm test -- --shard={number}\n")
        jobs.append(job)
        size += len(job)
        number += 1
    repo = make_repo({".github/workflows/ci.yml": "on: push\njobs:\n" + "".join(jobs),
                      "index.js": "console.log(1)\n",
                      "package.json": '{"scripts": {"test": "jest"}}\n'})
    run = hostile("scan", str(repo.root), "--format", "json", "--no-store", bound=240)
    assert run.code == 0, run.err
    assert '"jest"' in run.out  # npm test runs jest, in every job
    assert "not read to the end" not in run.out


@pytest.mark.parametrize(("config", "expected"), [
    (f"collect:\n  max_file_bytes: {HUGE}\n", "collect.max_file_bytes: expected a number"),
    ("collect:\n  history_days: .inf\n", "collect.history_days: expected a number"),
    ("waivers:\n  - rule: build_test.code_scanning.dast-on-some\n    reason: r\n"
     "    owner: o\n    entity: 'repo:*'\n    expires: 2027-02-30\n", "expires"),
    ("model: !!int forty\n", "forty"),
    (alias_bomb(), "aliases expand"),
])
def test_bad_config_values_are_one_line(hostile: Hostile, make_repo: MakeRepo,
                                        tmp_path: Path, config: str, expected: str) -> None:
    repo = make_repo({"app.py": "print(1)\n"})
    (tmp_path / "config.yaml").write_text(config)
    run = hostile("scan", str(repo.root), "--config", str(tmp_path / "config.yaml"),
                  "--no-store", bound=60)
    assert run.code == 2, run.err
    assert expected in run.one_clear_line()


def test_a_config_that_never_ends_is_read_with_a_bound(hostile: Hostile,
                                                       make_repo: MakeRepo) -> None:
    repo = make_repo({"app.py": "print(1)\n"})
    run = hostile("scan", str(repo.root), "--config", "/dev/zero", "--no-store", bound=30)
    assert run.code == 2
    assert "larger than" in run.one_clear_line()


def test_bad_leader_files_are_one_line(hostile: Hostile, make_repo: MakeRepo,
                                       tmp_path: Path) -> None:
    repo = make_repo({"app.py": "print(1)\n"})
    assert hostile("scan", str(repo.root)).code == 0
    targets = tmp_path / "targets.yaml"
    targets.write_text("targets:\n  build_test: {stage: advanced, due: 2027-13-01}\n")
    run = hostile("plan", "--targets", str(targets))
    assert run.code == 2
    assert "not a quarter" in run.one_clear_line()
    answers = tmp_path / "answers.yaml"
    answers.write_text(alias_bomb())
    run = hostile("compare", "--self", str(answers), bound=60)
    assert run.code == 2
    assert "aliases expand" in run.one_clear_line()
    answers.write_text("respondent: !!int forty\nanswers:\n"
                       "  build_test.test_automation: !!int three\n")
    run = hostile("compare", "--self", str(answers))
    assert run.code == 2
    assert "'three' is not a stage" in run.one_clear_line()


def test_a_rule_value_too_large_is_one_line(hostile: Hostile, tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(
        "pack: extra\nrules:\n  - id: build_test.test_automation.many-jobs\n"
        "    cell: {subcompetency: build_test.test_automation, stage: intermediate}\n"
        "    summary: s\n    over: repo\n"
        f"    each: {{signal: ci.jobs, op: gt, value: {HUGE}}}\n"
        "    quantifier: some\n    remedy: r\n")
    run = hostile("rules", "validate", str(pack))
    assert run.code == 2
    assert "too large" in run.one_clear_line()


@pytest.mark.parametrize("keep", ["99999999999999999999d", "999999d", "9" * 5000])
def test_prune_keeps_that_overflow_are_one_line(hostile: Hostile, keep: str) -> None:
    run = hostile("prune", "--keep", keep)
    assert run.code == 2
    assert "--keep" in run.one_clear_line()


@pytest.mark.parametrize(("damage", "expected"), [
    ("DROP TABLE scans", "table scans missing"),
    ("DROP TABLE alembic_version; UPDATE meta SET value = 'abc' "
     "WHERE key = 'schema_version'", "schema version 'abc'"),
])
def test_a_damaged_store_is_one_line(hostile: Hostile, make_repo: MakeRepo, tmp_path: Path,
                                     damage: str, expected: str) -> None:
    repo = make_repo({"app.py": "print(1)\n"})
    database = tmp_path / "damaged.db"
    assert hostile("scan", str(repo.root), "--db", str(database)).code == 0
    with sqlite3.connect(database) as connection:
        connection.executescript(damage)
    for command in (["report"], ["history"], ["scan", str(repo.root)]):
        run = hostile(*command, "--db", str(database))
        assert run.code == 2, (command, run.err)
        line = run.one_clear_line()
        assert expected in line and "restore it from a backup" in line


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_a_store_in_memory_is_refused(hostile: Hostile, make_repo: MakeRepo,
                                      url: str) -> None:
    repo = make_repo({"app.py": "print(1)\n"})
    run = hostile("scan", str(repo.root), "--db", url)
    assert run.code == 2
    assert "keeps nothing" in run.one_clear_line()
    assert "stored" not in run.out


def test_files_nested_past_any_parser_cost_only_themselves(hostile: Hostile,
                                                           make_repo: MakeRepo) -> None:
    """JSON, TOML, YAML and XML nested a hundred thousand deep: the parsers recurse per
    level, and a RecursionError out of package.json once lost the whole repository."""
    deep = 100_000
    repo = make_repo({
        "package.json": '{"scripts": {"test": "jest"}, "x": ' + "[" * deep + "]" * deep + "}",
        "tsconfig.json": '{"a": ' + '{"a": ' * deep + "1" + "}" * deep + "}",
        "pyproject.toml": '[project]\nname = "x"\nx = ' + "[" * deep + "]" * deep + "\n",
        "pom.xml": "<project>" + "<a>" * deep + "</a>" * deep + "</project>",
        "deep.yaml": "a: " + "[" * deep + "]" * deep + "\n",
        ".github/workflows/test.yml": TESTS_WORKFLOW,
        "index.js": "console.log(1)\n",
    })
    run = hostile("scan", str(repo.root), "--format", "json", "--no-store", bound=60)
    assert run.code == 0, run.err
    assert '"pytest"' in run.out
    assert "RecursionError" not in run.out
