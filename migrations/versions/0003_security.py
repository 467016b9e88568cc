"""security: staff sessions, co-facilitators, stored formats, retention, audit log

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AutoString = sqlmodel.sql.sqltypes.AutoString
UTCDateTime = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "staff_session",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staff_session") as batch_op:
        batch_op.create_index("ix_staff_session_user_id", ["user_id"], unique=False)

    op.create_table(
        "co_facilitator",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("workshop_id", "user_id"),
    )
    with op.batch_alter_table("co_facilitator") as batch_op:
        batch_op.create_index("ix_co_facilitator_user_id", ["user_id"], unique=False)

    op.create_table(
        "stored_format",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", AutoString(length=64), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("name_en", AutoString(length=200), nullable=False),
        sa.Column("stages", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stored_format") as batch_op:
        batch_op.create_index("ix_stored_format_key", ["key"], unique=True)

    op.create_table(
        "workshop_retention",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("purged_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("workshop_id"),
    )

    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", AutoString(length=64), nullable=False),
        sa.Column("action", AutoString(length=40), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=True),
        sa.Column("detail", AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entry") as batch_op:
        batch_op.create_index("ix_audit_entry_at", ["at"], unique=False)
        batch_op.create_index("ix_audit_entry_workshop_id", ["workshop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch_op:
        batch_op.drop_index("ix_audit_entry_workshop_id")
        batch_op.drop_index("ix_audit_entry_at")
    op.drop_table("audit_entry")
    op.drop_table("workshop_retention")
    with op.batch_alter_table("stored_format") as batch_op:
        batch_op.drop_index("ix_stored_format_key")
    op.drop_table("stored_format")
    with op.batch_alter_table("co_facilitator") as batch_op:
        batch_op.drop_index("ix_co_facilitator_user_id")
    op.drop_table("co_facilitator")
    with op.batch_alter_table("staff_session") as batch_op:
        batch_op.drop_index("ix_staff_session_user_id")
    op.drop_table("staff_session")
