"""A year of daily scans of a 1,000-repository estate in one SQLite store.

Scans three real repositories (one per shape), multiplies their evidence into
--repos repositories, scores that estate once with the real rules, then stores
--days daily scans of it (each day one sub-competency flips and its evidence
changes for a tenth of the estate, so diffs have work to do). Reports the
store's size, the time to store a scan, and the wall time of `history` and
`diff` as the CLI runs them (targets: under 1 s each).

Usage: python benchmarks/store_history.py [--repos 1000] [--days 365] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from child_env import CHILD_ENV

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from scan_many_repos import files_for

from scanner.collectors.local import LocalRepoCollector
from scanner.config import Config
from scanner.evidence import Evidence
from scanner.scan import drill_down, judge, load_engine, run_scan
from scanner.store.store import Store, database_url

from gitrepo import GitRepo

FLIPPING = ("build_test", "code_scanning")  # the cell that changes from day to day


def estate(workdir: Path, repos: int) -> tuple[dict[str, Any], list[Evidence], list[Any]]:
    """A scored estate of `repos` repositories, built from three real ones."""
    shapes = []
    for shape in range(3):
        repo = GitRepo(workdir / f"shape{shape}")
        repo.files(files_for(shape))
        shapes.append(repo.root.resolve())
    config = Config()
    scanned = run_scan(config, [LocalRepoCollector.target(str(p)) for p in shapes], workers=1)
    evidence = []
    for index in range(repos):
        source = str(shapes[index % 3])
        name = f"/estate/repo{index:04d}"
        for item in scanned.evidence:
            if source in item.entity:
                value = item.value.replace(source, name) if isinstance(item.value, str) \
                    else item.value
                evidence.append(replace(item, entity=item.entity.replace(source, name),
                                        value=value))
    engine = load_engine(config)
    assessment, results = judge(engine, evidence, config)
    from scanner.reports.document import build_document

    document = build_document(assessment, replace(scanned.info, targets=("/estate",)),
                              repositories=drill_down(engine, evidence, config, {}))
    return document, evidence, results


def day_of(document: dict[str, Any], evidence: list[Evidence], day: int
           ) -> tuple[dict[str, Any], list[Evidence]]:
    started = datetime(2025, 1, 1, 2, 30, tzinfo=UTC) + timedelta(days=day)
    doc = copy.copy(document)
    doc["scan"] = {**document["scan"], "id": f"{started:%Y%m%dT%H%M%SZ}-{day:06x}",
                   "started_at": started.isoformat(),
                   "finished_at": (started + timedelta(minutes=7)).isoformat(),
                   "config_fingerprint": "estate"}
    competencies = copy.deepcopy(document["competencies"])
    competency_id, sub_id = FLIPPING
    for competency in competencies:
        for sub in competency["subcompetencies"]:
            if competency["id"] == competency_id and sub["id"] == sub_id and day % 2:
                sub["stage"] = "beginner" if sub["stage"] != "beginner" else "intermediate"
    doc["competencies"] = competencies
    signals = {s for c in competencies if c["id"] == competency_id
               for sub in c["subcompetencies"] if sub["id"] == sub_id
               for cell in sub["cells"] for rule in cell["rules"] for s in rule["signals"]}
    dropped = [e for i, e in enumerate(evidence)
               if not (day % 2 and e.signal in signals and i % 10 == 0)]
    return doc, dropped


def timed(args: list[str], env: dict[str, str], runs: int = 3) -> float:
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(args, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])  # the first run warms the page cache


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="maturity-history-"))
    database = workdir / f"history-{args.repos}x{args.days}.db"
    database.unlink(missing_ok=True)
    document, evidence, results = estate(workdir, args.repos)
    print(f"estate: {args.repos} repositories, {len(evidence)} evidence items per scan")
    store = Store(database_url(str(database)))
    saves = []
    for day in range(args.days):
        doc, items = day_of(document, evidence, day)
        start = time.perf_counter()
        store.save(doc, items, results)
        saves.append(time.perf_counter() - start)
    size = database.stat().st_size
    print(f"stored {args.days} scans: median {statistics.median(saves):.2f} s per scan; "
          f"SQLite file {size / 1e6:.0f} MB ({size / args.days / 1e6:.1f} MB per scan)")
    maturity = str(Path(sys.executable).with_name("maturity"))
    env = {**CHILD_ENV, "MATURITY_DB": str(database)}
    for label, command in (("history", ["history"]),
                           ("history --competency build_test --format csv",
                            ["history", "--competency", "build_test", "--format", "csv"]),
                           ("history --entity", ["history", "--entity",
                                                 "repo:/estate/repo0001", "--format", "json"]),
                           ("diff (last two)", ["diff"]),
                           ("diff --format json", ["diff", "--format", "json"])):
        print(f"{label:<46} {timed([maturity, *command], env):.2f} s")


if __name__ == "__main__":
    main()
