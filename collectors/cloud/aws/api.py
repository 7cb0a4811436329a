"""One AWS operation as the collector uses it: the parameters it passes and the keys it
reads from the answer. Every `Api` made is kept in `CATALOGUE`, which the contract tests
hold against botocore's service models."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.declared import EACH, Undeclared, prefixes, view

CATALOGUE: dict[tuple[str, str], Api] = {}


@dataclass(frozen=True)
class Api:
    service: str  # boto3's client name: "synthetics"
    method: str  # boto3's method: "describe_canaries"
    reads: tuple[str, ...] = ()  # "Canaries[].Status.State"
    params: tuple[str, ...] = ()
    items: str | None = None  # the list a listing is made of: "Canaries"
    allowed: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        listed = (f"{self.items}{EACH}",) if self.items else ()
        object.__setattr__(self, "allowed", prefixes((*listed, *self.reads)))
        key = (self.service, self.method)
        if CATALOGUE.setdefault(key, self) != self:
            raise ValueError(f"{self.name} is declared twice")

    @property
    def name(self) -> str:
        return f"{self.service}.{self.method}"

    def check(self, params: Mapping[str, Any], *, listed: bool = False) -> None:
        """Refuses, before anything is sent, a parameter or a listing not declared."""
        if listed and self.items is None:
            raise Undeclared(f"{self.name} is listed, but declares no items")
        extra = sorted(set(params) - set(self.params))
        if extra:
            raise Undeclared(f"{self.name} is passed {', '.join(extra)}, which it does not "
                             "declare")

    def run(self, client: Any, **params: Any) -> Mapping[str, Any]:
        """Calls the operation on a boto3 client, outside a `Reader` (before one exists)."""
        self.check(params)
        return self.answer(getattr(client, self.method)(**params))

    def answer(self, data: Mapping[str, Any]) -> Mapping[str, Any]:
        """The answer as the code may read it."""
        found: Mapping[str, Any] = view({k: v for k, v in data.items()
                                         if k != "ResponseMetadata"}, self.allowed, self.name)
        return found

    def items_of(self, page: Mapping[str, Any]) -> Iterator[Any]:
        for item in page.get(self.items or "") or []:
            yield view(item, self.allowed, self.name, f"{self.items}{EACH}")
