"""The store's tables (SQLAlchemy Core), one schema for SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

#: Bumped when the tables change; a store written by a newer version is refused.
SCHEMA_VERSION = 2

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
    sa.Column("document", sa.Text, nullable=False),
)

evidence_table = sa.Table(
    "evidence", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scan_id", sa.String(64), sa.ForeignKey("scans.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("entity", sa.Text, nullable=False),
    sa.Column("signal", sa.String(255), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("locators", sa.Text, nullable=False),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("observed_at", sa.String(40), nullable=False),
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
