"""The scanner's Python files, found as the import system finds them.

`collectors/` and `rules/` sit at the top of the repository and are linked into the
package, and a recursive glob does not follow links: walk with os.walk instead.
"""

from __future__ import annotations

import os
from pathlib import Path


def python_files(package: Path) -> list[Path]:
    return sorted(Path(folder) / name
                  for folder, _, names in os.walk(package, followlinks=True)
                  for name in names if name.endswith(".py"))


def module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
