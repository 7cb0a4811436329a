"""Scan time on a large repository, against the floor of what any scan must do.

Builds (once, cached under --workdir) a git repository with ~20,000 commits
over two years and ~1,500 files, some of them CI workflows, then reports:

* the wall time of `maturity scan --no-store` on it (median of --runs), and with the
  scan stored in SQLite: both as a first reading of the clone (what the user's cache keeps
  of it removed before each run) and as a re-scan of the clone unchanged (its files'
  reading and the walk before the history window taken back from the user's cache, the
  window's history read again),
* the floor (median of at least 21 runs): `git log --format=raw` over the last 365 days
  plus reading every tracked file, what any scan of it must do,
* their ratio, the wall time of `maturity --help`, and whether each meets its target, as
  set and scaled by the floor measured beside it (the same code runs up to three times
  slower on one VM of this kind than on another).

The commands and the floor are timed in rounds, each command once per round with floor
runs between them: timed one after the other, the floor and the scans met the VM at
different speeds, and their ratio swung from 5.6 to 9.0 between two runs of this script.
Each command gets one untimed warm-up run first (see child_env.py).

Usage: python benchmarks/scan_large_repo.py [--commits 20000] [--files 1500] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from child_env import CHILD_ENV, warm_up

WORKFLOW = """\
name: ci-{n}
on:
  pull_request:
  push:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pytest --cov=app
      - uses: github/codeql-action/analyze@v3
  deploy:
    environment: production
    runs-on: ubuntu-latest
    steps:
      - run: helm upgrade --install app-{n} ./chart
"""


# Seconds (issue 17): a local scan in half a second with the store.
TARGETS = {"scan --no-store": 0.35, "scan with the store": 0.5, "--help": 0.1}
# The floor on the machine the targets were set on (issue 17: "against a floor of 0.045 s").
# The same code runs up to 1.8 times slower on one VM of this kind than on another, so the
# targets are also judged scaled by the floor measured here, beside the same run.
TARGETS_FLOOR = 0.045
# What the user's cache keeps of a clone between scans: removed before a first reading.
KEPT_PER_CLONE = ("clone-readings", "history-walks")
# The floor is cheap and sets the scale for the targets: at least this many runs of it.
FLOOR_RUNS = 21


def _verdict(medians: dict[str, float], what: str, limit: float) -> str:
    """Met or missed, for the first reading and for the re-scan of an unchanged clone."""
    if what == "--help":
        return "met" if medians[what] <= limit else "missed"
    return ", ".join(f"{'met' if medians[name] <= limit else 'missed'} {when}"
                     for name, when in ((what, "on a first reading"),
                                        (f"re-{what}", "on an unchanged clone")))


def editable_install() -> bool:
    """Whether the environment running this script installed the scanner editable."""
    import sysconfig

    return any(Path(sysconfig.get_paths()["purelib"]).glob("__editable__*maturity_scanner*"))


def build_repository(root: Path, commits: int, files: int) -> None:
    """Write the history with git fast-import: one file changed per commit."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    start = datetime.now(UTC) - timedelta(days=730)
    step = timedelta(days=730) / commits
    lines: list[bytes] = []

    def blob(text: str) -> None:
        data = text.encode()
        lines.append(b"data %d\n" % len(data) + data + b"\n")

    paths = [f"src/pkg{i % 40}/module_{i}.py" for i in range(files - 60)]
    paths += [f"tests/test_module_{i}.py" for i in range(50)]
    paths += [f".github/workflows/ci_{i}.yml" for i in range(8)]
    paths += ["Dockerfile", "SECURITY.md"]
    for number in range(commits):
        when = int((start + step * number).timestamp())
        lines.append(b"commit refs/heads/main\n")
        lines.append(b"committer Bench <bench@example.com> %d +0000\n" % when)
        message = f"change {number}"
        lines.append(b"data %d\n%s\n" % (len(message), message.encode()))
        if number == 0:
            for index, path in enumerate(paths):
                lines.append(f"M 100644 inline {path}\n".encode())
                if path.startswith(".github/workflows/"):
                    blob(WORKFLOW.format(n=index))
                else:
                    blob(f"# {path}\nVALUE = {index}\n")
        else:
            path = paths[number % (files - 60)]
            lines.append(f"M 100644 inline {path}\n".encode())
            blob(f"# {path}\nVALUE = {number}\n")
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], input=b"".join(lines),
                   check=True)
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "main"], check=True)


def timed(command: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - began


def floor_once(root: Path, tracked: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(["git", "-C", str(root), "log", "--since=365.days", "--format=raw"],
                   check=True, stdout=subprocess.DEVNULL)
    for path in tracked:
        (root / path).read_bytes()
    return time.perf_counter() - began


def measured_in_rounds(commands: dict[str, list[str]], root: Path, rounds: int,
                       cache: Path, first_readings: set[str]) -> dict[str, float]:
    """The median wall time of each command and of the floor, measured in rounds: each
    round runs every command once with floor runs between them, so that the floor and the
    scans see the VM at the same speed (it drifts by a quarter within minutes). The
    children keep their cache in `cache`; before each of `first_readings`, what it keeps
    of the clones is removed from it."""
    listing = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], check=True,
                             capture_output=True).stdout
    tracked = [path for path in os.fsdecode(listing).split("\0") if path]
    env = {**CHILD_ENV, "XDG_CACHE_HOME": str(cache)}
    for command in commands.values():
        warm_up(command, env)
    floors_per_command = max(1, -(-FLOOR_RUNS // (rounds * len(commands))))
    times: dict[str, list[float]] = {name: [] for name in [*commands, "floor"]}
    for _ in range(rounds):
        for name, command in commands.items():
            if name in first_readings:
                for kept in KEPT_PER_CLONE:
                    shutil.rmtree(cache / "maturity-scanner" / kept, ignore_errors=True)
            times[name].append(timed(command, env))
            times["floor"] += [floor_once(root, tracked) for _ in range(floors_per_command)]
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--files", type=int, default=1_500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "maturity-bench")
    args = parser.parse_args()
    maturity = str(Path(sys.executable).with_name("maturity"))
    root = args.workdir / f"repo-{args.commits}-{args.files}"
    if not root.exists():
        began = time.perf_counter()
        build_repository(root, args.commits, args.files)
        print(f"built {root} in {time.perf_counter() - began:.1f} s")
    count = subprocess.run(["git", "-C", str(root), "rev-list", "--count", "HEAD"],
                           check=True, capture_output=True, text=True).stdout.strip()
    tracked = len(subprocess.run(["git", "-C", str(root), "ls-files"], check=True,
                                 capture_output=True, text=True).stdout.splitlines())
    print(f"repository: {count} commits, {tracked} files")
    if editable_install():
        print("note: this environment holds an editable install (pip install -e .), whose "
              "import hook costs every start about 0.025 s; time a `pip install .` "
              "environment for the figures a user sees")
    no_store = [maturity, "scan", "--no-store", str(root)]
    stored = [maturity, "scan", "--db", str(args.workdir / "bench.db"), str(root)]
    medians = measured_in_rounds({
        "scan --no-store": no_store, "scan with the store": stored,
        "re-scan --no-store": no_store, "re-scan with the store": stored,
        "--help": [maturity, "--help"]}, root, args.runs, args.workdir / "cache",
        first_readings={"scan --no-store", "scan with the store"})
    floor = medians.pop("floor")
    print(f"floor (git log over 365 days + reading every tracked file): {floor:.3f} s "
          f"(median, in rounds with the commands; {args.runs} runs of each command)")
    for what, label in (("scan --no-store", "maturity scan --no-store, first reading"),
                        ("scan with the store", "maturity scan (stored in SQLite), first "
                                                "reading"),
                        ("re-scan --no-store", "maturity scan --no-store, clone unchanged"),
                        ("re-scan with the store", "maturity scan (stored in SQLite), clone "
                                                   "unchanged"),
                        ("--help", "maturity --help")):
        print(f"{label}: {medians[what]:.3f} s ({medians[what] / floor:.1f}x the floor)")
    scale = floor / TARGETS_FLOOR
    for title, factor in (("targets as set", 1.0),
                          (f"targets scaled by the floor (here {floor:.3f} s against the "
                           f"{TARGETS_FLOOR} s they were set on, so x{scale:.2f})", scale)):
        print(f"{title}: " + "; ".join(
            f"{what} <= {limit * factor:.3f} s -> {_verdict(medians, what, limit * factor)}"
            for what, limit in TARGETS.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
