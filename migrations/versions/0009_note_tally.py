"""live-note tallies kept by triggers, a participant's notes by stage

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.domain import note_tally

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "note_tally",
        sa.Column("workshop_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stage_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("group_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("live", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("workshop_id", "stage_id", "group_id"),
    )
    with op.batch_alter_table("note") as batch_op:
        batch_op.create_index("ix_note_participant_stage", ["participant_id", "stage_id"])
    note_tally.install(op.get_bind())


def downgrade() -> None:
    note_tally.uninstall(op.get_bind())
    with op.batch_alter_table("note") as batch_op:
        batch_op.drop_index("ix_note_participant_stage")
    op.drop_table("note_tally")
