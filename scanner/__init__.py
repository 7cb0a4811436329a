"""maturity-scanner: estimate DevSecOps maturity from evidence."""

from __future__ import annotations

__version__ = "0.1.0"
