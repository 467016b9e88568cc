"""search index, series, theme analyses

Revision ID: 0007
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.domain import search_index

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AutoString = sqlmodel.sql.sqltypes.AutoString
UTCDateTime = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "search_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("ref", AutoString(length=36), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=True),
        sa.Column("stage_key", AutoString(length=64), nullable=False),
        sa.Column("group_name", AutoString(length=40), nullable=False),
        sa.Column("organization", AutoString(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("search_entry") as batch_op:
        batch_op.create_index("ix_search_entry_kind_ref", ["kind", "ref"], unique=False)
        batch_op.create_index("ix_search_entry_workshop_id", ["workshop_id"], unique=False)
    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "series_member",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["series_id"], ["series.id"]),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("workshop_id"),
    )
    with op.batch_alter_table("series_member") as batch_op:
        batch_op.create_index("ix_series_member_series_id", ["series_id"], unique=False)
    op.create_table(
        "theme_analysis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("stage_key", AutoString(length=64), nullable=False),
        sa.Column("workshop_ids", sa.Text(), nullable=False),
        sa.Column("themes", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    connection = op.get_bind()
    search_index.install(connection)
    search_index.rebuild(connection)


def downgrade() -> None:
    search_index.uninstall(op.get_bind())
    op.drop_table("theme_analysis")
    with op.batch_alter_table("series_member") as batch_op:
        batch_op.drop_index("ix_series_member_series_id")
    op.drop_table("series_member")
    op.drop_table("series")
    with op.batch_alter_table("search_entry") as batch_op:
        batch_op.drop_index("ix_search_entry_workshop_id")
        batch_op.drop_index("ix_search_entry_kind_ref")
    op.drop_table("search_entry")
