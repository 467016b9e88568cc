"""per-workshop caps, API token versions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workshop_limits",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("max_participants", sa.Integer(), nullable=True),
        sa.Column("max_notes", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("workshop_id"),
    )
    with op.batch_alter_table("user") as batch:
        batch.add_column(
            sa.Column("token_version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_column("token_version")
    op.drop_table("workshop_limits")
