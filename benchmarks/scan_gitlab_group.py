"""A GitLab group of 1,000 projects (in subgroups) behind 50 ms of latency: requests and time.

Serves the group from the test suite's GitLab stand-in (tests/fakes, real HTTP on
127.0.0.1, GitLab's payload shapes, weak ETags and 304s) and runs `maturity scan
--config` against it three times with one store: a cold scan, a warm one with
nothing changed (every project reused), and a warm one with `--fresh` (every
project read again, on the ETags and archives remembered). Reports requests per
project (all of them, and those answered with a body rather than a 304) and wall
time for each. GitLab's rate limits count every request, 304s included, so the
warm figures to watch are the first ones.

Usage: python benchmarks/scan_gitlab_group.py [--projects 1000] [--latency 0.05]
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

from fakes.gitlab_api import FakeGitLab

TOKEN = "glpat-benchmark-token"
PIPELINE = """\
include:
  - template: Security/SAST.gitlab-ci.yml
test:
  script: pytest --cov
deploy:
  stage: deploy
  environment: production
  script: helm upgrade --install app ./chart
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
"""


def group(server: FakeGitLab, projects: int) -> None:
    now = datetime.now(UTC)
    for index in range(projects):
        files = {".gitlab-ci.yml": PIPELINE, "Dockerfile": "FROM python:3.12\n",
                 "app.py": f"print({index})\n", "README.md": f"# service {index}\n"}
        server.add_project(
            f"platform/team-{index % 10}/svc-{index:04d}", files, tier="ultimate",
            last_activity_at=now - timedelta(hours=index % 48 + 2),
            only_allow_merge_if_pipeline_succeeds=True,
            protected_branches=[{"name": "main", "push_access_level": 0}],
            approval_rules=[{"name": "reviewers", "approvals_required": 1}],
            merge_requests=[{"iid": n, "merged_at": now - timedelta(days=n), "author": "ana",
                             "approvers": ["bo"], "commits": [now - timedelta(days=n, hours=5)]}
                            for n in range(1, 6)],
            deployments=[{"environment": "production", "created_at": now - timedelta(days=d)}
                         for d in (1, 3, 8)],
            vulnerabilities=[{"report_type": "DEPENDENCY_SCANNING", "severity": "HIGH",
                              "state": "RESOLVED", "detected_at": now - timedelta(days=20),
                              "resolved_at": now - timedelta(days=12)}],
            scanners=["SAST", "DEPENDENCY_SCANNING"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=32)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, FakeGitLab(
            TOKEN, latency=args.latency) as server:
        group(server, args.projects)
        # All the requests, and those answered with a body.
        runs = three_scans(server, lambda: (server.count(not_modified=True), server.count()),
                           folder=Path(folder), kind="gitlab", token=TOKEN,
                           entry={"group": "platform", "url": server.base_url,
                                  "token_env": "PLATFORM_TOKEN", "workers": args.workers})
    per = args.projects
    print(f"{args.projects} projects, {args.latency * 1000:.0f} ms latency per request, "
          f"{args.workers} workers, {os.cpu_count()} CPUs")
    for name, (seconds, code, every, with_body) in runs.items():
        print(f"{name}: {seconds:.1f} s (exit {code}), {every / per:.2f} requests per "
              f"project ({with_body / per:.2f} with a body, the rest 304s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
