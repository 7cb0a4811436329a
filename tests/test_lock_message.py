"""The line a second scan of the same config prints names the running one by pid and host,
as the README says, on both stores; and the run after a killed one names it as it takes
the lock over. Two real `maturity` processes: the first stuck on a Git host that never
answers, the second started while it holds the lock."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

Cli = Callable[..., Any]


class _Silent(BaseHTTPRequestHandler):
    """Answers nothing until released, then refuses the token, so that a later run ends
    at once."""

    def do_GET(self) -> None:
        server: Any = self.server
        server.asked.set()
        if server.release.wait(60):
            self.send_error(401)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def silent_host() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Silent)
    server.daemon_threads = True
    server.asked, server.release = threading.Event(), threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def holding_scan(tmp_path: Path, host: Any, store: str) -> tuple[Path, subprocess.Popen[str]]:
    config = tmp_path / "estate.yaml"
    config.write_text("targets:\n  github:\n    - org: acme\n      base_url: "
                      f"http://127.0.0.1:{host.server_address[1]}\n")
    env = {**os.environ, "MATURITY_DB": store, "GITHUB_TOKEN": "x" * 12}
    env.pop("MATURITY_DEBUG", None)
    first = subprocess.Popen([str(Path(sys.executable).with_name("maturity")), "scan",
                              "--config", str(config)], cwd=tmp_path, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert host.asked.wait(60), "the first scan never reached the host"
    return config, first


def test_the_second_run_names_the_first_by_pid_and_host(
        cli: Cli, tmp_path: Path, silent_host: Any, store_url: str) -> None:
    config, first = holding_scan(tmp_path, silent_host, store_url)
    try:
        second = cli("scan", "--config", str(config),
                     env={"MATURITY_DB": store_url, "GITHUB_TOKEN": "x" * 12})
    finally:
        first.kill()
        first.communicate(timeout=60)
    assert second.code == 2
    [line] = second.err.splitlines()
    assert line.startswith("maturity: error: another scan of this config (")
    assert f"is running: pid {first.pid} on host {socket.gethostname()} since " in line
    assert line.endswith("; this one did nothing")


def test_the_run_after_a_killed_one_names_it(cli: Cli, tmp_path: Path,
                                             silent_host: Any) -> None:
    store = str(tmp_path / "maturity.db")  # a lock file: what a killed run leaves behind
    config, first = holding_scan(tmp_path, silent_host, store)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=60)
    silent_host.release.set()
    after = cli("scan", "--config", str(config), "--log-format", "json",
                env={"MATURITY_DB": store, "GITHUB_TOKEN": "x" * 12})
    assert f"the last scan of this config (pid {first.pid} on host {socket.gethostname()} " \
           "since " in after.err
    assert "ended without releasing its lock; taken over" in after.err
