"""A real, throwaway PostgreSQL server for the tests: Debian's `postgresql` binaries,
a cluster in a temporary folder, listening on 127.0.0.1 at a free port.

Its one user logs in with a password over TCP (scram-sha-256), as a shared store
would be reached; each test gets a database of its own.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER = "maturity"


def binaries() -> Path | None:
    """The newest installed server's bin folder (Debian keeps them out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class Server:
    bin: Path
    folder: Path
    port: int
    password: str
    _counter: int = 0

    def url(self, database: str, *, with_password: bool = True) -> str:
        secret = f":{self.password}" if with_password else ""
        return f"postgresql://{USER}{secret}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        self._counter += 1
        name = f"store_{os.getpid()}_{self._counter}"
        self.psql(f'CREATE DATABASE "{name}"')
        return name

    def psql(self, sql: str, database: str = "postgres") -> str:
        completed = subprocess.run(
            [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER,
             "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
            env={**os.environ, "PGPASSWORD": self.password}, capture_output=True, text=True,
            check=True, timeout=60)
        return completed.stdout

    def stop(self) -> None:
        _as_owner([str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m",
                   "immediate", "-w", "stop"], check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def start(bin_folder: Path) -> Server:
    folder = Path(tempfile.mkdtemp(prefix="maturity-pg-"))
    password = secrets.token_urlsafe(12)
    (folder / "password").write_text(password)
    if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to Debian's postgres
        shutil.chown(folder, "postgres")
        shutil.chown(folder / "password", "postgres")
    port = _free_port()
    _as_owner([str(bin_folder / "initdb"), "-D", str(folder / "data"), "-U", USER,
               f"--pwfile={folder / 'password'}", "--auth-local=trust",
               "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"])
    _as_owner([str(bin_folder / "pg_ctl"), "-D", str(folder / "data"), "-l",
               str(folder / "server.log"), "-w", "-t", "60", "-o",
               f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off", "start"])
    return Server(bin_folder, folder, port, password)


def _as_owner(command: list[str], *, check: bool = True) -> None:
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=check, capture_output=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
