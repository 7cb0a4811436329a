"""The store's tables (SQLAlchemy Core), one schema for SQLite and PostgreSQL.

The tables describe the newest schema; stores written by older versions are
brought up to it by the Alembic migrations in scanner/store/migrations/.
"""

from __future__ import annotations

import sqlalchemy as sa

#: Bumped with each migration that changes the tables (the newest migration's revision
#: is "000<SCHEMA_VERSION>"); a store written by a newer version is refused.
SCHEMA_VERSION = 7

metadata = sa.MetaData()

meta_table = sa.Table(
    "meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(255), nullable=False),
)

scans_table = sa.Table(
    "scans", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("started_at", sa.String(40), nullable=False, index=True),
    sa.Column("finished_at", sa.String(40), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("config_fingerprint", sa.String(64), nullable=False, index=True),
    sa.Column("model_name", sa.String(255), nullable=False),
    sa.Column("model_version", sa.String(64), nullable=False),
    sa.Column("targets", sa.Text, nullable=False),
    sa.Column("overall_stage", sa.String(16), nullable=False),
    sa.Column("overall_score", sa.Float),
    sa.Column("overall_confidence", sa.Float),
    # History of one config reads its scans in time order.
    sa.Index("ix_scans_config_started", "config_fingerprint", "started_at"),
)

# Schema 4: a scan's report, compressed, its evidence items replaced by references into
# the scan's evidence sets (see scanner/store/packing.py); tens of MB of JSON for a large
# estate become a few hundred KB.
documents_table = sa.Table(
    "scan_documents", metadata,
    sa.Column("scan_id", sa.String(64), sa.ForeignKey("scans.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("body", sa.LargeBinary, nullable=False),
)

# Schema 4: what one entity showed, stored once however many scans saw exactly the same
# (an unchanged repository whose evidence was reused); named by the digest of its items.
evidence_sets_table = sa.Table(
    "evidence_sets", metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("entity", sa.Text, nullable=False),
    sa.Column("items", sa.Integer, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
)

# Schema 4: which evidence set each entity of a scan had, in the order they were collected.
scan_entities_table = sa.Table(
    "scan_entities", metadata,
    sa.Column("scan_id", sa.String(64), sa.ForeignKey("scans.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("entity", sa.Text, nullable=False),
    sa.Column("set_digest", sa.String(64), sa.ForeignKey("evidence_sets.digest"),
              nullable=False, index=True),
)

rule_results_table = sa.Table(
    "rule_results", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scan_id", sa.String(64), sa.ForeignKey("scans.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("rule_id", sa.String(255), nullable=False),
    sa.Column("subcompetency", sa.String(128), nullable=False),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
)

stages_table = sa.Table(
    "stages", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scan_id", sa.String(64), sa.ForeignKey("scans.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("item", sa.String(128), nullable=False),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("score", sa.Float),
    sa.Column("confidence", sa.Float),
)

# Schema 3: what history and diff read of each scan, without its document.  A table of
# its own, not new columns of `scans`: SQLite reads a row's columns in order, so a column
# after `document` (tens of MB for a large estate) would cost reading the document.
scan_details_table = sa.Table(
    "scan_details", metadata,
    sa.Column("scan_id", sa.String(64), sa.ForeignKey("scans.id", ondelete="CASCADE"),
              primary_key=True),
    # When the scan was written, to the microsecond: orders scans started in one second.
    sa.Column("stored_at", sa.String(40), nullable=False),
    sa.Column("tool_version", sa.String(64)),
    sa.Column("rule_packs", sa.Text, nullable=False),
    sa.Column("duration_seconds", sa.Float),
    sa.Column("error_count", sa.Integer, nullable=False),
    sa.Column("errors", sa.Text, nullable=False),
    # Stages, entities and the signals each sub-competency's rules judge: what `diff`
    # compares (see rows.scan_outline).
    sa.Column("outline", sa.Text, nullable=False),
    # Schema 5: the `schema_version` of the stored report (its JSON shape).
    sa.Column("report_schema", sa.String(8), nullable=False, server_default="1"),
)

# Schema 3: each repository's own stages in a scan (the report's drill-down), so the
# history of one entity is one indexed query instead of parsing every stored document.
entity_stages_table = sa.Table(
    "entity_stages", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scan_id", sa.String(64), sa.ForeignKey("scans.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("entity", sa.String(512), nullable=False, index=True),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("score", sa.Float),
    sa.Column("confidence", sa.Float),
    sa.Column("competencies", sa.Text, nullable=False),
)

# What collectors keep between scans of a target (ETags with their responses, digests of
# unchanged inputs); replaced as a whole for a target each time it is scanned.
memory_table = sa.Table(
    "collector_memory", metadata,
    sa.Column("collector", sa.String(64), primary_key=True),
    sa.Column("target", sa.String(512), primary_key=True),
    sa.Column("key", sa.String(1024), primary_key=True),
    sa.Column("etag", sa.String(255), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

# Schema 6: a scan collected by shards (`maturity scan --shard I/N --scan-id ID`) until
# `maturity finalize ID` judges it: what every shard of it must share.
sharded_scans_table = sa.Table(
    "sharded_scans", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("config_fingerprint", sa.String(64), nullable=False),
    sa.Column("tool_version", sa.String(64), nullable=False),
    sa.Column("shard_count", sa.Integer, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)

# Schema 6: what one shard reported; a shard run again replaces its row whole.
shard_parts_table = sa.Table(
    "shard_parts", metadata,
    sa.Column("scan_id", sa.String(64), sa.ForeignKey("sharded_scans.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("shard", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("started_at", sa.String(40), nullable=False),
    sa.Column("finished_at", sa.String(40), nullable=False),
    sa.Column("reported_by", sa.String(255), nullable=False),  # host and process
    # Each target's problems, entities, waivers and timeline: compressed JSON.
    sa.Column("body", sa.LargeBinary, nullable=False),
)

# Schema 6: a shard's evidence sets, each with the target it came from and its place in
# that target, so finalize puts the shards' sets in the order one unsharded scan has.
shard_entities_table = sa.Table(
    "shard_entities", metadata,
    sa.Column("scan_id", sa.String(64), primary_key=True),
    sa.Column("shard", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("target", sa.Integer, nullable=False),
    sa.Column("place", sa.Integer, nullable=False),
    sa.Column("entity", sa.Text, nullable=False),
    sa.Column("set_digest", sa.String(64), sa.ForeignKey("evidence_sets.digest"),
              nullable=False, index=True),
    sa.ForeignKeyConstraint(["scan_id", "shard"], ["shard_parts.scan_id", "shard_parts.shard"],
                            ondelete="CASCADE"),
)

# Schema 7: each unit's judgement (a repository with its services, an account), named by a
# key of its evidence sets, rules and judging code, shared by every scan that had it; and
# which units each scan had (see scanner/judged_units.py).
judged_units_table = sa.Table(
    "judged_units", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("body", sa.LargeBinary, nullable=False),
)
scan_units_table = sa.Table(
    "scan_units", metadata,
    sa.Column("scan_id", sa.String(64), sa.ForeignKey("scans.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("unit_key", sa.String(64), sa.ForeignKey("judged_units.key"), nullable=False,
              index=True),
)

#: Newest scan first, the order every listing and "latest" / "previous" lookup uses.
NEWEST_FIRST = (scans_table.c.started_at.desc(), scan_details_table.c.stored_at.desc(),
                scans_table.c.id.desc())
#: Scans with their details; outer, so a scan is listed even if its details are missing.
SCANS_WITH_DETAILS = scans_table.outerjoin(
    scan_details_table, scan_details_table.c.scan_id == scans_table.c.id)
