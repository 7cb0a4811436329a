"""A GitHub organisation scanned by four shards at once, then finalized: time, requests per
shard and peak memory, beside one unsharded scan of the same organisation.

Serves the organisation of scan_github_org.py (1,000 repositories by default, 50 ms of
latency per request) from the test suite's GitHub stand-in, which accepts four tokens
and counts the requests of each; starts a throwaway PostgreSQL server (tests/pgserver.py,
Debian's `postgresql`); runs `maturity scan --shard I/4 --scan-id ID` four times at once
(shard I reads with token I), then `maturity finalize ID`; then one unsharded cold scan
into another database. Peak memory is each process's own (with any worker processes it
waited for), read from the kernel as the process ends.

Usage: python benchmarks/scan_sharded.py [--repos 1000] [--latency 0.05] [--shards 4]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from child_env import CHILD_ENV, warm_up
from host_scans import MATURITY
from scan_github_org import organisation

import pgserver
from documents import assessment
from fakes.github_api import FakeGitHub


@dataclass(frozen=True)
class Run:
    seconds: float
    code: int
    peak_mib: float
    out: str
    errors: list[str]  # the lines it said about a failure


def started(args: list[str], env: dict[str, str], folder: Path, name: str
            ) -> tuple[subprocess.Popen[bytes], float, Path]:
    out = folder / f"{name}.out"
    with out.open("wb") as sink, (folder / f"{name}.err").open("wb") as errors:
        process = subprocess.Popen([MATURITY, *args], env=env, stdout=sink, stderr=errors)
    return process, time.perf_counter(), out


def all_ended(runs: list[tuple[subprocess.Popen[bytes], float, Path]]) -> list[Run]:
    """Waits for them in the order they end; wait4 gives each one's own end and peak
    resident memory (KiB on Linux)."""
    waiting = {process.pid: index for index, (process, _, _) in enumerate(runs)}
    ended: dict[int, Run] = {}
    while waiting:
        pid, status, usage = os.wait4(-1, 0)
        if pid not in waiting:
            continue
        index = waiting.pop(pid)
        process, began, out = runs[index]
        process.returncode = os.waitstatus_to_exitcode(status)
        said = out.with_suffix(".err").read_text().splitlines()
        ended[index] = Run(time.perf_counter() - began, process.returncode,
                           usage.ru_maxrss / 1024, out.read_text(),
                           [line for line in said if "error" in line][:3])
    return [ended[index] for index in range(len(runs))]


def one(args: list[str], env: dict[str, str], folder: Path, name: str) -> Run:
    return all_ended([started(args, env, folder, name)])[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--workers", type=int, default=32)
    args = parser.parse_args()
    binaries = pgserver.binaries()
    if binaries is None:
        print("needs PostgreSQL (apt-get install postgresql)")
        return 1
    tokens = {f"ACME_TOKEN_{n}": f"ghp_benchmark_shard_{n}_token" for n in range(args.shards)}
    limit = 100 * args.repos + 5000  # enough that the benchmark measures requests, not waits
    server = pgserver.start(binaries)
    try:
        with tempfile.TemporaryDirectory() as name, FakeGitHub(
                tokens["ACME_TOKEN_0"], latency=args.latency, rate_limit=limit,
                graphql_rate_limit=limit) as fake:
            folder = Path(name)
            for token in list(tokens.values())[1:]:
                fake.accept_token(token)
            organisation(fake, args.repos)
            config = folder / "estate.yaml"
            config.write_text(f"targets:\n  github:\n    - org: acme\n      base_url: "
                              f"{fake.base_url}\n      workers: {args.workers}\n"
                              f"      token_env: [{', '.join(tokens)}]\n")
            env = {**CHILD_ENV, **tokens, "PGPASSWORD": server.password,
                   "MATURITY_DB": server.url(server.new_database(), with_password=False)}
            warm_up([MATURITY, "--help"])

            began = time.perf_counter()
            shards = [started(["scan", "--config", str(config), "--shard",
                               f"{n}/{args.shards}", "--scan-id", "bench"], env, folder,
                              f"shard{n}") for n in range(args.shards)]
            runs = all_ended(shards)
            collected = time.perf_counter() - began
            requests = [sum(r.counted for r in fake.requests if r.token == n)
                        for n in range(args.shards)]
            final = one(["finalize", "bench", "--config", str(config), "--format", "json"],
                        env, folder, "finalize")
            fake.clear_log()
            alone = {**env, "MATURITY_DB": server.url(server.new_database(),
                                                      with_password=False)}
            single = one(["scan", "--config", str(config), "--format", "json"], alone, folder,
                         "single")
            single_requests = fake.count()
    finally:
        server.stop()

    print(f"{args.repos} repositories, {args.latency * 1000:.0f} ms latency per request, "
          f"{args.workers} workers per process, {os.cpu_count()} CPUs")
    for index, (run, counted) in enumerate(zip(runs, requests, strict=True)):
        print(f"shard {index}/{args.shards}: {run.seconds:.1f} s (exit {run.code}), "
              f"{counted:,} counted requests on its own token, peak {run.peak_mib:.0f} MiB")
        for line in run.errors:
            print(f"  {line}")
    print(f"all shards: {collected:.1f} s; finalize: {final.seconds:.1f} s (exit {final.code}), "
          f"peak {final.peak_mib:.0f} MiB; sharded scan in all "
          f"{collected + final.seconds:.1f} s")
    print(f"one unsharded scan: {single.seconds:.1f} s (exit {single.code}), "
          f"{single_requests:,} counted requests on one token, peak {single.peak_mib:.0f} MiB")
    same = final.code == single.code == 0 and \
        assessment(json.loads(final.out)) == assessment(json.loads(single.out))
    print(f"same assessment as the unsharded scan: {'yes' if same else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
