"""Shell command lines as words: simple commands split out, launchers peeled off.

CI rarely calls a tool directly: `uv run --group dev tox run`, `coverage run -m
pytest`, `docker run --rm -v $PWD:/src img pytest`, `for d in a b; do make -C $d
test; done`.  `segments` turns a line into the simple commands it runs, each with
the launchers and container runners in front of it removed, so that the catalogue
and the resolver see the command that does the work.  Everything here is a single
pass over the words: no regular expression can backtrack on a hostile line.
"""

from __future__ import annotations

import shlex

from scanner.lazy_patterns import lazy_compile

MAX_COMMAND = 20_000  # characters of a command line read; no real command is this long
# Launchers: words that run the command after them, and their options taking a value.
_LAUNCHERS: dict[tuple[str, ...], frozenset[str]] = {
    ("uv", "run"): frozenset({"--group", "--extra", "--with", "--with-editable",
                              "--with-requirements", "--python", "-p", "--package", "--env-file",
                              "--directory", "--project", "--index", "--index-url",
                              "--extra-index-url", "--only-group", "--no-group"}),
    ("uvx",): frozenset({"--from", "--with", "--python", "-p", "--index-url"}),
    ("uv", "tool", "run"): frozenset({"--from", "--with", "--python", "-p"}),
    ("poetry", "run"): frozenset(), ("pipenv", "run"): frozenset(),
    ("pdm", "run"): frozenset(), ("rye", "run"): frozenset(), ("pixi", "run"): frozenset(),
    ("hatch", "run"): frozenset(), ("bundle", "exec"): frozenset(),
    ("conda", "run"): frozenset({"-n", "--name", "-p", "--prefix"}),
    ("mamba", "run"): frozenset({"-n", "--name", "-p", "--prefix"}),
    ("micromamba", "run"): frozenset({"-n", "--name", "-p", "--prefix"}),
    ("npx",): frozenset({"-p", "--package"}), ("pnpx",): frozenset(), ("bunx",): frozenset(),
    ("pnpm", "exec"): frozenset(), ("pnpm", "dlx"): frozenset(), ("yarn", "dlx"): frozenset(),
    ("yarn", "exec"): frozenset(), ("npm", "exec"): frozenset({"-p", "--package"}),
    ("nix", "develop", "-c"): frozenset(), ("nix", "develop", "--command"): frozenset(),
    ("env",): frozenset({"-u", "--unset", "-C", "--chdir"}), ("sudo",): frozenset({"-u", "-E"}),
    ("time",): frozenset(), ("nice",): frozenset({"-n"}), ("xvfb-run",): frozenset({"-s", "-n"}),
    ("dbus-run-session",): frozenset(), ("stdbuf",): frozenset(),
    ("timeout",): frozenset({"-s", "--signal", "-k", "--kill-after"}),
    ("coverage", "run"): frozenset({"--rcfile", "--source", "--omit", "--include",
                                    "--data-file", "--context", "--concurrency"}),
    ("exec",): frozenset(), ("command",): frozenset(), ("!",): frozenset(),
    # shell keywords in front of the command of a loop or a condition
    ("do",): frozenset(), ("then",): frozenset(), ("else",): frozenset(),
    ("if",): frozenset(), ("elif",): frozenset(), ("while",): frozenset(),
    ("until",): frozenset(), ("{",): frozenset(), ("(",): frozenset(),
}
_TAKES_A_LEADING_ARGUMENT = frozenset({("timeout",)})  # `timeout 10m pytest`
_NOT_COMMANDS = frozenset({"done", "fi", "}", ")", "esac", "for", "case", ";;", "in"})
_PYTHON = lazy_compile(r"^(?:\S*/)?python[0-9.]*(?:\.exe)?$")
_ASSIGNMENT = lazy_compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# `&&`, `||`, `;`, a pipe, a background `&`; not the `&` of a redirection (`2>&1`, `&>`).
_SEPARATORS = lazy_compile(r"&&|\|\||;|\|&?|(?<![<>&])&(?![>&])")

# Container runners: `docker run [options] IMAGE [command…]` and their relatives. The
# options that take a value (the rest are flags), per runner.
_DOCKER_RUN_VALUED = frozenset({
    "-a", "--attach", "-c", "--cpu-shares", "-e", "--env", "--env-file", "-h", "--hostname",
    "-l", "--label", "--label-file", "-m", "--memory", "-p", "--publish", "-u", "--user",
    "-v", "--volume", "-w", "--workdir", "--add-host", "--cap-add", "--cap-drop", "--cidfile",
    "--cpus", "--cpuset-cpus", "--device", "--dns", "--entrypoint", "--expose", "--gpus",
    "--group-add", "--ip", "--ipc", "--link", "--log-driver", "--log-opt", "--mount",
    "--name", "--network", "--net", "--platform", "--pull", "--restart", "--runtime",
    "--security-opt", "--shm-size", "--stop-signal", "--tmpfs", "--ulimit", "--userns",
    "--volumes-from", "--pid", "--uts", "--memory-swap", "--health-cmd", "--sysctl",
})
_COMPOSE_GLOBAL_VALUED = frozenset({"-f", "--file", "-p", "--project-name", "--profile",
                                    "--env-file", "--project-directory", "--ansi",
                                    "--progress"})
_COMPOSE_RUN_VALUED = frozenset({"-e", "--env", "-l", "--label", "--name", "-p", "--publish",
                                 "-u", "--user", "-v", "--volume", "-w", "--workdir",
                                 "--entrypoint", "--index", "--cap-add", "--cap-drop"})
_EXEC_VALUED = frozenset({"-e", "--env", "--env-file", "-u", "--user", "-w", "--workdir",
                          "--detach-keys", "--index"})


def words(command: str) -> list[str]:
    """The words of one simple command, quotes removed where they balance; of its first
    MAX_COMMAND characters, as shlex takes time quadratic in the length of one word (a
    1.5 MB `echo aaa…` in a workflow took a minute)."""
    command = command[:MAX_COMMAND]
    try:
        return shlex.split(command, comments=False, posix=True)
    except ValueError:  # unbalanced quotes: plain whitespace words
        return command.split()


def segments(line: str) -> list[str]:
    """The simple commands of a command line, launchers and container runners peeled off
    each; `sh -c "…"` and `bash -c '…'` give the commands inside."""
    found: list[str] = []
    _segments(line, found, 0)
    return found


def pieces(line: str) -> list[str]:
    """The simple commands of a line as text, split at `&&`, `||`, `;`, `|` and `&`."""
    return [part.strip() for part in _SEPARATORS.split(line) if part.strip()]


def _segments(line: str, found: list[str], depth: int) -> None:
    for part in pieces(line):
        peeled = peel(words(part))
        inner = shell_c(peeled)
        if inner is not None and depth < 3:
            _segments(inner, found, depth + 1)
        elif peeled:
            found.append(" ".join(peeled))


def simple_commands(line: str) -> list[list[str]]:
    """The simple commands of a line as words, launchers not yet peeled; the script of
    `sh -c '…'` gives its own commands."""
    found: list[list[str]] = []
    for part in pieces(line):
        raw = words(part)
        inner = shell_c(peel(raw))
        if inner is not None:
            found += [words(piece) for piece in pieces(inner)]
        elif raw:
            found.append(raw)
    return found


def strip_launchers(command: str) -> str:
    """`uv run --group dev tox run -e py` -> `tox run -e py`; `FOO=1 pytest` -> `pytest`."""
    return " ".join(peel(words(command)))


def shell_c(command: list[str]) -> str | None:
    """The script of `sh -c '…'` / `bash -ec "…"`, or None."""
    if len(command) >= 3 and command[0].rsplit("/", 1)[-1] in ("sh", "bash", "zsh", "dash") \
            and command[1].startswith("-") and "c" in command[1]:
        return command[2]
    return None


def peel(command: list[str]) -> list[str]:
    """The command with every launcher in front of it removed."""
    rest = list(command)
    changed = True
    while rest and changed:
        changed = False
        while rest and _ASSIGNMENT.match(rest[0]):
            rest.pop(0)
            changed = True
        if rest and rest[0] in _NOT_COMMANDS:
            return []
        if len(rest) >= 2 and _PYTHON.match(rest[0]) and rest[1] == "-m":
            del rest[:2]
            changed = True
            continue
        container = _container_command(rest)
        if container is not None:
            rest = container
            changed = True
            continue
        for launcher, valued in _LAUNCHERS.items():
            if tuple(rest[:len(launcher)]) != launcher:
                continue
            del rest[:len(launcher)]
            _drop_options(rest, valued)
            if launcher in _TAKES_A_LEADING_ARGUMENT and rest:
                rest.pop(0)
            changed = True
            break
    return rest


def _drop_options(rest: list[str], valued: frozenset[str]) -> None:
    while rest and rest[0].startswith("-") and rest[0] != "-":
        option = rest.pop(0)
        if option == "--":
            return
        if option in valued and "=" not in option and rest:
            rest.pop(0)


def _container_command(command: list[str]) -> list[str] | None:
    """What runs inside a container started here, or None when this starts none."""
    head = command[0].rsplit("/", 1)[-1] if command else ""
    rest = command[1:]
    if head in ("docker", "podman", "nerdctl"):
        if rest[:2] == ["container", "run"]:
            rest = rest[1:]
        if rest[:1] == ["run"]:
            return _after_image(rest[1:], _DOCKER_RUN_VALUED)
        if rest[:1] == ["exec"]:
            return _after_image(rest[1:], _EXEC_VALUED)
        if rest[:1] == ["compose"]:
            return _compose(rest[1:])
        return None
    if head in ("docker-compose", "podman-compose"):
        return _compose(rest)
    if head == "kubectl" and rest[:1] in (["exec"], ["run"]) and "--" in rest:
        return rest[rest.index("--") + 1:]
    return None


def _compose(rest: list[str]) -> list[str] | None:
    rest = list(rest)
    while rest and rest[0].startswith("-"):
        option = rest.pop(0)
        if option in _COMPOSE_GLOBAL_VALUED and "=" not in option and rest:
            rest.pop(0)
    if rest[:1] == ["run"]:
        return _after_image(rest[1:], _COMPOSE_RUN_VALUED)
    if rest[:1] == ["exec"]:
        return _after_image(rest[1:], _EXEC_VALUED)
    return None


def _after_image(rest: list[str], valued: frozenset[str]) -> list[str]:
    """`[options] IMAGE-or-SERVICE [command…]` -> the command (may be empty); an
    `--entrypoint` comes first."""
    rest = list(rest)
    entrypoint: list[str] = []
    while rest and rest[0].startswith("-"):
        option = rest.pop(0)
        name, _, inline = option.partition("=")
        value = inline if inline else (rest.pop(0) if name in valued and rest else "")
        if name == "--entrypoint" and value:
            entrypoint = words(value)
    if not rest:
        return []
    return entrypoint + rest[1:]


def image_of(command: list[str]) -> str | None:
    """The image a `docker run` starts, or None."""
    head = command[0].rsplit("/", 1)[-1] if command else ""
    rest = command[1:]
    if head not in ("docker", "podman", "nerdctl"):
        return None
    if rest[:2] == ["container", "run"]:
        rest = rest[1:]
    if rest[:1] != ["run"]:
        return None
    rest = rest[1:]
    while rest and rest[0].startswith("-"):
        option = rest.pop(0)
        if option in _DOCKER_RUN_VALUED and rest:
            rest.pop(0)
    return rest[0] if rest else None
