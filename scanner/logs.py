"""What the command tells the operator on stderr: plain lines, or JSON lines for log
shippers (`--log-format json` or $MATURITY_LOG_FORMAT=json).

Everything the command itself says on stderr goes through `emit`, so that with JSON
chosen every stderr line is a JSON object a shipper can parse; Python's own warnings
(a library's deprecation, say) are routed the same way instead of printing as text.

Every line passes through redaction first (scanner/credentials.py): no credential the
process holds or recognises reaches a log, whatever a message contains.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from scanner.credentials import redact
from scanner.printable import printable

ENV_LOG_FORMAT = "MATURITY_LOG_FORMAT"
LOG_FORMATS = ("text", "json")

log = logging.getLogger("maturity")
# Where logging.captureWarnings sends Python's warnings.
_warnings = logging.getLogger("py.warnings")


class _JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "event": getattr(record, "event", "python_warning"
                             if record.name == _warnings.name else "message"),
            "message": redact(record.getMessage().strip().removeprefix("maturity: ")),
        }
        fields = getattr(record, "fields", None) or {}
        line.update({key: redact(str(value)) if isinstance(value, str) else value
                     for key, value in fields.items()})
        return json.dumps(line, default=str)


class _Text(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return printable(redact(record.getMessage()))


def configure(fmt: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonLines() if fmt == "json" else _Text())
    for logger in (log, _warnings):
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False
    # As text, Python prints its warnings as it always does; as JSON they become lines too.
    logging.captureWarnings(fmt == "json")


def json_lines() -> bool:
    """Whether stderr carries JSON lines, where nothing else may be written (a progress bar)."""
    return any(isinstance(handler.formatter, _JsonLines) for handler in log.handlers)


def emit(level: int, event: str, message: str, **fields: Any) -> None:
    """One line: `message` as text, or a JSON object with `event` and `fields`."""
    if not log.handlers:
        configure("text")
    log.log(level, message, extra={"event": event, "fields": fields})
