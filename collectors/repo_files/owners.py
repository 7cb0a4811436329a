"""Who owns the code: a CODEOWNERS file, or Prow's `OWNERS`, and whether a security team
or person is among the owners."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.collectors.tree import RepoTree
from scanner.lazy_patterns import lazy_compile

CODEOWNERS_PATHS = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
PROW_OWNERS = "OWNERS"  # Kubernetes-style review ownership (Prow)
SECURITY_OWNER = lazy_compile(
    r"(?i)(security|appsec|infosec|prodsec|secops|devsecops|(^|[/@._-])sec([._-]|$))")


@dataclass(frozen=True)
class Owners:
    """The lines of an owners file that assign owners, and those naming a security owner."""

    owned: tuple[int, ...]
    security: tuple[int, ...]


def owners_file(tree: RepoTree) -> str | None:
    """CODEOWNERS at the root, .github/, docs/ or .gitlab/, else Prow's OWNERS, or None."""
    path = next((p for p in CODEOWNERS_PATHS if tree.has(p)), None)
    if path is None and tree.has(PROW_OWNERS):
        path = PROW_OWNERS
    return path


def read_owners(path: str, text: str) -> Owners:
    if path == PROW_OWNERS:
        owned = _prow_owners(text)
    else:
        rules = [(i, line.split()) for i, line in enumerate(text.splitlines(), 1)
                 if line.strip() and not line.lstrip().startswith("#")]
        owned = [(i, parts) for i, parts in rules if len(parts) > 1]
    security = [i for i, parts in owned
                if any(SECURITY_OWNER.search(owner) for owner in parts[1:])]
    return Owners(tuple(i for i, _ in owned), tuple(security))


def _prow_owners(text: str) -> list[tuple[int, list[str]]]:
    """Prow `OWNERS`: each approver or reviewer line, as (line, ['', owner])."""
    owners: list[tuple[int, list[str]]] = []
    section = ""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.split("#", 1)[0].strip()
        if stripped.endswith(":") and not stripped.startswith("-"):
            section = stripped[:-1]
        elif stripped.startswith("-") and section in ("approvers", "reviewers"):
            owners.append((number, ["", stripped[1:].strip()]))
    return owners
