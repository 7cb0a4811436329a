"""A GitHub organisation of 1,000 repositories behind 50 ms of latency: requests and time.

Serves the organisation from the test suite's GitHub stand-in (tests/fakes,
real HTTP on 127.0.0.1, GitHub's payload shapes, ETags and rate-limit headers)
and runs `maturity scan --config` against it three times with one store: a cold
scan, a warm one with nothing changed (every repository reused), and a warm one
with `--fresh` (every repository read again, on the ETags and files remembered).
Reports requests per repository (those the rate limit counts, and all of them)
and wall time for each.

Targets: <= 8 counted requests per repository cold, 0 per unchanged repository
warm, <= 1 warm with --fresh, <= 60 s for the cold scan.

Usage: python benchmarks/scan_github_org.py [--repos 1000] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from host_scans import three_scans

from fakes.github_api import FakeGitHub

TOKEN = "ghp_benchmark_token"
WORKFLOW = """\
on: [pull_request, push]
jobs:
  test:
    steps:
      - uses: actions/checkout@v4
      - run: pytest --cov
      - uses: github/codeql-action/analyze@v3
  deploy:
    environment: production
    steps:
      - run: helm upgrade --install app ./chart
"""


def organisation(server: FakeGitHub, repositories: int) -> None:
    now = datetime.now(UTC)
    for index in range(repositories):
        files = {".github/workflows/ci.yml": WORKFLOW, "Dockerfile": "FROM python:3.12\n",
                 "app.py": f"print({index})\n", "README.md": f"# service {index}\n"}
        server.add_repo(
            "acme", f"svc-{index:04d}", files,
            pulls=[{"number": n, "merged_at": now - timedelta(days=n), "author": "ana",
                    "approvers": ["bo"], "first_commit_at": now - timedelta(days=n, hours=5)}
                   for n in range(1, 6)],
            deployments=[{"environment": "production", "created_at": now - timedelta(days=d),
                          "state": "SUCCESS", "status_at": now - timedelta(days=d)}
                         for d in (1, 3, 8)],
            dependabot_alerts=[{"created_at": now - timedelta(days=20),
                                "fixed_at": now - timedelta(days=12), "severity": "high"}],
            code_scanning=[{"tool": "CodeQL", "created_at": now - timedelta(days=1),
                            "analysis_key": "dynamic/github-code-scanning/codeql"}],
            code_scanning_alerts=[], secret_scanning=[])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=32)
    args = parser.parse_args()
    limit = 100 * args.repos + 5000  # enough that the benchmark measures requests, not waits
    with tempfile.TemporaryDirectory() as folder, FakeGitHub(
            TOKEN, latency=args.latency, rate_limit=limit, graphql_rate_limit=limit) as server:
        organisation(server, args.repos)
        # The requests the rate limit counts, and all of them.
        runs = three_scans(server, lambda: (server.count(), server.count(counted_only=False)),
                           folder=Path(folder), kind="github", token=TOKEN,
                           entry={"org": "acme", "base_url": server.base_url,
                                  "token_env": "ACME_TOKEN", "workers": args.workers})
    per = args.repos
    print(f"{args.repos} repositories, {args.latency * 1000:.0f} ms latency per request, "
          f"{args.workers} workers, {os.cpu_count()} CPUs")
    for name, (seconds, code, counted, every) in runs.items():
        print(f"{name}: {seconds:.1f} s (exit {code}), {counted / per:.2f} counted "
              f"requests per repository ({every / per:.2f} in all)")
    met = [runs["cold"][2] / per <= 8, runs["warm"][2] == 0,
           runs["warm --fresh"][2] / per <= 1, runs["cold"][0] <= 60]
    print("targets: <= 8 cold -> {}; 0 warm -> {}; <= 1 warm --fresh -> {}; "
          "cold <= 60 s -> {}".format(*("met" if ok else "missed" for ok in met)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
