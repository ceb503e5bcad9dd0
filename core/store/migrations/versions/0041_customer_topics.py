"""Each ticket's topic in the customer's own chat with the bot (private-chat topics).

Revision ID: 0041
Revises: 0030
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0041"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("customer_topic_id", sa.BigInteger(), nullable=True))
        batch.create_index("ix_tickets_customer_topic", ["customer_topic_id"])


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_customer_topic")
        batch.drop_column("customer_topic_id")
