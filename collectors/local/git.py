"""Read-only git commands against a local repository, made safe for untrusted clones.

A repository's own config can name programs git would run (fsmonitor,
hooks, pagers); every call overrides those so scanning never executes
anything from the scanned repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from functools import cached_property
from pathlib import Path

GIT_TIMEOUT_SECONDS = 120
_SAFE_CONFIG = (
    "-c", "core.fsmonitor=false",
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.pager=cat",
    "-c", "diff.external=",
    "-c", "log.showSignature=false",
)


class GitError(Exception):
    """A git command failed; the message is one line for the user."""


def _environment() -> dict[str, str]:
    env = {k: val for k, val in os.environ.items() if not k.startswith("GIT_")}
    # GIT_FLUSH=0: into a pipe, `git log` would otherwise write each commit with its own
    # system call (10,000 for a year of a busy repository), which costs git and the reader.
    env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C",
                "GIT_CONFIG_NOSYSTEM": "1", "GIT_PAGER": "cat", "GIT_FLUSH": "0"})
    return env


def run_git(directory: Path, *args: str, timeout: float = GIT_TIMEOUT_SECONDS,
            stdin: bytes = b"") -> bytes:
    """What git writes, given `stdin` (revisions for `--stdin`, say)."""
    command = ["git", *_SAFE_CONFIG, "-c", f"safe.directory={directory}", "-C",
               str(directory), *args]
    try:
        completed = subprocess.run(command, capture_output=True, timeout=timeout,
                                   env=_environment(), input=stdin, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {timeout:.0f} s") from None
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} failed")
    return completed.stdout


def clone(url: str, into: Path, *, since: date | None, auth_header: str | None,
          timeout: float = GIT_TIMEOUT_SECONDS * 5) -> None:
    """A single-branch clone of `url`, cut at `since` (the history window) when given.

    Only http(s) transports are allowed. Credentials go in an `http.extraHeader` set
    through the environment, never on the command line or in the URL.
    """
    env = _environment()
    if auth_header:
        env.update({"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader",
                    "GIT_CONFIG_VALUE_0": auth_header})
    base = ["git", *_SAFE_CONFIG, "-c", "protocol.allow=never", "-c",
            "protocol.https.allow=always", "-c", "protocol.http.allow=always",
            "clone", "--quiet", "--single-branch"]
    attempts = [[f"--shallow-since={since.isoformat()}"], ["--depth=1"]] if since else [[]]
    message = "git clone failed"
    for extra in attempts:
        try:
            completed = subprocess.run([*base, *extra, "--", url, str(into)],
                                       capture_output=True, timeout=timeout, env=env,
                                       stdin=subprocess.DEVNULL, check=False)
        except FileNotFoundError:
            raise GitError("git is not installed or not on PATH") from None
        except subprocess.TimeoutExpired:
            raise GitError(f"git clone took longer than {timeout:.0f} s") from None
        if completed.returncode == 0:
            return
        lines = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        message = lines[-1] if lines else message
        shutil.rmtree(into, ignore_errors=True)  # a quiet window: try the head alone
    raise GitError(message)


class GitRepo:
    """A local clone with a work tree."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise GitError(f"{path} does not exist")
        if not path.is_dir():
            raise GitError(f"{path} is not a folder")
        try:
            output = run_git(path, "rev-parse", "--is-bare-repository",
                             "--is-shallow-repository", "--show-toplevel", "--git-common-dir")
        except GitError as exc:
            if "not a git repository" in str(exc).lower():
                raise GitError(f"{path} is not a git repository; point at a clone "
                               "(or run `git init` there)") from None
            raise
        lines = os.fsdecode(output).splitlines()
        if lines and lines[0] == "true":
            raise GitError(f"{path} is a bare repository; scan a clone with a work tree")
        # Asked with the rest: each git process costs a few milliseconds to start.
        self.shallow = len(lines) > 1 and lines[1] == "true"
        self.root = Path(lines[2]).resolve() if len(lines) > 2 else path.resolve()
        # The folder of the objects and refs (a linked work tree's too), as git names it
        # from `path`.
        self.common_dir = (path / lines[3]).resolve() if len(lines) > 3 else self.root / ".git"

    def tracked_files(self) -> list[str]:
        output = run_git(self.root, "ls-files", "-z", "--cached", "--full-name")
        return sorted({p for p in output.decode("utf-8", "surrogateescape").split("\0") if p})

    def head(self) -> str | None:
        return self._head

    @cached_property
    def _head(self) -> str | None:
        """HEAD's commit, asked once: a scan reads the clone as it was when it began."""
        try:
            return run_git(self.root, "rev-parse", "--verify", "-q", "HEAD").decode().strip()
        except GitError:
            return None

    def remote_url(self) -> str | None:
        try:
            url = run_git(self.root, "config", "--get", "remote.origin.url").decode().strip()
        except GitError:
            return None
        return _without_credentials(url) or None


def _without_credentials(url: str) -> str:
    """`https://user:token@host/x` -> `https://host/x`: credentials never reach a report."""
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        rest = rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}" if sep else url
