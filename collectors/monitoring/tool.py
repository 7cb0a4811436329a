"""What every monitoring tool's collector does the same way, around its own reading.

A target names the environment variables that hold its secrets; when one is not set
the target fails at once, before anything is sent. Otherwise one `JsonApi` session
reads the target, authenticated by the headers the tool makes of those secrets, with
as many connections as the target has workers and the request budget the target
sets; a request that fails for good (retries spent, the budget spent, an answer too
large) ends the reading with one error on the target, its message masked.

A tool's collector says only what is its own: what its server is called in messages,
which options name its secrets and what each secret is (for the sentence asking for it
when its variable is not set), the headers, and how a target is read.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from scanner import credentials
from scanner.collectors.api import ApiError
from scanner.collectors.base import ERROR, Collected, CollectSettings, Problem, Target
from scanner.collectors.monitoring.http import DEFAULT_MAX_REQUESTS, HttpSettings, JsonApi
from scanner.memory import NO_MEMORY, Memory


class ToolCollector(ABC):
    # The option holding the base URL of the tool's API.
    url_option: ClassVar[str] = "api_url"
    # How messages call what is read: "cannot reach the Datadog API at …".
    server: ClassVar[str]
    # What each secret option's variable must hold, as the message asking for it says:
    # "export the Datadog organisation's API key as DD_API_KEY".
    secrets_hold: ClassVar[Mapping[str, str]] = {}

    @abstractmethod
    def secret_options(self, options: Mapping[str, Any]) -> Sequence[str]:
        """The options whose values name the environment variables holding the secrets."""

    @abstractmethod
    def headers(self, secrets: Sequence[str]) -> dict[str, str]:
        """The headers of every request, made of the secrets in `secret_options` order."""

    @abstractmethod
    def read(self, api: JsonApi, target: Target, collected: Collected) -> None:
        """Read the target into `collected`; an ApiError ends the reading."""

    def collect(self, target: Target, settings: CollectSettings,
                memory: Memory = NO_MEMORY) -> Collected:
        collected = Collected()
        options = target.options
        named = self.secret_options(options)
        variables = [str(options[key]) for key in named]
        secrets = [credentials.from_env(variable) for variable in variables]
        unset = [(variable, self.secrets_hold.get(key, "the secret"))
                 for key, variable, secret in zip(named, variables, secrets, strict=True)
                 if not secret]
        if unset:
            collected.problems.append(Problem(target.label, not_set(unset), ERROR))
            return collected
        api = JsonApi(str(options[self.url_option]), self.headers(secrets), secrets,
                      HttpSettings(pool_size=int(options.get("workers", 1)),
                                   max_response_bytes=settings.max_response_bytes,
                                   max_requests=int(options.get("max_requests",
                                                                DEFAULT_MAX_REQUESTS))),
                      name=self.server)
        try:
            self.read(api, target, collected)
        except ApiError as exc:
            collected.problems.append(Problem(target.label, api.clean(exc), ERROR))
        finally:
            api.close()
        return collected


def not_set(unset: Sequence[tuple[str, str]]) -> str:
    """The sentence for environment variables not set, each with what it must hold:
    "environment variables A and B are not set; export X as A and Y as B"."""
    names = [variable for variable, _ in unset]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    subject = f"environment variable {listed} is" if len(names) == 1 else \
        f"environment variables {listed} are"
    asked = [f"{holds} as {variable}" for variable, holds in unset]
    wanted = asked[0] if len(asked) == 1 else f"{', '.join(asked[:-1])} and {asked[-1]}"
    return f"{subject} not set; export {wanted}"
