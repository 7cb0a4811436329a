"""What a scan is judged with: the model, the signal catalogue, the rules and the
thresholds in force."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.engine.loader import RuleSet
from scanner.model import Model
from scanner.signals import SignalCatalogue


@dataclass(frozen=True)
class Engine:
    model: Model
    catalogue: SignalCatalogue
    rules: RuleSet
    thresholds: dict[str, float]
