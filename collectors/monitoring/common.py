"""Target options the monitoring collectors share, and the follow-up requests they send
one item at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlparse

from scanner import validate as v
from scanner.collectors.base import Collected, Problem, report_items
from scanner.collectors.bounds import API_ID, follow
from scanner.collectors.monitoring.http import DEFAULT_MAX_REQUESTS

MAX_LOCATORS = 5
# Items (SLOs, incidents) whose details take a request each, read at most per target.
DEFAULT_MAX_FOLLOW_UPS = 1_000
# The keys `reading` reads, which every monitoring target with follow-ups takes.
READING_KEYS = ("workers", "services", "max_follow_ups", "max_requests")

Item = TypeVar("Item")
Result = TypeVar("Result")


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


def reading(entry: Mapping[str, Any], where: v.Where) -> dict[str, Any]:
    """How a target with follow-ups is read: its worker threads, the repositories of its
    services, and how far the reading may go (items followed one request each, and
    requests in all)."""
    return {"workers": v.integer(entry.get("workers", 8), where.at("workers"), minimum=1,
                                 maximum=32),
            "services": service_repositories(entry, where),
            "max_follow_ups": v.integer(entry.get("max_follow_ups", DEFAULT_MAX_FOLLOW_UPS),
                                        where.at("max_follow_ups"), minimum=0,
                                        maximum=1_000_000),
            "max_requests": v.integer(entry.get("max_requests", DEFAULT_MAX_REQUESTS),
                                      where.at("max_requests"), minimum=1,
                                      maximum=10_000_000)}


def follow_ups(items: Iterable[Any], identity: Callable[[Any], str], *, ceiling: int,
               listing: str, what: str, into: Collected, label: str) -> list[Any]:
    """The items whose details will be read, one request each: those whose `identity` is
    an API id, at most `ceiling` (the target's max_follow_ups); one warning (on `label`)
    for each kind left out of `listing`."""
    followed = follow(items, lambda item: bool(API_ID.fullmatch(identity(item))),
                      ceiling=ceiling)
    into.problems += [Problem(label, note) for note in followed.notes(
        listing, what, named_by="id", ceiling_key="max_follow_ups")]
    return followed.items


def item_id(item: Mapping[str, Any]) -> str:
    """An item's `id` as the API gave it, "" when it gave none that is text."""
    found = item.get("id")
    return found if isinstance(found, str) else ""


def read_each(items: Sequence[Item], read: Callable[[Item], Result], *, workers: int,
              progress: str | None = None) -> list[Result]:
    """`read` of every item (a request each), `workers` at a time, in the items' order;
    with `progress` (a target's label), each item read is reported on it."""
    results: list[Result] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(read, items):
            results.append(result)
            if progress is not None:
                report_items(progress, len(results), len(items))
    return results


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
