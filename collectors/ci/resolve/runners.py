"""Task runners' own files, read for the commands a named task runs.

package.json scripts, justfile recipes, Taskfile tasks, tox environments, nox
sessions, hatch and PDM scripts, composer scripts, PowerShell and shell scripts,
a Dockerfile's build stage and a compose service's command.  Each reader takes
a file's text and a name and gives (line number, command) pairs; finding the
file and following the commands further is the resolver's job.  Nothing is
executed: a noxfile is parsed, never imported.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from typing import Any

from scanner.collectors.ci.model import shell_lines
from scanner.collectors.structured import load_json, load_toml
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, LineList, YamlError, load_yaml

MAX_PARSED_BYTES = 512_000  # bigger task files are not parsed (a noxfile, a Taskfile)

Commands = list[tuple[int, str]]

_JSON_KEY = lazy_compile(r'^\s*"((?:[^"\\]|\\.)*)"\s*:\s*(.*)$')
_JUST_RECIPE = lazy_compile(r"^@?([A-Za-z0-9_-]+)((?:\s+[^:=\s]+)*)\s*:(?!=)(.*)$")
_TOX_SECTION = lazy_compile(r"^\[(testenv(?::([^\]]+))?|tox:tox|tox)\]\s*$")
_INI_KEY = lazy_compile(r"^([A-Za-z_][\w.-]*)\s*[=:]\s*(.*)$")
_DOCKER_FROM = lazy_compile(r"(?i)^FROM\s+\S+(?:\s+AS\s+(\S+))?\s*$")
_DOCKER_RUN = lazy_compile(r"(?i)^RUN\s+(.*)$")


def package_scripts(text: str) -> dict[str, tuple[int, str]]:
    """`scripts` of a package.json or composer.json: name -> (line, command); composer's
    list-valued scripts give their first command."""
    try:
        data = load_json(text)
    except ValueError:
        return {}
    scripts = data.get("scripts") if isinstance(data, dict) else None
    if not isinstance(scripts, dict):
        return {}
    lines: dict[str, int] = {}
    inside = False
    for number, raw in enumerate(text.splitlines(), 1):
        match = _JSON_KEY.match(raw)
        if match and match[1] == "scripts" and match[2].startswith("{"):
            inside = True
        elif inside and match and match[1] in scripts:
            lines.setdefault(match[1], number)
        elif inside and raw.strip().startswith("}") and len(lines) == len(scripts):
            break
    found: dict[str, tuple[int, str]] = {}
    for name, value in scripts.items():
        commands = value if isinstance(value, list) else [value]
        text_commands = [c for c in commands if isinstance(c, str)]
        if text_commands:
            found[str(name)] = (lines.get(name, 1), " && ".join(text_commands))
    return found


def just_recipe(text: str, recipe: str) -> tuple[Commands, list[str]]:
    """(commands, dependencies) of one justfile recipe."""
    commands: Commands = []
    dependencies: list[str] = []
    inside = False
    for number, raw in enumerate(text.splitlines(), 1):
        if raw and not raw[0].isspace():
            match = _JUST_RECIPE.match(raw)
            inside = bool(match and match[1] == recipe)
            if inside and match:
                dependencies = [word.strip("()") for word in match[3].split("#", 1)[0].split()
                                if word.strip("()") and not word.startswith("&&")]
            continue
        line = raw.strip().lstrip("@-").strip()
        if inside and line and not line.startswith("#"):
            commands.append((number, line))
    return commands, dependencies


def taskfile_task(text: str, task: str) -> tuple[Commands, list[str], str]:
    """(commands, tasks it calls or depends on, its `dir`) of one Taskfile task."""
    data = _yaml(text)
    tasks = data.get("tasks") if isinstance(data, LineDict) else None
    if not isinstance(tasks, LineDict) or task not in tasks:
        return [], [], ""
    body = tasks[task]
    if not isinstance(body, LineDict):  # a task written as its commands alone
        return _task_commands(body, tasks, task), [], ""
    called: list[str] = []
    cmds = body.get("cmds")
    commands = _task_commands(cmds, body, "cmds")
    for cmd in cmds if isinstance(cmds, list) else []:
        if isinstance(cmd, dict) and isinstance(cmd.get("task"), str):
            called.append(cmd["task"])
    deps = body.get("deps")
    for dep in deps if isinstance(deps, list) else []:
        name = dep.get("task") if isinstance(dep, dict) else dep
        if isinstance(name, str):
            called.append(name)
    folder = body.get("dir")
    return commands, called, folder if isinstance(folder, str) else ""


def _task_commands(cmds: Any, holder: LineDict, key: str) -> Commands:
    """A Taskfile `cmds` value (text, or a list of text and `{cmd: …}` items) as lines."""
    if isinstance(cmds, str):
        position = holder.position_of(key)
        line = holder.line_of(key)
        return [(position.line_of(offset) if position.literal_block else line, command)
                for offset, command in shell_lines(cmds)]
    found: Commands = []
    if not isinstance(cmds, LineList):
        return found
    for index, cmd in enumerate(cmds):
        text = cmd if isinstance(cmd, str) else \
            cmd.get("cmd") if isinstance(cmd, dict) and isinstance(cmd.get("cmd"), str) else None
        if text is None:
            continue
        position = cmds.position_of(index)
        found += [(position.line_of(offset), command) for offset, command in shell_lines(text)]
    return found


def tox_commands(text: str, environments: list[str]) -> Commands:
    """`commands` of tox.ini environments (all of them when none is named): an
    environment's own section, else the shared `[testenv]`."""
    sections: dict[str, Commands] = {}
    current: str | None = None
    key = ""
    for number, raw in enumerate(text.splitlines(), 1):
        header = _TOX_SECTION.match(raw.strip()) if raw.startswith("[") else None
        if raw.startswith("["):
            current = (header[2] or "") if header and header[1].startswith("testenv") else None
            key = ""
            continue
        if current is None or not raw.strip() or raw.lstrip().startswith(("#", ";")):
            continue
        if raw[0].isspace():
            if key == "commands":
                sections.setdefault(current, []).append((number, raw.strip()))
            continue
        match = _INI_KEY.match(raw)
        key = match[1] if match else ""
        if key == "commands" and match and match[2].strip():
            sections.setdefault(current, []).append((number, match[2].strip()))
    wanted = [e.strip() for name in environments for e in name.split(",") if e.strip()]
    if not wanted or "ALL" in wanted:
        return [command for commands in sections.values() for command in commands]
    found: Commands = []
    for name in wanted:
        found += sections.get(name, sections.get(name.split("-", 1)[0], sections.get("", [])))
    return list(dict.fromkeys(found))


def tox_toml_commands(text: str, environments: list[str]) -> Commands:
    """`commands` of tox.toml (tox 4): lists of argument lists, by environment."""
    data = _toml(text)
    shared = data.get("env_run_base", {})
    by_env = data.get("env", {})
    names = [e for name in environments for e in name.split(",") if e] or \
        list(by_env) or [""]
    lines = _toml_lines(text, "commands")
    found: Commands = []
    for name in names:
        body = by_env.get(name, {}) if isinstance(by_env, dict) else {}
        commands = body.get("commands") if isinstance(body, dict) else None
        if commands is None and isinstance(shared, dict):
            commands = shared.get("commands")
        for argv in commands if isinstance(commands, list) else []:
            if isinstance(argv, list) and all(isinstance(a, str) for a in argv):
                found.append((lines[0] if lines else 1, " ".join(argv)))
    return found


def nox_sessions(text: str, sessions: list[str]) -> Commands:
    """`session.run(...)` calls of noxfile sessions (all when none is named), parsed
    with `ast` (never imported)."""
    if len(text) > MAX_PARSED_BYTES:
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    wanted = {s for name in sessions for s in name.split(",") if s}
    found: Commands = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or not _is_session(node):
            continue
        name = _session_name(node)
        if wanted and name not in wanted and node.name not in wanted:
            continue
        for call in ast.walk(node):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) \
                    and call.func.attr in ("run", "run_always", "run_install"):
                argv = [a.value for a in call.args
                        if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if argv:
                    found.append((call.lineno, " ".join(argv)))
    return found


def _is_session(node: ast.FunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else \
            target.id if isinstance(target, ast.Name) else ""
        if name == "session":
            return True
    return False


def _session_name(node: ast.FunctionDef) -> str:
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return node.name


def pyproject_scripts(text: str, runner: str, name: str) -> Commands:
    """A hatch (`env:script` or `script`) or PDM script of pyproject.toml / hatch.toml."""
    data = _toml(text)
    tool = data.get("tool", data) if isinstance(data, dict) else {}
    commands: Any = None
    if runner == "hatch":
        env, _, script = name.rpartition(":")
        envs = (tool.get("hatch", {}) if "hatch" in tool else tool).get("envs", {})
        body = envs.get(env or "default", {}) if isinstance(envs, dict) else {}
        scripts = body.get("scripts", {}) if isinstance(body, dict) else {}
        commands = scripts.get(script) if isinstance(scripts, dict) else None
    elif runner == "pdm":
        scripts = tool.get("pdm", {}).get("scripts", {}) if isinstance(tool, dict) else {}
        commands = scripts.get(name) if isinstance(scripts, dict) else None
        if isinstance(commands, dict):
            commands = commands.get("cmd") or commands.get("shell") or commands.get("composite")
    lines = _toml_lines(text, name.rpartition(":")[2])
    line = lines[0] if lines else 1
    if isinstance(commands, str):
        return [(line, commands)]
    if isinstance(commands, list):
        return [(line, c if isinstance(c, str) else " ".join(map(str, c))) for c in commands
                if isinstance(c, str | list)]
    return []


def script_lines(text: str) -> Commands:
    """A shell or PowerShell script's logical command lines, numbered from 1."""
    return [(index + 1, line) for index, line in shell_lines(text)]


def dockerfile_stage(text: str, stage: str | None) -> Commands:
    """RUN lines of one build stage (the last one when none is named)."""
    stages: dict[str, Commands] = {}
    order: list[str] = []
    current = ""
    for index, line in shell_lines(text):
        start = _DOCKER_FROM.match(line)
        if start:
            current = (start[1] or str(len(order))).lower()
            order.append(current)
            stages[current] = []
            continue
        run = _DOCKER_RUN.match(line)
        if run and current:
            stages[current].append((index + 1, run[1]))
    if stage is None:
        return stages[order[-1]] if order else []
    return stages.get(stage.lower(), [])


def compose_command(text: str, service: str) -> Commands:
    """A compose service's `command:` (or `entrypoint:`), as one command line."""
    data = _yaml(text)
    services = data.get("services") if isinstance(data, LineDict) else None
    body = services.get(service) if isinstance(services, LineDict) else None
    if not isinstance(body, LineDict):
        return []
    for key in ("command", "entrypoint"):
        value = body.get(key)
        if isinstance(value, str):
            return [(body.line_of(key), value)]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [(body.line_of(key), " ".join(value))]
    return []


def _yaml(text: str) -> Any:
    if len(text) > MAX_PARSED_BYTES:
        return None
    try:
        return load_yaml(text)
    except YamlError:
        return None


def _toml(text: str) -> dict[str, Any]:
    if len(text) > MAX_PARSED_BYTES:
        return {}
    try:
        return load_toml(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return {}


def _toml_lines(text: str, key: str) -> list[int]:
    """Lines where `key =` is written, for locators into TOML files."""
    return [number for number, raw in enumerate(text.splitlines(), 1)
            if raw.lstrip().startswith((f"{key} ", f"{key}=", f'"{key}"'))]


def words_after(words: list[str], flags: tuple[str, ...]) -> Iterator[str]:
    """The values given to any of `flags` (`-e a,b`, `-ea`, `--env=a`)."""
    for index, word in enumerate(words):
        for flag in flags:
            if word == flag and index + 1 < len(words):
                yield words[index + 1]
            elif word.startswith(flag + "=") or (len(flag) == 2 and word.startswith(flag)
                                                  and len(word) > 2 and word[2] != "-"):
                yield word[len(flag) + (1 if word.startswith(flag + "=") else 0):]
