"""A year of daily scans of a 1,000-repository estate, on SQLite and on PostgreSQL.

Scans three real repositories (one per shape), multiplies their evidence into
--repos repositories and scores that estate once with the real rules.  Then it
stores --days daily scans the way a scheduled scan produces them: each day a
share of the repositories changed (--changed, their evidence re-collected with a
new value), the others' evidence is reused from the day before, and every
repository is re-collected once a week anyway (--reuse-days, staggered), as the
freshness bound makes the scanner do; one sub-competency also flips every other
day, so diffs have work to do.  Reports each store's size, the time to save a
scan, and the wall time of `history` and `diff` as the CLI runs them (targets:
under 1 s each).

PostgreSQL is a throwaway server started from Debian's binaries (tests/pgserver.py),
or the database given with --postgres-url.

Usage: python benchmarks/store_history.py [--repos 1000] [--days 365]
       [--backend sqlite|postgresql|both] [--postgres-url URL] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import copy
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from child_env import CHILD_ENV

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from scan_many_repos import files_for

from scanner.collectors.local import LocalRepoCollector
from scanner.config import Config
from scanner.evidence import Evidence
from scanner.judgement import judge_estate
from scanner.scan import load_engine, run_scan
from scanner.store.store import Store, database_url, sqlite_file, store_engine

import pgserver
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
    judged = judge_estate(engine, config, evidence)
    from scanner.reports.document import build_document

    document = build_document(judged.assessment, replace(scanned.info, targets=("/estate",)),
                              repositories=judged.repositories)
    return document, evidence, judged.results


class Estate:
    """The estate's evidence as scheduled scans see it from one day to the next."""

    def __init__(self, document: dict[str, Any], evidence: list[Evidence], *,
                 changed: float, reuse_days: int) -> None:
        self.document = document
        self.changed = changed
        self.reuse_days = reuse_days
        self.by_entity: dict[str, list[Evidence]] = {}
        for item in evidence:
            self.by_entity.setdefault(item.entity, []).append(item)
        self.items = {_key(item.to_dict()): item.to_dict() for item in evidence}
        self.random = random.Random(7)

    def day(self, day: int) -> tuple[dict[str, Any], list[Evidence]]:
        started = datetime(2025, 1, 1, 2, 30, tzinfo=UTC) + timedelta(days=day)
        for index, entity in enumerate(self.by_entity):
            changed = self.random.random() < self.changed
            if changed or (self.reuse_days and index % self.reuse_days == day % self.reuse_days):
                self.by_entity[entity] = [self._again(item, started, changed and n == 0)
                                          for n, item in enumerate(self.by_entity[entity])]
        evidence = [item for items in self.by_entity.values() for item in items]
        doc = copy.copy(self.document)
        doc["scan"] = {**self.document["scan"], "id": f"{started:%Y%m%dT%H%M%SZ}-{day:06x}",
                       "started_at": started.isoformat(),
                       "finished_at": (started + timedelta(minutes=7)).isoformat(),
                       "config_fingerprint": "estate"}
        doc["competencies"] = self._competencies(day)
        return doc, evidence

    def _again(self, item: Evidence, when: datetime, change: bool) -> Evidence:
        """Observed again on `when`; the first item of a changed repository with a new value."""
        value = item.value
        if change:
            value = [*value, f"v{when:%j}"] if isinstance(value, list) else f"{value}@{when:%j}"
        fresh = replace(item, observed_at=when, value=value)
        self.items[_key(fresh.to_dict())] = fresh.to_dict()
        return fresh

    def _competencies(self, day: int) -> list[dict[str, Any]]:
        """The report's cells, citing the evidence as it stands today."""
        competencies = copy.deepcopy(self.document["competencies"])
        competency_id, sub_id = FLIPPING
        for competency in competencies:
            for sub in competency["subcompetencies"]:
                if competency["id"] == competency_id and sub["id"] == sub_id and day % 2:
                    sub["stage"] = "beginner" if sub["stage"] != "beginner" else "intermediate"
        for items in _evidence_lists(competencies):
            items[:] = [self.current(item) for item in items]
        return competencies

    def current(self, item: dict[str, Any]) -> dict[str, Any]:
        return self.items.get(_key(item), item)


def _key(item: dict[str, Any]) -> tuple[Any, ...]:
    return item["entity"], item["signal"], item["locator"]


def _evidence_lists(value: Any, key: str | None = None) -> Iterator[list[Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _evidence_lists(v, k)
    elif isinstance(value, list):
        if key == "evidence":
            yield value
        else:
            for v in value:
                yield from _evidence_lists(v)


def timed(args: list[str], env: dict[str, str], runs: int = 3) -> float:
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(args, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])  # the first run warms the page cache


def size_of(url: str) -> int:
    if (file := sqlite_file(url)) is not None:
        return file.stat().st_size

    with store_engine(url).connect() as conn:
        return int(conn.execute(sa.text("select pg_database_size(current_database())"))
                   .scalar_one())


def store_year(url: str, label: str, args: argparse.Namespace, estate_parts: Any) -> None:
    document, evidence, results = estate_parts
    estate = Estate(document, evidence, changed=args.changed, reuse_days=args.reuse_days)
    store = Store(url)
    saves = []
    for day in range(args.days):
        doc, items = estate.day(day)
        start = time.perf_counter()
        store.save(doc, items, results)
        saves.append(time.perf_counter() - start)
    size = size_of(url)
    print(f"[{label}] stored {args.days} scans: median {statistics.median(saves):.2f} s per "
          f"save; database {size / 1e6:.0f} MB ({size / args.days / 1e6:.2f} MB per scan)")
    with store.engine.connect() as conn:
        sets = conn.execute(sa.text("select count(*) from evidence_sets")).scalar_one()
    print(f"[{label}] evidence sets: {sets} for {args.days * args.repos} repository-scans")
    maturity = str(Path(sys.executable).with_name("maturity"))
    env = {**CHILD_ENV, "MATURITY_DB": url}
    for name, command in (("history", ["history"]),
                          ("history --competency build_test --format csv",
                           ["history", "--competency", "build_test", "--format", "csv"]),
                          ("history --entity", ["history", "--entity",
                                                "repo:/estate/repo0001", "--format", "json"]),
                          ("diff (last two)", ["diff"]),
                          ("diff --format json", ["diff", "--format", "json"])):
        print(f"[{label}] {name:<46} {timed([maturity, *command], env):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--changed", type=float, default=0.05,
                        help="share of repositories that change each day")
    parser.add_argument("--reuse-days", type=int, default=7,
                        help="every repository is re-collected this often (0: never)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres-url")
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="maturity-history-"))
    parts = estate(workdir, args.repos)
    print(f"estate: {args.repos} repositories, {len(parts[1])} evidence items per scan; "
          f"{args.changed:.0%} change a day, each re-collected every {args.reuse_days} days")
    if args.backend in ("sqlite", "both"):
        database = workdir / f"history-{args.repos}x{args.days}.db"
        database.unlink(missing_ok=True)
        store_year(database_url(str(database)), "sqlite", args, parts)
    if args.backend in ("postgresql", "both"):
        if args.postgres_url:
            store_year(args.postgres_url, "postgresql", args, parts)
            return
        binaries = pgserver.binaries()
        if binaries is None:
            sys.exit("PostgreSQL is not installed (apt-get install postgresql), or give "
                     "--postgres-url")
        server = pgserver.start(binaries)
        try:
            store_year(server.url(server.new_database()), "postgresql", args, parts)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
