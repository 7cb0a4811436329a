"""`maturity scan --config` over AWS accounts served by moto's server on 127.0.0.1."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

import aws_estate as estate

Cli = Callable[..., Any]
PROD, SHOP = "444444444444", "555555555555"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAMATURITYTEST0003")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", estate.SECRET)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        for account in (PROD, SHOP):
            builder = estate.Builder(estate.account_session(account, "eu-west-1", url),
                                     "eu-west-1", url)
            builder.build(estate.Shape(), prefix=f"a{account[:3]}")
        yield url
    finally:
        moto.stop()


def test_two_accounts_and_a_bad_profile_are_a_partial_scan(
        cli: Cli, server: str, tmp_path: Path) -> None:
    (tmp_path / "aws-config").write_text("[profile other]\nregion = eu-west-1\n")
    config = tmp_path / "config.yaml"
    config.write_text("targets:\n  aws:\n" + "".join(
        f"    - role_arn: {estate.role_arn(account)}\n      regions: [eu-west-1]\n"
        f"      endpoint_url: {server}\n" for account in (PROD, SHOP))
        + "    - profile: missing\n      regions: [eu-west-1]\n")
    env = {"AWS_ACCESS_KEY_ID": "AKIAMATURITYTEST0003", "AWS_SECRET_ACCESS_KEY": estate.SECRET,
           "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    env.pop("AWS_PROFILE", None)
    result = cli("scan", "--config", str(config), "--format", "json",
                 env={**{k: v for k, v in os.environ.items() if k != "AWS_PROFILE"}, **env},
                 timeout=300)
    assert result.code == 3, result.err
    lines = [line for line in result.err.splitlines() if "profile 'missing'" in line]
    assert len(lines) == 1 and "Traceback" not in result.err
    document = json.loads(result.out)
    entities = {e["id"] for e in document["entities"]}
    assert {f"aws:{PROD}", f"aws:{SHOP}"} <= entities
    operate = next(c for c in document["competencies"] if c["id"] == "operate")
    reliability = next(s for s in operate["subcompetencies"] if s["id"] == "reliability")
    assert reliability["stage"] != "unknown"  # judged from what the accounts run
    # and each account on its own in the drill-down
    drill_down = {r["entity"]: r for r in document["repositories"]}
    assert set(drill_down) == {f"aws:{PROD}", f"aws:{SHOP}"}
    assert drill_down[f"aws:{PROD}"]["competencies"]["operate"] != "unknown"
    store = tmp_path / "store" / "maturity.db"
    for text in (result.out, result.err, store.read_bytes().decode("latin-1")):
        assert estate.SECRET not in text
