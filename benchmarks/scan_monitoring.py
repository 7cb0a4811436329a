"""Datadog and PagerDuty accounts with 5,000 incidents each and 500 SLOs: requests and time.

Serves both accounts from the test suite's stand-ins (tests/fakes, real HTTP on
127.0.0.1, the tools' payload shapes and pagination) behind a fixed latency, and
runs `maturity scan --config` against them. Datadog holds 500 SLOs (each with its
error-budget history), a burn alert per SLO, 5,000 incidents of which a tenth are
significant with post-mortems; PagerDuty holds 5,000 incidents with their log
entries over 90 days. Reports wall time and requests per tool.

Usage: python benchmarks/scan_monitoring.py [--incidents 5000] [--slos 500] [--latency 0.02]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from child_env import CHILD_ENV, warm_up

from fakes.datadog_api import FakeDatadog
from fakes.pagerduty_api import FakePagerDuty

API_KEY, APP_KEY, PD_TOKEN = "bench_dd_api_key", "bench_dd_app_key", "bench_pd_token"


def datadog_account(server: FakeDatadog, incidents: int, slos: int) -> None:
    now = datetime.now(UTC)
    for index in range(slos):
        tags = [f"service:svc-{index % 120}", "env:prod", f"team:t{index % 9}"]
        slo = server.add_slo(f"slo {index}", tags)
        server.add_burn_alert(slo, "@pagerduty-sre" if index % 3 == 0 else "@slack-sre", tags)
    for index in range(incidents):
        created = now - timedelta(days=index * 80 / incidents, minutes=3)
        server.add_incident(
            f"incident {index}", created=created, severity="SEV-2" if index % 10 == 0
            else "SEV-4", impact_start=created - timedelta(minutes=index % 40),
            detected=created, resolved=created + timedelta(minutes=30 + index % 300),
            services=[f"svc-{index % 120}"],
            postmortem_at=created + timedelta(days=3) if index % 10 == 0 else None,
            todos=index % 3)


def pagerduty_account(server: FakePagerDuty, incidents: int) -> None:
    now = datetime.now(UTC)
    for index in range(incidents):
        created = now - timedelta(days=index * 80 / incidents, minutes=3)
        server.add_incident(created, acknowledged=created + timedelta(minutes=index % 20),
                            resolved=created + timedelta(minutes=20 + index % 500),
                            priority="P1" if index % 25 == 0 else "P4",
                            acknowledged_by=f"PUSER{index % 12}",
                            note="post-mortem: https://wiki.example.com/pm" if index % 50 == 0
                            else None)


def scan(config: Path) -> tuple[float, int]:
    env = {**CHILD_ENV, "BENCH_DD_API_KEY": API_KEY, "BENCH_DD_APP_KEY": APP_KEY,
           "BENCH_PD_TOKEN": PD_TOKEN}
    began = time.perf_counter()
    completed = subprocess.run([str(Path(sys.executable).with_name("maturity")), "scan",
                                "--config", str(config), "--format", "json", "--no-store",
                                "--output", os.devnull], env=env, capture_output=True,
                               text=True, check=False)
    if completed.returncode:
        print(completed.stderr.strip().splitlines()[-1:])
    return time.perf_counter() - began, completed.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=5000)
    parser.add_argument("--slos", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, \
            FakeDatadog(API_KEY, APP_KEY, latency=args.latency) as datadog, \
            FakePagerDuty(PD_TOKEN, latency=args.latency) as pagerduty:
        datadog_account(datadog, args.incidents, args.slos)
        pagerduty_account(pagerduty, args.incidents)
        config = Path(folder) / "config.yaml"
        config.write_text(
            "targets:\n  datadog:\n"
            f"    - api_url: {datadog.origin}\n      name: bench\n"
            "      api_key_env: BENCH_DD_API_KEY\n      app_key_env: BENCH_DD_APP_KEY\n"
            f"      workers: {args.workers}\n"
            "  pagerduty:\n"
            f"    - api_url: {pagerduty.origin}\n      token_env: BENCH_PD_TOKEN\n"
            f"      workers: {args.workers}\n")
        warm_up([str(Path(sys.executable).with_name("maturity")), "--help"])
        seconds, code = scan(config)
        datadog_requests, pagerduty_requests = datadog.count(), pagerduty.count()
        histories = datadog.count("/api/v1/slo/")
        todos = sum(1 for r in datadog.requests if r.path.endswith("/relationships/todos"))
        notes = sum(1 for r in pagerduty.requests if r.path.endswith("/notes"))
    print(f"{args.incidents} incidents per tool, {args.slos} SLOs, "
          f"{args.latency * 1000:.0f} ms latency per request, {args.workers} workers, "
          f"{os.cpu_count()} CPUs")
    print(f"scan: {seconds:.1f} s (exit {code})")
    print(f"datadog: {datadog_requests} requests ({histories} SLO histories, "
          f"{todos} incident task lists)")
    print(f"pagerduty: {pagerduty_requests} requests ({notes} incident note lists)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
