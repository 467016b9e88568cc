"""join the exports tables (0202) to the main line of the schema (0003)

Revision ID: 0203
Revises: 0202, 0003
Create Date: 2026-11-25 21:40:00
"""

from collections.abc import Sequence


revision: str = "0203"
down_revision: tuple[str, ...] = ("0202", "0003")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
