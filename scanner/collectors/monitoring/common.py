"""Target options the monitoring collectors share, and reading secrets from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from scanner import credentials
from scanner import validate as v

MAX_LOCATORS = 5


def env_name(entry: Mapping[str, Any], key: str, default: str, where: v.Where) -> str:
    return v.env_name(entry.get(key, default), where.at(key), example=default, holds="secret")


def http_url(entry: Mapping[str, Any], key: str, default: str | None, where: v.Where) -> str:
    raw = entry.get(key, default)
    url = v.text(raw, where.at(key))
    if not urlparse(url).scheme.startswith("http") or not urlparse(url).hostname:
        raise where.at(key).problem(f"must be an http(s) URL, found '{url}'")
    return url.rstrip("/")


def window_days(entry: Mapping[str, Any], where: v.Where) -> int:
    return v.integer(entry.get("window_days", 90), where.at("window_days"), minimum=1,
                     maximum=730)


def texts(entry: Mapping[str, Any], key: str, default: tuple[str, ...],
          where: v.Where) -> list[str]:
    raw = entry.get(key)
    if raw is None:
        return list(default)
    return [v.text(item, where.at(key).at(i))
            for i, item in enumerate(v.sequence(raw, where.at(key)))]


def service_repositories(entry: Mapping[str, Any], where: v.Where) -> dict[str, str]:
    """`services:`: an incident service -> the repository that deploys it (group/name),
    for services not called like their repository."""
    raw = entry.get("services")
    if raw is None:
        return {}
    found = v.mapping(raw, where.at("services"), "a mapping of service name to repository")
    return {str(name): v.text(repository, where.at("services").at(str(name)))
            for name, repository in found.items()}


def secret(variable: str) -> str:
    return credentials.from_env(variable)


def tag_values(tags: Any, key: str) -> set[str]:
    """Values of `key:` tags in a list of `key:value` strings."""
    found: set[str] = set()
    for tag in tags if isinstance(tags, list) else []:
        name, sep, value = str(tag).partition(":")
        if sep and name.strip().lower() == key and value.strip():
            found.add(value.strip())
    return found


def tag_keys(tags: Any) -> set[str]:
    return {str(tag).partition(":")[0].strip().lower()
            for tag in (tags if isinstance(tags, list) else []) if str(tag).strip()}
