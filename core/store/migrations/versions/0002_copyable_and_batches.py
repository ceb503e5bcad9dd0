"""Messages say whether their original can be copied; outbox batches; topic lookup index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("copyable", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch_key", sa.String(length=128), nullable=True))
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_staff_topic", ["staff_topic_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_staff_topic")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("batch_key")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("copyable")
