"""Peak memory and time of a whole-estate scan: 1,000 and 10,000 repositories, cold and warm.

Serves a GitHub organisation of scan_github_org.py from the test suite's GitHub stand-in
(real HTTP on 127.0.0.1, no latency by default: this measures the scanner, not the
network) and, for each size, runs `maturity scan --config` twice with one SQLite store:
cold (nothing remembered) and warm (nothing changed: every repository reused). Peak
memory is that of the whole process tree `maturity` starts, sampled from /proc every
50 ms, and the kernel's peak of the main process; the stand-in's own memory is not
counted. Prints each figure beside its target (issue 17: 1,000 repositories within
250 MiB, 10,000 within 500 MiB; a warm scan of 1,000 within 5 s).

Usage: python benchmarks/scan_estate.py [--repos 1000 10000] [--latency 0] [--workers 32]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from child_env import CHILD_ENV, warm_up
from host_scans import MATURITY
from scan_github_org import TOKEN, organisation

from fakes.github_api import FakeGitHub
from git_hosts import scan_config

MIB = 1024 * 1024
PEAK_TARGETS_MIB = {1000: 250, 10000: 500}
WARM_TARGET_SECONDS = {1000: 5.0}


@dataclass(frozen=True)
class Run:
    seconds: float
    code: int
    tree_peak_mib: float
    main_peak_mib: float
    repositories: int  # those the report judged, to be sure the scan read them all


def tree_rss(root: int) -> int:
    """Resident bytes of `root` and every process below it, now."""
    children: dict[int, list[int]] = {}
    resident: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended meanwhile
        pid, parent = int(entry), int(fields[1])
        children.setdefault(parent, []).append(pid)
        resident[pid] = int(fields[21]) * page
    total, waiting = 0, [root]
    while waiting:
        pid = waiting.pop()
        total += resident.get(pid, 0)
        waiting += children.get(pid, [])
    return total


def measured(args: list[str], env: dict[str, str], report: Path) -> Run:
    report.unlink(missing_ok=True)
    began = time.perf_counter()
    process = subprocess.Popen([MATURITY, *args], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss(process.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - began
    judged = json.loads(report.read_text())["repositories"] if report.exists() else []
    return Run(seconds, process.returncode, peak[0] / MIB, usage.ru_maxrss / 1024,
               len(judged))


def estate(repos: int, latency: float, workers: int) -> dict[str, Run]:
    limit = 100 * repos + 5000
    with tempfile.TemporaryDirectory() as name, FakeGitHub(
            TOKEN, latency=latency, rate_limit=limit, graphql_rate_limit=limit) as server:
        folder = Path(name)
        organisation(server, repos)
        config = scan_config(folder, "github", {
            "org": "acme", "base_url": server.base_url, "token_env": "ACME_TOKEN",
            "workers": workers, "max_repositories": repos, "max_requests": limit})
        env = {**CHILD_ENV, "ACME_TOKEN": TOKEN, "MATURITY_DB": str(folder / "estate.db")}
        report = folder / "report.json"
        scan = ["scan", "--config", str(config), "--format", "json", "--output", str(report)]
        return {"cold": measured(scan, env, report), "warm": measured(scan, env, report)}


def met(holds: bool) -> str:
    return "met" if holds else "missed"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--workers", type=int, default=32)
    args = parser.parse_args()
    warm_up([MATURITY, "--help"])
    print(f"{os.cpu_count()} CPUs, {args.latency * 1000:.0f} ms latency per request, "
          f"{args.workers} workers")
    for repos in args.repos:
        for name, run in estate(repos, args.latency, args.workers).items():
            verdicts = []
            if (limit := PEAK_TARGETS_MIB.get(repos)) is not None:
                verdicts.append(f"peak <= {limit} MiB {met(run.tree_peak_mib <= limit)}")
            if name == "warm" and (seconds := WARM_TARGET_SECONDS.get(repos)) is not None:
                verdicts.append(f"<= {seconds:.0f} s {met(run.seconds <= seconds)}")
            print(f"{repos:,} repositories, {name}: {run.seconds:.1f} s (exit {run.code}, "
                  f"{run.repositories:,} repositories judged), "
                  f"peak {run.tree_peak_mib:.0f} MiB for the process tree "
                  f"({run.main_peak_mib:.0f} MiB the main process)"
                  + (f"; {'; '.join(verdicts)}" if verdicts else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
