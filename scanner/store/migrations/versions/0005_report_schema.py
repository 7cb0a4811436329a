"""Store schema 5: which JSON shape each stored report has.

Reports from schema_version 2 on have a `not_applicable` stage, applicability evidence
apart from the criterion's and counted places; earlier ones (version 1) said
`unknown` where nothing applied. Reports are stored exactly as printed, so each keeps
its shape; this column says which, so history and tools reading the store can tell a
stage that moved from one that only changed its wording.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scan_details") as batch:
        batch.add_column(sa.Column("report_schema", sa.String(8), nullable=False,
                                   server_default="1"))
