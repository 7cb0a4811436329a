"""Several AWS accounts x regions with hundreds of resources on moto's server: time and calls.

Builds the estate on a moto server (127.0.0.1, reached through endpoint_url, as a
LocalStack user would), then collects every account at once, the way a scan of
several targets does, and reports the wall time, the API calls made (counted by a
botocore hook on every session) and the evidence gathered.

Usage: python benchmarks/scan_aws_fleet.py [--accounts 4] [--regions 3] [--scale 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests/collectors/cloud/aws"))

from botocore import handlers
from moto.server import ThreadedMotoServer

from scanner.collectors.base import Collected, CollectSettings, Target
from scanner.collectors.cloud.aws.collector import AwsCollector
from scanner.collectors.cloud.aws.target import AccountTarget

import aws_estate as estate

REGIONS = ("eu-west-1", "us-east-1", "eu-central-1", "us-west-2", "ap-southeast-2")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=4)
    parser.add_argument("--regions", type=int, default=3)
    parser.add_argument("--scale", type=int, default=3, help="resources per kind per region")
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="AKIABENCHMARK0000001",
                      AWS_SECRET_ACCESS_KEY=estate.SECRET, AWS_DEFAULT_REGION="eu-west-1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    regions = REGIONS[:args.regions]
    accounts = [f"{700000000000 + n:012d}" for n in range(args.accounts)]
    scale = args.scale
    shape = estate.Shape(groups=scale, scaled_groups=scale // 2, databases=scale,
                         multi_az_databases=scale // 2, tables=scale, buckets=scale,
                         functions=scale, repositories=scale, instances=scale * 2)
    started = time.perf_counter()
    for account in accounts:
        for region in regions:
            estate.Builder(estate.account_session(account, region, url), region, url).build(
                shape, prefix=f"b{account[-2:]}{region.replace('-', '')}")
    built = time.perf_counter() - started

    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[f"{model.service_model.service_name}.{model.name}"] += 1

    handlers.BUILTIN_HANDLERS.append(("before-call", count))

    def collect(account: str) -> Collected:
        target = AccountTarget(role_arn=estate.role_arn(account), regions=regions,
                               endpoint_url=url)
        return AwsCollector().collect(Target("aws", target.label, target.to_options()),
                                      CollectSettings())

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(accounts)) as pool:
        results = list(pool.map(collect, accounts))
    wall = time.perf_counter() - started
    server.stop()
    resources = sum(int(e.value) for r in results for e in r.evidence
                    if e.signal == "aws.resources" and isinstance(e.value, int))
    print(f"estate: {len(accounts)} accounts x {len(regions)} regions, {resources} resources "
          f"counted (built in {built:.1f} s)")
    print(f"scan:   {wall:.1f} s wall, {sum(calls.values())} API calls "
          f"({sum(calls.values()) / len(accounts):.0f} per account, "
          f"{sum(calls.values()) / max(resources, 1):.2f} per resource)")
    print(f"evidence: {sum(len(r.evidence) for r in results)} items; notes: "
          f"{sum(len(r.problems) for r in results)}")
    print("busiest calls:", ", ".join(f"{name} {n}" for name, n in calls.most_common(5)))


if __name__ == "__main__":
    main()
