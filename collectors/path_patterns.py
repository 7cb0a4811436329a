"""Many path patterns asked of every tracked file at once.

A repository of thousands of files, asked pattern by pattern whether each is a Terraform
file, a Helm chart, a Cypress config, ..., makes tens of thousands of calls that nearly
all answer no; one alternation of them all answers most of those no's in one call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def any_of(patterns: Iterable[re.Pattern[str]]) -> re.Pattern[str]:
    """A pattern found in a text exactly when one of `patterns` is. None may set flags
    inline (a group of an alternation cannot) or refer back to a group by its number (the
    numbers shift)."""
    return re.compile("|".join(f"(?:{pattern.pattern})" for pattern in patterns))
