"""The Datadog API as the collector reads it: the keys checked before anything else,
then each list read page by page on its own, so that one the application key may not
read (a scoped key without that scope) is named with the missing scope and the rest is
still judged. `Organisation` is what every product area's reading and judging shares.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.api import Answer
from scanner.collectors.base import ERROR, Collected, Emitter, Problem, Target
from scanner.collectors.monitoring.endpoints import Endpoint
from scanner.collectors.monitoring.http import JsonApi
from scanner.evidence import now_utc

DD = "datadog"
# Lists longer than this are cut: a scan judges practice, it does not export an account.
MAX_PAGES = 200

VALIDATE = Endpoint(DD, "/api/v1/validate", ("valid",))
VALIDATE_KEYS = Endpoint(DD, "/api/v2/validate_keys")


@dataclass
class Listing:
    """What one list gave: its items (and the related objects sent with them), or why it
    could not be read."""

    items: list[Mapping[str, Any]] = field(default_factory=list)
    included: list[Mapping[str, Any]] = field(default_factory=list)
    refused: str | None = None

    @property
    def ok(self) -> bool:
        return self.refused is None


class Organisation:
    """One organisation being read: its API session, the target, what is collected for
    it, and the evidence emitted so far (added to `collected` once all is judged)."""

    def __init__(self, api: JsonApi, target: Target, collected: Collected) -> None:
        self.api, self.target, self.collected = api, target, collected
        self.options = target.options
        self.web = str(self.options["web_url"])
        self.window = int(self.options["window_days"])
        self.now = now_utc()
        self.out = Emitter(target.label, DD)

    def keys_valid(self) -> bool:
        """Whether both keys were accepted; when one was not, the target's error names it."""
        api_key, app_key = str(self.options["api_key_env"]), str(self.options["app_key_env"])
        first = VALIDATE.get(self.api)
        if first.status in (401, 403) or (first.ok and isinstance(first.data, Mapping)
                                          and first.data.get("valid") is False):
            self._fail(f"the API key in {api_key} was refused ({first.message or 'not valid'}); "
                       f"check it belongs to the organisation on {self.options['site']}")
            return False
        if not first.ok:
            self._fail(f"the API key cannot be checked: {first.message}")
            return False
        second = VALIDATE_KEYS.get(self.api)
        if second.status in (401, 403):
            self._fail(f"the application key in {app_key} was refused ({second.message}); "
                       f"the API key in {api_key} is valid")
            return False
        return True

    def listing(self, endpoint: Endpoint, what: str, scope: str, pages: Iterator[Answer],
                *, included: bool = False) -> Listing:
        """The items of every page; a refusal names the `scope` the key lacks. `included`:
        the related objects sent beside the items are kept too."""
        listing = Listing()
        for answer in pages:
            if not answer.ok and answer.status == 404 and listing.items:
                break  # a later page gone since the first was read: keep what came before
            if not answer.ok:
                reason = f"the application key lacks the {scope} scope" \
                    if answer.status in (401, 403) else "refused"
                message = f"{what} not readable: {reason} ({answer.message})"
                self.collected.problems.append(Problem(self.target.label, message,
                                                       locator=self.web))
                return Listing(refused=message)
            listing.items += endpoint.items_of(answer.data)
            if included and isinstance(answer.data, Mapping):
                listing.included += listed(answer.data, "included")
        return listing

    def numbered_pages(self, endpoint: Endpoint, params: Callable[[int], dict[str, Any]],
                       last: Callable[[Any], bool]) -> Iterator[Answer]:
        """Pages 0, 1, 2… (`params` of each number) until one is refused or its data is
        the `last`."""
        for number in range(MAX_PAGES):
            answer = endpoint.get(self.api, params(number))
            yield answer
            if not answer.ok or last(answer.data):
                return

    def _fail(self, message: str) -> None:
        self.collected.problems.append(Problem(self.target.label, message, ERROR,
                                               locator=f"{self.web}/organization-settings"))


def fields(data: Any) -> Mapping[str, Any]:
    """An answer's data as an object ({} when it is none)."""
    return data if isinstance(data, Mapping) else {}


def listed(data: Mapping[str, Any], key: str) -> list[Any]:
    """The list under `key` as the API sent it ([] when there is none)."""
    found = data.get(key)
    return found if isinstance(found, list) else []
