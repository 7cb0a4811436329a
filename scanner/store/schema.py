"""Bring a store to the schema this version writes, or refuse one from a newer version.

Alembic's migrations (scanner/store/migrations/) carry every store forward, on SQLite
and PostgreSQL alike.  A new, empty store gets the tables at once and is stamped with
the newest revision; stores from before Alembic name their schema in `meta` and are
stamped with the matching revision first.  Everything happens in one transaction under
a lock that other scanners opening the same store wait for, so two machines starting
on a fresh PostgreSQL database do not both create it.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from scanner.errors import UserError
from scanner.store.tables import SCHEMA_VERSION, meta_table, metadata

#: The newest migration's revision; a test holds it to the scripts' head.
HEAD = f"{SCHEMA_VERSION:04d}"
MIGRATIONS = Path(__file__).with_name("migrations")
_VERSION_TABLE = sa.table("alembic_version", sa.column("version_num", sa.String))
# A PostgreSQL advisory lock key ("mtrysch" in ASCII), taken while the schema is checked.
_SCHEMA_LOCK = 0x6D747279736368


def current_revision(conn: sa.Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    revision = conn.execute(sa.select(_VERSION_TABLE.c.version_num)).scalar()
    return str(revision) if revision is not None else None


def is_current(conn: sa.Connection) -> bool:
    """The quick check every opening makes; Alembic is imported only when it fails."""
    return current_revision(conn) == HEAD


def damaged(where: str, what: str) -> UserError:
    return UserError(f"the store {where} is damaged: {what}; restore it from a backup, or "
                     "start a new store (--db NEW_PATH)")


def check_tables(conn: sa.Connection, where: str) -> None:
    """A store at this version holds every table; one that lost some is refused at once,
    not half-way through a report."""
    missing = sorted(set(metadata.tables) - set(sa.inspect(conn).get_table_names()))
    if missing:
        raise damaged(where, f"{'tables' if len(missing) > 1 else 'table'} "
                             f"{', '.join(missing)} missing")


def bring_up_to_date(conn: sa.Connection, where: str) -> None:
    """Within the caller's write transaction: create, stamp, upgrade or refuse."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_SCHEMA_LOCK)))
    revision = current_revision(conn) or _revision_before_alembic(conn, where)
    if revision == HEAD:
        return
    if revision is None:
        metadata.create_all(conn)
        _stamp(conn, HEAD)
    else:
        _upgrade(conn, revision, where)
    _record_version(conn)


def _revision_before_alembic(conn: sa.Connection, where: str) -> str | None:
    """Stores written before Alembic kept their schema number in `meta`."""
    if not sa.inspect(conn).has_table("meta"):
        return None
    value = conn.execute(sa.select(meta_table.c.value)
                         .where(meta_table.c.key == "schema_version")).scalar()
    if value is None:
        return None
    if not str(value).isdigit() or len(str(value)) > 4:
        raise damaged(where, f"its schema version {str(value)[:20]!r} is not a valid "
                             "version number")
    revision = f"{int(value):04d}"
    _stamp(conn, revision)
    return revision


def _upgrade(conn: sa.Connection, revision: str, where: str) -> None:
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    try:
        ScriptDirectory.from_config(config).get_revision(revision)
    except CommandError:
        number = int(revision) if revision.isdigit() else revision
        raise UserError(f"the store {where} was written by a newer maturity-scanner (store "
                        f"schema {number}, this one reads up to {SCHEMA_VERSION}); upgrade "
                        "maturity-scanner") from None
    command.upgrade(config, "head")


def _stamp(conn: sa.Connection, revision: str) -> None:
    if not sa.inspect(conn).has_table("alembic_version"):
        sa.Table("alembic_version", sa.MetaData(),
                 sa.Column("version_num", sa.String(32), primary_key=True)).create(conn)
    conn.execute(_VERSION_TABLE.delete())
    conn.execute(_VERSION_TABLE.insert().values(version_num=revision))


def _record_version(conn: sa.Connection) -> None:
    """`meta.schema_version` kept for people and tools reading the store directly."""
    conn.execute(meta_table.delete().where(meta_table.c.key == "schema_version"))
    conn.execute(meta_table.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
