"""Floods: tickets waiting for a human check, and new customers counted by arrival.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("awaiting_check_since", UTC_TS, nullable=True))
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index("ix_customers_created", ["created_at"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_created")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("awaiting_check_since")
