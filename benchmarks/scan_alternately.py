"""This checkout against another commit on the large repository, run alternately.

On a shared 2-core VM the speed of the same code moves by a fifth within the hour, so
two benchmark runs an hour apart cannot tell a 5% change from the noise. This script
checks the other commit out beside this one (a git worktree, removed afterwards) and runs
`maturity scan` on the repository of scan_large_repo.py, once from each tree in turn,
swapping which goes first every round. It prints, for each, the median wall time and the
median CPU time of all the scan's processes (the worker, its copies and git included),
which moves less than the wall time.

Both trees run through PYTHONPATH in this environment's interpreter, from a folder
outside both, after one untimed warm-up each (byte-code written, see child_env.py).

Usage: python benchmarks/scan_alternately.py BASE_COMMIT [--runs 15] [--store]
       [--first-reading]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from child_env import CHILD_ENV
from platformdirs import user_cache_path
from scan_large_repo import KEPT_PER_CLONE, build_repository

CHECKOUT = Path(__file__).resolve().parents[1]


def scan_once(tree: Path, repository: Path, store: Path | None, first_reading: bool
              ) -> tuple[float, float]:
    """Wall and CPU seconds of one scan run from `tree`; `first_reading`: with nothing the
    user's cache keeps of the repository (`KEPT_PER_CLONE`)."""
    command = [sys.executable, "-m", "scanner", "scan", str(repository),
               *(["--db", str(store)] if store else ["--no-store"])]
    if first_reading:
        for kept in KEPT_PER_CLONE:
            shutil.rmtree(user_cache_path("maturity-scanner", appauthor=False) / kept,
                          ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(command, check=True, cwd=repository.parent, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env={**CHILD_ENV, "PYTHONPATH": str(tree)})
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the commit to compare this checkout with")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--store", action="store_true",
                        help="store each scan in SQLite (default: --no-store)")
    parser.add_argument("--first-reading", action="store_true",
                        help="remove what the user's cache keeps of the repository before "
                             "each scan (default: this checkout re-scans it unchanged)")
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "maturity-bench")
    args = parser.parse_args()
    repository = args.workdir / "repo-20000-1500"
    if not repository.exists():
        build_repository(repository, 20_000, 1_500)
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch) / "base"
        subprocess.run(["git", "-C", str(CHECKOUT), "worktree", "add", "-q", "--detach",
                        str(base), args.base], check=True)
        try:
            trees = {"this checkout": CHECKOUT, args.base: base}
            stores = {name: Path(scratch) / f"{index}.db" if args.store else None
                      for index, name in enumerate(trees)}
            for name, tree in trees.items():
                scan_once(tree, repository, stores[name], args.first_reading)
            measured: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
            order = list(trees)
            for _ in range(args.runs):
                for name in order:
                    measured[name].append(scan_once(trees[name], repository, stores[name],
                                                    args.first_reading))
                order.reverse()
        finally:
            subprocess.run(["git", "-C", str(CHECKOUT), "worktree", "remove", "--force",
                            str(base)], check=False)
    mode = "stored in SQLite" if args.store else "--no-store"
    print(f"maturity scan {mode}, {args.runs} runs each, alternately:")
    medians = {name: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
               for name, runs in measured.items()}
    for name, (wall, cpu) in medians.items():
        print(f"  {name}: wall {wall:.3f} s, CPU {cpu:.3f} s")
    (new_wall, new_cpu), (old_wall, old_cpu) = medians.values()
    print(f"  this checkout / {args.base}: wall {new_wall / old_wall:.2f}, "
          f"CPU {new_cpu / old_cpu:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
