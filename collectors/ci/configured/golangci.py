"""The security analysers golangci-lint runs: gosec, when its configuration or its
command line enables it.

golangci-lint reads `.golangci.yml|yaml|toml|json` from the folder it runs in or the
nearest folder above (or the file `--config` names).  Version 1 runs a default set
(no gosec) changed by `enable`, `disable`, `enable-all`, `disable-all` and `presets`
(gosec is in the `bugs` preset); version 2 (`version: "2"`) starts from `linters.default`
(`standard`, `all`, `none`, `fast`) and applies `enable` and `disable`.  Command-line
flags (`-E gosec`, `--enable-all`, `--default all`, `--enable-only`) win over the file.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.ci.configured.context import (
    Context,
    chained,
    commands,
    in_directory,
    upward,
)
from scanner.collectors.ci.model import ACTION, COMMAND, CONFIGURED, Job, Reference
from scanner.collectors.ci.resolve.words import words
from scanner.collectors.structured import load_json, load_toml
from scanner.yaml_source import LineDict, LineList

TOOL = "golangci-lint"
ANALYSERS = {"gosec": ("gosec", "gas")}  # what we report -> the names golangci-lint accepts
CONFIG_NAMES = (".golangci.yml", ".golangci.yaml", ".golangci.toml", ".golangci.json")
V1_PRESETS = {"gosec": "bugs"}


@dataclass
class _Switches:
    """What decides whether a linter runs, from the file then the command line."""

    version: str = "1"
    # v2 `linters.default`; v1's `enable-all` reads as "all", `disable-all` as "none".
    default: str = "standard"
    enabled: dict[str, str] = field(default_factory=dict)  # name -> where it is switched on
    disabled: frozenset[str] = frozenset()
    presets: frozenset[str] = frozenset()
    default_at: str = ""  # where `default` was set

    def runs(self, names: tuple[str, ...], preset: str | None) -> str | None:
        """Where the linter is switched on, or None when it does not run."""
        enabled = self.enabled
        if any(name in self.disabled for name in names):
            return None
        for name in names:
            if name in enabled:
                return enabled[name]
        if self.default == "all":
            return self.default_at
        if preset and preset in self.presets and self.default != "none":
            return self.default_at
        return None


def enabled(context: Context, job: Job, reference: Reference,
            tools: frozenset[str]) -> list[Reference]:
    if TOOL not in tools:
        return []
    directory, args = _invocation(reference)
    if directory is None:
        return []
    path = _config_path(context, directory, args)
    switches = _Switches()
    if path:
        switches = _from_file(context, path) or switches
    _apply_flags(switches, args, reference.locator)
    found = []
    for analyser, names in ANALYSERS.items():
        where = switches.runs(names, V1_PRESETS.get(analyser))
        if where:
            via = chained(reference) if where != reference.locator else reference.via
            found.append(Reference(CONFIGURED, f"{TOOL}:{analyser}", where, via=via,
                                   label=f"{analyser} enabled in golangci-lint"))
    return found


def _invocation(reference: Reference) -> tuple[str | None, list[str]]:
    """(the folder golangci-lint runs in, its arguments); (None, []) when this reference
    does not run it."""
    if reference.kind == ACTION:
        return (in_directory("", reference.input("working-directory") or ".") or "",
                words(reference.input("args")))
    if reference.kind != COMMAND:
        return "", []
    for directory, command in commands(reference):
        for index, word in enumerate(command):
            if word.rsplit("/", 1)[-1] == TOOL and command[index + 1:index + 2] == ["run"]:
                return directory, command[index + 2:]
    return reference.directory, []


def _config_path(context: Context, directory: str, args: list[str]) -> str | None:
    if "--no-config" in args:
        return None
    for option, value in _options(args):
        if option in ("-c", "--config"):
            return in_directory(directory, value)
    for folder in upward(directory):
        for name in CONFIG_NAMES:
            path = f"{folder}/{name}" if folder else name
            if context.tree.has(path):
                return path
    return None


def _options(args: list[str]) -> Iterator[tuple[str, str]]:
    """(option, value) pairs of `--opt value`, `--opt=value` and `-E value`."""
    for index, arg in enumerate(args):
        if not arg.startswith("-"):
            continue
        if "=" in arg:
            option, _, value = arg.partition("=")
            yield option, value
        elif index + 1 < len(args):
            yield arg, args[index + 1]


def _apply_flags(switches: _Switches, args: list[str], locator: str) -> None:
    enabled = dict(switches.enabled)
    for option, value in _options(args):
        names = [name.strip() for name in value.split(",") if name.strip()]
        if option in ("-E", "--enable"):
            enabled.update({name: locator for name in names})
        elif option in ("-D", "--disable"):
            switches.disabled |= frozenset(names)
        elif option == "--enable-only":
            enabled = {name: locator for name in names}
            switches.default, switches.presets = "none", frozenset()
        elif option == "--default":
            switches.default, switches.default_at = value, locator
        elif option in ("-p", "--presets"):
            switches.presets |= frozenset(names)
            switches.default_at = switches.default_at or locator
    if "--enable-all" in args:
        switches.default, switches.default_at = "all", locator
    if "--disable-all" in args:
        switches.default = "none"
    switches.enabled = enabled


def _from_file(context: Context, path: str) -> _Switches | None:
    if path.endswith(".toml"):
        data = context.parsed(path, "TOML", _toml)
    elif path.endswith(".json"):
        data = context.parsed(path, "JSON", _json)
    else:
        data = context.yaml(path)
    if data is None:
        return None
    if not isinstance(data, dict):
        context.note(path, "not read: the golangci-lint configuration is not a mapping")
        return None
    text = "" if isinstance(data, LineDict) else (context.text(path) or "")
    linters = data.get("linters")
    linters = linters if isinstance(linters, dict) else {}
    switches = _Switches(version="2" if str(data.get("version", "1")) == "2" else "1")
    top = f"{path}:{_line(data, 'linters', data, text)}"
    if switches.version == "2":
        switches.default = str(linters.get("default", "standard"))
        switches.default_at = f"{path}:{_line(linters, 'default', linters, text)}"
    elif linters.get("enable-all") is True:
        switches.default = "all"
        switches.default_at = f"{path}:{_line(linters, 'enable-all', linters, text)}"
    elif linters.get("disable-all") is True:
        switches.default = "none"
    presets = linters.get("presets")
    if isinstance(presets, list):
        switches.presets = frozenset(str(p) for p in presets)
        switches.default_at = switches.default_at or top
    switches.enabled = {name: f"{path}:{line}"
                        for name, line in _names(linters.get("enable"), text)}
    switches.disabled = frozenset(name for name, _ in _names(linters.get("disable"), text))
    return switches


def _names(value: Any, text: str) -> list[tuple[str, int]]:
    """Linter names of an `enable` / `disable` list, each with its line."""
    if not isinstance(value, list):
        return []
    found = []
    for index, item in enumerate(value):
        if isinstance(item, str):
            line = value.line_of(index) if isinstance(value, LineList) else \
                _text_line(text, item)
            found.append((item, line))
    return found


def _line(holder: Any, key: str, fallback: Any, text: str) -> int:
    if isinstance(holder, LineDict) and key in holder:
        return holder.line_of(key)
    if isinstance(fallback, LineDict):
        return fallback.line
    return _text_line(text, key)


def _text_line(text: str, word: str) -> int:
    """The first line naming `word` in a TOML or JSON file (they keep no positions)."""
    for number, line in enumerate(text.splitlines(), 1):
        if f'"{word}"' in line or f"'{word}'" in line or f"[{word}]" in line \
                or line.strip().startswith(word):
            return number
    return 1


def _toml(text: str) -> Any:
    try:
        return load_toml(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(str(exc)) from None


def _json(text: str) -> Any:
    try:
        return load_json(text)
    except json.JSONDecodeError as exc:
        raise ValueError(str(exc)) from None
