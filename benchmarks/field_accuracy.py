"""Field accuracy: the installed scanner against hand labels of public repositories.

Each label (benchmarks/field_accuracy/labels.yaml) names a repository, its commit, a
sub-competency, the stages a correct verdict may give, the paths its evidence must
cite and the paths it must not cite. This script runs `maturity scan PATH --format
json --no-store` on every labelled clone found as CLONES_DIR/<owner>+<name> and
prints how many labels hold, overall, per sub-competency, per repository, and each
miss with what the scanner said. A clone that is absent is listed and skipped (its
labels are not counted); a scan that crashes or times out turns its labels into
misses with the reason, and the run goes on.

Usage: python benchmarks/field_accuracy.py CLONES_DIR [--labels FILE] [--only NAME ...]
                                           [--json OUT] [--timeout SECONDS] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from child_env import CHILD_ENV

HERE = Path(__file__).resolve().parent
DEFAULT_LABELS = HERE / "field_accuracy" / "labels.yaml"
STAGES = ("beginner", "intermediate", "advanced", "expert", "not_applicable")
CHAIN = re.compile(r"\s*(?:→|->)\s*")
# `path`, `path:12`, `path:12-30` (a trailing column, `path:12:5`, is ignored)
PLACE = re.compile(r"^(?P<path>.+?)(?::(?P<start>\d+)(?:-(?P<end>\d+))?)?(?::\d+)?$")
SHOWN_LOCATORS = 12


class LabelError(Exception):
    """The labels file is malformed; the message says where."""


@dataclass(frozen=True)
class Label:
    repository: str
    subcompetency: str
    stages: frozenset[str]
    reason: str
    must_cite: tuple[tuple[str, ...], ...]  # each group: at least one of its paths
    must_not_cite: tuple[str, ...]


@dataclass(frozen=True)
class Repository:
    name: str
    commit: str
    labels: tuple[Label, ...]
    changes: int  # labels changed after the scanner's answer was seen

    @property
    def folder(self) -> str:
        return self.name.replace("/", "+")


@dataclass(frozen=True)
class Verdict:
    stage: str
    locators: tuple[str, ...]  # as the report gives them, chains included


@dataclass(frozen=True)
class Scan:
    verdicts: dict[str, Verdict]
    failure: str | None = None  # why there is no report
    note: str | None = None  # something to tell (partial scan, other commit)


@dataclass(frozen=True)
class Result:
    label: Label
    held: bool
    problems: tuple[str, ...]
    verdict: Verdict | None


# --- labels -------------------------------------------------------------------------


def load_labels(path: Path) -> list[Repository]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise LabelError(f"{path}: cannot read: {error}") from error
    entries = data.get("repositories") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise LabelError(f"{path}: no `repositories` list")
    return [_repository(path, index, entry) for index, entry in enumerate(entries)]


def _repository(path: Path, index: int, entry: Any) -> Repository:
    where = f"{path}: repositories[{index}]"
    if not isinstance(entry, dict):
        raise LabelError(f"{where}: not a mapping")
    name, commit, labels = entry.get("name"), entry.get("commit"), entry.get("labels")
    if not isinstance(name, str) or name.count("/") != 1:
        raise LabelError(f"{where}: `name` must be owner/name")
    if not isinstance(commit, str) or not re.fullmatch(r"[0-9a-f]{40}", commit):
        raise LabelError(f"{where} ({name}): `commit` must be 40 hex digits")
    if not isinstance(labels, list) or not labels:
        raise LabelError(f"{where} ({name}): `labels` must be a non-empty list")
    changes = entry.get("changes") or []
    if not isinstance(changes, list):
        raise LabelError(f"{where} ({name}): `changes` must be a list")
    return Repository(name, commit, tuple(_label(f"{where} ({name})", name, i, item)
                                          for i, item in enumerate(labels)), len(changes))


def _label(where: str, repository: str, index: int, item: Any) -> Label:
    where = f"{where}: labels[{index}]"
    if not isinstance(item, dict):
        raise LabelError(f"{where}: not a mapping")
    sub, stages = item.get("subcompetency"), item.get("stages")
    if not isinstance(sub, str) or sub.count(".") != 1:
        raise LabelError(f"{where}: `subcompetency` must be competency.subcompetency")
    if (not isinstance(stages, list) or not stages
            or any(stage not in STAGES for stage in stages)):
        raise LabelError(f"{where} ({sub}): `stages` must list some of {', '.join(STAGES)}")
    cites = item.get("must_cite") or []
    bans = item.get("must_not_cite") or []
    if not isinstance(cites, list) or not isinstance(bans, list):
        raise LabelError(f"{where} ({sub}): must_cite and must_not_cite must be lists")
    groups = tuple(_group(where, sub, cite) for cite in cites)
    if not all(isinstance(ban, str) for ban in bans):
        raise LabelError(f"{where} ({sub}): must_not_cite takes paths only")
    return Label(repository, sub, frozenset(stages), str(item.get("reason", "")),
                 groups, tuple(bans))


def _group(where: str, sub: str, cite: Any) -> tuple[str, ...]:
    paths = cite if isinstance(cite, list) else [cite]
    if not paths or not all(isinstance(p, str) and p for p in paths):
        raise LabelError(f"{where} ({sub}): a must_cite item is a path or a list of paths")
    return tuple(paths)


# --- scanning -----------------------------------------------------------------------


def head_commit(clone: Path) -> str | None:
    done = subprocess.run(["git", "-C", str(clone), "rev-parse", "HEAD"],
                          capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else None


def scan(command: Sequence[str], clone: Path, timeout: float) -> Scan:
    with tempfile.TemporaryDirectory(prefix="field-accuracy-") as work:
        report = Path(work) / "report.json"
        argv = [*command, "scan", str(clone), "--format", "json", "--no-store",
                "--no-progress", "--output", str(report)]
        try:
            done = subprocess.run(argv, cwd=work, env=CHILD_ENV, capture_output=True,
                                  text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return Scan({}, failure=f"scan timed out after {timeout:g} s")
        except OSError as error:
            return Scan({}, failure=f"scanner could not start: {error}")
        if done.returncode not in (0, 1, 3) or not report.is_file():
            return Scan({}, failure=f"scanner exit {done.returncode}: {_last_line(done.stderr)}")
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            return Scan({}, failure=f"report is not JSON: {error}")
    note = f"partial scan: {_last_line(done.stderr)}" if done.returncode == 3 else None
    return Scan(verdicts(data, clone), note=note)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no message)"


def verdicts(report: Any, clone: Path) -> dict[str, Verdict]:
    found: dict[str, Verdict] = {}
    for competency in _dicts(report.get("competencies") if isinstance(report, dict) else []):
        for sub in _dicts(competency.get("subcompetencies")):
            key = f"{competency.get('id')}.{sub.get('id')}"
            locators = tuple(dict.fromkeys(_relative(loc, clone) for loc in _locators(sub)))
            found[key] = Verdict(str(sub.get("stage")), locators)
    return found


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


def _locators(node: Any) -> Iterator[str]:
    """Every locator anywhere under a sub-competency: `locator` strings and `locators` lists."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "locator" and isinstance(value, str):
                yield value
            elif key == "locators" and isinstance(value, list):
                for item in value:
                    if isinstance(item, str):
                        yield item
                    elif isinstance(item, dict):
                        place = item.get("locator") or item.get("path")
                        if isinstance(place, str):
                            yield place
                        yield from _locators(item)
            else:
                yield from _locators(value)
    elif isinstance(node, list):
        for item in node:
            yield from _locators(item)


def _relative(locator: str, clone: Path) -> str:
    prefix = f"{clone}/"
    return CHAIN.sub(" → ", locator).replace(prefix, "")


# --- judging ------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    path: str
    start: int | None
    end: int | None


def places(locators: Iterable[str]) -> list[Place]:
    """Each element of each locator (chains split at their arrows) as a path and lines."""
    found = []
    for locator in locators:
        for part in CHAIN.split(locator):
            match = PLACE.match(part.strip().removeprefix("./"))
            if match and match["path"]:
                start = int(match["start"]) if match["start"] else None
                end = int(match["end"]) if match["end"] else start
                found.append(Place(match["path"], start, end))
    return found


def cited(pattern: str, cited_places: Sequence[Place]) -> bool:
    """Whether a label's path (`path`, `path:N`, `path:A-B` or `folder/`) is among the places."""
    if pattern.endswith("/"):
        return any(place.path.startswith(pattern) for place in cited_places)
    want = PLACE.match(pattern)
    if want is None:
        return False
    if want["start"] is None:
        return any(place.path == want["path"] for place in cited_places)
    low = int(want["start"])
    high = int(want["end"]) if want["end"] else low
    return any(place.path == want["path"] and place.start is not None
               and place.start <= high and (place.end or place.start) >= low
               for place in cited_places)


def judge(label: Label, scan_result: Scan) -> Result:
    if scan_result.failure is not None:
        return Result(label, False, (scan_result.failure,), None)
    verdict = scan_result.verdicts.get(label.subcompetency)
    if verdict is None:
        return Result(label, False, ("sub-competency absent from the report",), None)
    problems = []
    if verdict.stage not in label.stages:
        problems.append(f"stage {verdict.stage}, expected {'/'.join(sorted_stages(label.stages))}")
    cited_places = places(verdict.locators)
    for group in label.must_cite:
        if not any(cited(path, cited_places) for path in group):
            problems.append("does not cite " + " or ".join(group))
    for path in label.must_not_cite:
        if cited(path, cited_places):
            problems.append(f"cites {path}, which it must not")
    return Result(label, not problems, tuple(problems), verdict)


def sorted_stages(stages: Iterable[str]) -> list[str]:
    return sorted(stages, key=STAGES.index)


# --- reporting ----------------------------------------------------------------------


def share(held: int, total: int) -> str:
    return f"{held}/{total} ({100 * held / total:.1f}%)" if total else "0/0"


def table(title: str, results: Sequence[Result], key: str) -> list[str]:
    groups: dict[str, list[Result]] = {}
    for result in results:
        name = result.label.subcompetency if key == "sub" else result.label.repository
        groups.setdefault(name, []).append(result)
    width = max(len(name) for name in groups)
    lines = [title]
    for name in sorted(groups):
        rows = groups[name]
        lines.append(f"  {name:<{width}}  {share(sum(r.held for r in rows), len(rows))}")
    return lines


def miss_lines(result: Result) -> list[str]:
    label = result.label
    lines = [f"- {label.repository}  {label.subcompetency}",
             f"    expected {'/'.join(sorted_stages(label.stages))}: {label.reason}"]
    lines.extend(f"    miss: {problem}" for problem in result.problems)
    if result.verdict is not None:
        shown = result.verdict.locators[:SHOWN_LOCATORS]
        more = len(result.verdict.locators) - len(shown)
        lines.append(f"    scanner: {result.verdict.stage}; cites "
                     + (", ".join(shown) if shown else "nothing")
                     + (f" (+{more} more)" if more > 0 else ""))
    return lines


def report(results: Sequence[Result], missing: Sequence[str], notes: Sequence[str]) -> str:
    lines: list[str] = []
    if missing:
        lines.append("Clones not found (skipped, not counted): " + ", ".join(missing))
    lines.extend(f"Note: {note}" for note in notes)
    if not results:
        lines.append("No labelled clone was scanned.")
        return "\n".join(lines)
    lines.append(f"Held: {share(sum(r.held for r in results), len(results))}")
    lines.append("")
    lines.extend(table("Per sub-competency:", results, "sub"))
    lines.append("")
    lines.extend(table("Per repository:", results, "repo"))
    misses = [result for result in results if not result.held]
    if misses:
        lines.append("")
        lines.append(f"Misses ({len(misses)}):")
        for result in misses:
            lines.extend(miss_lines(result))
    return "\n".join(lines)


def as_json(results: Sequence[Result], missing: Sequence[str],
            notes: Sequence[str]) -> dict[str, Any]:
    return {
        "held": sum(r.held for r in results),
        "total": len(results),
        "missing_clones": list(missing),
        "notes": list(notes),
        "labels": [{
            "repository": r.label.repository,
            "subcompetency": r.label.subcompetency,
            "expected": sorted_stages(r.label.stages),
            "held": r.held,
            "problems": list(r.problems),
            "stage": r.verdict.stage if r.verdict else None,
            "locators": list(r.verdict.locators) if r.verdict else [],
        } for r in results],
    }


# --- main ---------------------------------------------------------------------------


def run_repository(repository: Repository, clone: Path, command: Sequence[str],
                   timeout: float) -> tuple[list[Result], list[str]]:
    notes = []
    head = head_commit(clone)
    if head != repository.commit:
        notes.append(f"{repository.name}: clone is at {head or 'an unknown commit'}, "
                     f"labelled at {repository.commit}")
    outcome = scan(command, clone, timeout)
    if outcome.note:
        notes.append(f"{repository.name}: {outcome.note}")
    return [judge(label, outcome) for label in repository.labels], notes


def installed_scanner() -> str | None:
    """The `maturity` installed beside this Python (its virtual environment), else on PATH."""
    beside = Path(sys.executable).parent / "maturity"
    return str(beside) if beside.is_file() else shutil.which("maturity")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Scanner accuracy against hand labels.")
    parser.add_argument("clones", type=Path, help="folder holding <owner>+<name> clones")
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--only", nargs="+", metavar="NAME", default=[],
                        help="owner/name (or owner+name) of the repositories to run")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the results here")
    parser.add_argument("--timeout", type=float, default=900.0,
                        help="seconds one repository's scan may take (default 900)")
    parser.add_argument("--jobs", type=int, default=2, help="scans run at once (default 2)")
    args = parser.parse_args(argv)

    maturity = installed_scanner()
    if maturity is None:
        parser.error("the `maturity` command is not installed (pip install -e .)")
    try:
        repositories = load_labels(args.labels)
    except LabelError as error:
        parser.error(str(error))
    wanted = {name.replace("+", "/") for name in args.only}
    unknown = wanted - {repository.name for repository in repositories}
    if unknown:
        parser.error("not labelled: " + ", ".join(sorted(unknown)))
    chosen = [r for r in repositories if not wanted or r.name in wanted]
    present = [r for r in chosen if (args.clones / r.folder).is_dir()]
    missing = [r.name for r in chosen if r not in present]

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        runs = list(pool.map(lambda r: run_repository(r, args.clones / r.folder, [maturity],
                                                      args.timeout), present))
    results = [result for found, _ in runs for result in found]
    notes = [note for _, found_notes in runs for note in found_notes]
    changed = sum(r.changes for r in present)
    if changed:
        notes.append(f"{changed} change(s) to labels recorded after a scan (see `changes:`)")
    print(report(results, missing, notes))
    if args.json:
        args.json.write_text(json.dumps(as_json(results, missing, notes), indent=2) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
