"""What turning either host's payloads (GraphQL and REST) into host-neutral records takes.

Each reading function takes one part of an answer and returns records, or None when that
part was not readable (null in a partial GraphQL answer, a refused REST call), so that
"not readable" stays different from "none". Both hosts' answers are made of the pieces
read here: a connection's nodes, the names among them, an account's name.
"""

from __future__ import annotations

from typing import Any


def nodes(connection: Any) -> list[dict[str, Any]] | None:
    """The nodes of a GraphQL connection; None when the connection itself is null."""
    if not isinstance(connection, dict):
        return None
    return [n for n in connection.get("nodes") or [] if isinstance(n, dict)]


def names(connection: Any, field: str = "name") -> tuple[str, ...]:
    """The names (in `field`) of a connection's nodes that have one: labels, assets."""
    return tuple(str(n.get(field)) for n in nodes(connection) or [] if n.get(field))


def account(user: Any, field: str) -> str | None:
    """The name (in `field`: GitHub's login, GitLab's username) of an author or approver."""
    return str(user[field]) if isinstance(user, dict) and user.get(field) else None
