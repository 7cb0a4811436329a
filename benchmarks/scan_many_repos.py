"""A fleet scan: 50 repositories in one `maturity scan`, parallel against sequential.

Builds (once, cached under --workdir) a folder of repositories of varied
shape (services with Dockerfiles and manifests, libraries, GitLab and GitHub
CI), each with some hundreds of commits, then reports the wall time and the
peak memory of `maturity scan --recursive` with --jobs 1 and with the
default (one worker per CPU), and their ratio: each with `--fresh` (every clone's
files read, as on a first scan), and without (the clones unchanged since the
warm-up, their files' readings taken back from the user's cache; the history is
read either way). Each command gets one untimed warm-up run first (see child_env.py).

Usage: python benchmarks/scan_many_repos.py [--repos 50] [--commits 400] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from child_env import CHILD_ENV, warm_up

GITHUB = """\
on: [push, pull_request]
jobs:
  test:
    steps:
      - run: pytest --cov
      - uses: github/codeql-action/analyze@v3
  deploy:
    environment: production
    steps:
      - run: helm upgrade --install app ./chart
"""
GITLAB = """\
include:
  - template: Jobs/SAST.gitlab-ci.yml
test:
  script: [go test ./...]
"""
MANIFEST = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec: {replicas: 2}\n"


def files_for(index: int) -> dict[str, str]:
    shape = index % 3
    files = {f"src/module_{i}.py": f"VALUE = {i}\n" for i in range(60)}
    files.update({f"tests/test_{i}.py": "def test(): pass\n" for i in range(10)})
    if shape == 0:
        files.update({".github/workflows/ci.yml": GITHUB, "Dockerfile": "FROM python\n",
                      "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.0.0\n",
                      "deploy/app.yaml": MANIFEST})
    elif shape == 1:
        files.update({".gitlab-ci.yml": GITLAB, "services/a/Dockerfile": "FROM golang\n",
                      "services/b/Dockerfile": "FROM golang\n"})
    else:
        files.update({"pyproject.toml": "[project]\nname = 'lib'\n", "SECURITY.md": "x@y.z\n"})
    return files


def build_repository(root: Path, commits: int, index: int) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    start = datetime.now(UTC) - timedelta(days=500)
    step = timedelta(days=500) / commits
    files = files_for(index)
    paths = sorted(files)
    chunks: list[bytes] = []

    def data(text: str) -> bytes:
        raw = text.encode()
        return b"data %d\n" % len(raw) + raw + b"\n"

    for number in range(commits):
        when = int((start + step * number).timestamp())
        chunks.append(b"commit refs/heads/main\n")
        chunks.append(b"committer Dev%d <dev%d@example.com> %d +0100\n"
                      % (number % 7, number % 7, when))
        chunks.append(data(f"fix: change {number}" if number % 4 == 0 else f"feat: {number}"))
        targets = paths if number == 0 else [paths[number % len(paths)]]
        for path in targets:
            chunks.append(f"M 100644 inline {path}\n".encode())
            chunks.append(data(files[path] + f"# {number}\n"))
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], input=b"".join(chunks),
                   check=True)
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "main"], check=True)


def measure(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall seconds and the largest peak memory (MiB) of one process of the command.

    With workers, each worker is a process of about that size: the scan as a whole
    holds up to (workers + 1) times the figure.
    """
    warm_up(command)
    times, peaks = [], []
    for _ in range(runs):
        began = time.perf_counter()
        completed = subprocess.run(["/usr/bin/time", "-f", "%M", *command], check=False,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                   env=CHILD_ENV)
        times.append(time.perf_counter() - began)
        peaks.append(int(completed.stderr.strip().splitlines()[-1]) / 1024)
    return statistics.median(times), max(peaks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=50)
    parser.add_argument("--commits", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "maturity-bench")
    args = parser.parse_args()
    if not Path("/usr/bin/time").exists():
        print("needs /usr/bin/time (Debian package `time`) to read peak memory")
        return 2
    fleet = args.workdir / f"fleet-{args.repos}-{args.commits}"
    if not fleet.exists():
        began = time.perf_counter()
        for index in range(args.repos):
            build_repository(fleet / f"repo-{index:03d}", args.commits, index)
        print(f"built {args.repos} repositories in {time.perf_counter() - began:.1f} s")
    maturity = str(Path(sys.executable).with_name("maturity"))
    base = [maturity, "scan", "--recursive", "--no-store", "--no-progress", str(fleet)]
    print(f"{args.repos} repositories x {args.commits} commits, {os.cpu_count()} CPUs")
    for label, extra in (("every clone read (--fresh)", ["--fresh"]),
                         ("clones unchanged", [])):
        sequential, sequential_peak = measure([*base, *extra, "--jobs", "1"], args.runs)
        parallel, parallel_peak = measure([*base, *extra], args.runs)
        print(f"{label}:")
        print(f"  sequential (--jobs 1): {sequential:.2f} s, peak {sequential_peak:.0f} MiB")
        print(f"  parallel (default):    {parallel:.2f} s, peak {parallel_peak:.0f} MiB per "
              f"process, {os.cpu_count()} worker processes")
        print(f"  parallel is {sequential / parallel:.2f}x faster than sequential")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
