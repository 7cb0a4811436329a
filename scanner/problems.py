"""What went wrong or was skipped while scanning, as collectors report it and reports show
it: a contract between the two ends of the flow, so it belongs to neither."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.credentials import redact

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """Something that went wrong or was skipped, with where to look.

    `error` means a source or entity could not be scanned (the scan is
    partial); `warning` means one input was skipped with a note.  `internal`
    marks a failure of the scanner's own code rather than of the source.  The message is
    masked as it is made: it often quotes a source's own words, which may hold a credential.
    """

    target: str
    message: str
    severity: str = WARNING
    locator: str | None = None
    internal: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", redact(self.message))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"target": self.target, "severity": self.severity,
                                "message": self.message}
        if self.locator:
            data["locator"] = self.locator
        if self.internal:
            data["internal"] = True
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        return cls(data["target"], data["message"], data["severity"], data.get("locator"),
                   bool(data.get("internal")))

    def line(self) -> str:
        where = f"{self.locator}: " if self.locator else ""
        return f"{self.severity}: {self.target}: {where}{self.message}"
