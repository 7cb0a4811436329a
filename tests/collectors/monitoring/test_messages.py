"""What a monitoring target that cannot be read says: one plain line, through the real
`maturity` command, against real sockets on 127.0.0.1 (a port nothing listens on, a server
that hangs up, one that never answers) and an environment without the keys."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.collectors.api import ApiError
from scanner.collectors.monitoring.http import HttpSettings, JsonApi, Unreachable

Cli = Callable[..., Any]
NO_KEYS = {"DD_API_KEY": "", "DD_APP_KEY": ""}  # set but empty counts as not set


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port bound but not listening: connecting to it is refused at once, and nothing
    else can take it while the test runs."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "monitoring.yaml"
    path.write_text(text)
    return path


def test_an_unreachable_prometheus_is_one_plain_line(cli: Cli, tmp_path: Path,
                                                      closed_port: int) -> None:
    path = config(tmp_path, f"targets:\n  prometheus:\n    - url: http://127.0.0.1:{closed_port}\n")
    result = cli("scan", "--config", str(path), "--no-store")
    assert result.code == 2
    assert result.err == (f"maturity: error: cannot reach the Prometheus server at "
                          f"http://127.0.0.1:{closed_port}: connection refused (6 attempts)\n")


@pytest.mark.parametrize(("unset", "line"), [
    (NO_KEYS, "environment variables DD_API_KEY and DD_APP_KEY are not set; export the "
              "Datadog organisation's API key as DD_API_KEY and a read-only Datadog "
              "application key as DD_APP_KEY"),
    ({"DD_APP_KEY": ""}, "environment variable DD_APP_KEY is not set; export a read-only "
                         "Datadog application key as DD_APP_KEY"),
])
def test_missing_datadog_keys_are_one_sentence(cli: Cli, tmp_path: Path,
                                               unset: dict[str, str], line: str) -> None:
    path = config(tmp_path, "targets:\n  datadog:\n    - site: datadoghq.eu\n")
    result = cli("scan", "--config", str(path), "--no-store",
                 env={"DD_API_KEY": "set-but-never-sent", **unset})
    assert result.code == 2
    assert result.err == f"maturity: error: {line}\n"


def test_a_missing_pagerduty_token_and_prometheus_token(cli: Cli, tmp_path: Path) -> None:
    path = config(tmp_path, "targets:\n  pagerduty:\n    - token_env: PD_TOKEN\n"
                            "  prometheus:\n    - url: http://127.0.0.1:9\n"
                            "      token_env: PROM_TOKEN\n")
    result = cli("scan", "--config", str(path), "--no-store",
                 env={"PD_TOKEN": "", "PROM_TOKEN": ""})
    assert result.err == (
        "maturity: error: environment variable PD_TOKEN is not set; export a read-only "
        "PagerDuty REST API key (or an OAuth token with incidents.read) as PD_TOKEN; "
        "environment variable PROM_TOKEN is not set; export the bearer token the Prometheus "
        "server expects as PROM_TOKEN\n")


class _Server:
    """A TCP server on 127.0.0.1 that reads each request, then hangs up without an answer
    or holds the connection open and never answers."""

    def __init__(self, hang_up: bool) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        self.hang_up = hang_up
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            connection.recv(65536)
            if self.hang_up:
                connection.close()
            else:
                self.held.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.held:
            connection.close()


def failure(url: str) -> str:
    api = JsonApi(url, {}, [], HttpSettings(retries=0, timeout_seconds=0.5),
                  name="the Prometheus server")
    try:
        with pytest.raises(ApiError) as raised:
            api.get("/api/v1/rules")
    finally:
        api.close()
    assert isinstance(raised.value, Unreachable)
    return str(raised.value)


@pytest.mark.parametrize(("hang_up", "reason"), [(True, "the connection was dropped"),
                                                 (False, "no answer within 0.5 s")])
def test_a_server_that_hangs_up_or_stays_silent(hang_up: bool, reason: str) -> None:
    server = _Server(hang_up)
    try:
        said = failure(f"http://127.0.0.1:{server.port}")
    finally:
        server.close()
    assert said == f"cannot reach the Prometheus server at http://127.0.0.1:{server.port}: " \
                   f"{reason}"


def test_a_refused_connection_and_a_name_that_does_not_resolve(closed_port: int) -> None:
    assert failure(f"http://127.0.0.1:{closed_port}") == \
        f"cannot reach the Prometheus server at http://127.0.0.1:{closed_port}: connection refused"
    # .invalid never resolves (RFC 2606), with or without a network.
    assert failure("http://prometheus.invalid:9090") == \
        "cannot reach the Prometheus server at http://prometheus.invalid:9090: its host name " \
        "does not resolve"
