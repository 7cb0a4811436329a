"""What a Git-host target says besides the organisation or group it names: the options
both hosts take, and which repositories of a listing it wants read (well formed, through
its filters)."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from typing import Any

from scanner import validate as v
from scanner.collectors.hosts.http import DEFAULT_MAX_REPOSITORIES, DEFAULT_MAX_REQUESTS
from scanner.collectors.hosts.paging import DEFAULT_REQUEST_BUDGET
from scanner.lazy_patterns import lazy_compile

# Keys every host target takes besides the ones that name what to read and where.
SHARED_KEYS = ("token_env", "include", "exclude", "topics", "archived", "forks", "workers",
               "window_days", "request_budget", "clone", "max_repositories", "max_requests")
_PATH_SEGMENT = lazy_compile(r"[A-Za-z0-9_.-]+")


def shared_options(entry: Any, where: v.Where, token_env: str) -> dict[str, Any]:
    options: dict[str, Any] = {
        "token_env": token_variables(entry.get("token_env", token_env), where.at("token_env"),
                                     example=token_env),
        "include": v.texts(entry.get("include"), where.at("include")),
        "exclude": v.texts(entry.get("exclude"), where.at("exclude")),
        "topics": v.texts(entry.get("topics"), where.at("topics")),
        "archived": v.boolean(entry.get("archived", False), where.at("archived")),
        "forks": v.boolean(entry.get("forks", False), where.at("forks")),
        "workers": v.integer(entry.get("workers", 16), where.at("workers"), minimum=1,
                             maximum=64),
        "window_days": v.integer(entry.get("window_days", 90), where.at("window_days"),
                                 minimum=7, maximum=730),
        "request_budget": v.integer(entry.get("request_budget", DEFAULT_REQUEST_BUDGET),
                                    where.at("request_budget"), minimum=1, maximum=1000),
        "clone": v.boolean(entry.get("clone", False), where.at("clone")),
        "max_repositories": v.integer(entry.get("max_repositories", DEFAULT_MAX_REPOSITORIES),
                                      where.at("max_repositories"), minimum=1,
                                      maximum=1_000_000),
        "max_requests": v.integer(entry.get("max_requests", DEFAULT_MAX_REQUESTS),
                                  where.at("max_requests"), minimum=1, maximum=10_000_000),
    }
    return options


def token_variables(value: Any, where: v.Where, *, example: str) -> str | list[str]:
    """One environment variable's name, or a list of them: the tokens a sharded scan's
    shards take in turn (see `fleet.token_variable`). One name stays text, so a target
    reads as it did before lists were allowed (and what it remembers still applies)."""
    if not isinstance(value, list):
        return v.env_name(value, where, example=example, holds="token")
    if not value:
        raise where.problem(f"name at least one environment variable (e.g. {example})")
    return [v.env_name(item, where.at(index), example=example, holds="token")
            for index, item in enumerate(value)]


def well_formed_listing(item: Any, path_key: str, *, parts: range) -> bool:
    """Whether a listed repository can be read: an object whose `path_key` is a repository
    path (`parts` segments of name characters, none of them `.` or `..`) and whose topics,
    if any, are a list of names."""
    if not isinstance(item, dict):
        return False
    path = item.get(path_key)
    segments = path.split("/") if isinstance(path, str) else []
    if len(segments) not in parts or not all(
            _PATH_SEGMENT.fullmatch(s) and s not in (".", "..") for s in segments):
        return False
    topics = item.get("topics")
    return topics is None or (isinstance(topics, list)
                              and all(isinstance(t, str) for t in topics))


def wanted(options: Mapping[str, Any], names: Sequence[str], *, archived: bool, fork: bool,
           topics: Sequence[str]) -> bool:
    """Whether a listed repository passes the target's filters (globs on any of `names`)."""
    if (archived and not options["archived"]) or (fork and not options["forks"]):
        return False
    include, exclude = options["include"], options["exclude"]
    if include and not _matches(names, include):
        return False
    if _matches(names, exclude):
        return False
    required = set(options["topics"])
    return not required or bool(required & set(topics))


def _matches(names: Sequence[str], patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for name in names for pattern in patterns)
