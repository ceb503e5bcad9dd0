"""Bans, a customer's audit trail, and messages kept but not relayed.

Revision ID: 0020
Revises: 0012
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "customer_bans",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("banned_by", sa.String(length=256), nullable=False),
        sa.Column("banned_at", UTC_TS, nullable=False),
        sa.Column("noticed_at", UTC_TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_customer_bans_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_bans")),
    )
    op.create_table(
        "customer_events",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("actor_name", sa.String(length=256), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("at", UTC_TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_events_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_events")),
    )
    with op.batch_alter_table("customer_events", schema=None) as batch_op:
        batch_op.create_index("ix_customer_events_customer", ["customer_id", "id"], unique=False)
    op.create_table(
        "held_messages",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_message_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_held_messages_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_messages")),
        sa.UniqueConstraint("chat_id", "chat_message_id", name="uq_held_messages_chat_message"),
    )
    with op.batch_alter_table("held_messages", schema=None) as batch_op:
        batch_op.create_index("ix_held_messages_customer", ["customer_id", "id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("held_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_held_messages_customer")
    op.drop_table("held_messages")
    with op.batch_alter_table("customer_events", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_events_customer")
    op.drop_table("customer_events")
    op.drop_table("customer_bans")
