"""The signal vocabulary: names, types and which sources can produce them.

Signals are source-neutral (`ci.sast.tools` whether it came from GitHub
Actions or GitLab CI).  Collectors declare what they emit; rules are checked
against the union, so a typo in a rule is caught when it loads, and a report
can say which source would settle a missing signal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

SIGNAL_TYPES = ("bool", "int", "float", "str", "list")
NUMERIC_TYPES = ("int", "float")


@dataclass(frozen=True)
class SignalSpec:
    name: str
    type: str
    description: str
    entity_kinds: tuple[str, ...] = ("repo",)


def specs_about(*entity_kinds: str) -> Callable[[str, str, str], SignalSpec]:
    """A maker of specs for signals about these kinds of entity, for a module's table of
    the signals it declares (`_spec = specs_about("repo", "service")`)."""

    def spec(name: str, kind: str, description: str) -> SignalSpec:
        return SignalSpec(name, kind, description, entity_kinds)

    return spec


@dataclass(frozen=True)
class SourceInfo:
    """A collector as the catalogue knows it: id and a human title."""

    id: str
    title: str


class SignalCatalogue:
    def __init__(self, declared: Mapping[SourceInfo, Iterable[SignalSpec]]) -> None:
        self._specs: dict[str, SignalSpec] = {}
        self._sources: dict[str, list[SourceInfo]] = {}
        for source, specs in declared.items():
            for spec in specs:
                known = self._specs.get(spec.name)
                if known and known.type != spec.type:
                    raise ValueError(
                        f"signal {spec.name} declared as {known.type} and as {spec.type} "
                        f"(by {source.id})"
                    )
                if known:
                    merged = tuple(dict.fromkeys(known.entity_kinds + spec.entity_kinds))
                    self._specs[spec.name] = SignalSpec(spec.name, spec.type, known.description,
                                                        merged)
                else:
                    self._specs[spec.name] = spec
                self._sources.setdefault(spec.name, []).append(source)

    def get(self, name: str) -> SignalSpec | None:
        return self._specs.get(name)

    def names(self) -> list[str]:
        return sorted(self._specs)

    def sources(self, name: str) -> list[SourceInfo]:
        return list(self._sources.get(name, []))

    def __contains__(self, name: object) -> bool:
        return name in self._specs
