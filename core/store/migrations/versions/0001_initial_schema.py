"""Initial schema: customers, agents, tickets, messages, events, outbox, conversations.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Plain column types, so old migrations never depend on the application's current code.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TS = sa.DateTime(timezone=True)

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "agents",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("password_hash", sa.String(length=128), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTC_TS, nullable=True),
        sa.Column("last_login_at", UTC_TS, nullable=True),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("telegram_user_id", name=op.f("uq_agents_telegram_user_id")),
        sa.UniqueConstraint("username", name=op.f("uq_agents_username")),
    )
    op.create_table(
        "conversations",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("flow", sa.String(length=32), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_conversations")),
    )
    op.create_table(
        "customers",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("language_code", sa.String(length=16), nullable=True),
        sa.Column("active_ticket_id", sa.BigInteger(), nullable=True),
        sa.Column("unreachable_since", UTC_TS, nullable=True),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("updated_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("telegram_user_id", name=op.f("uq_customers_telegram_user_id")),
    )
    op.create_table(
        "login_throttle",
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTC_TS, nullable=True),
        sa.Column("last_failure_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("telegram_user_id", name=op.f("pk_login_throttle")),
    )
    op.create_table(
        "tickets",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("subject", sa.String(length=256), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("assignee_id", sa.BigInteger(), nullable=True),
        sa.Column("follow_up_of_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("updated_at", UTC_TS, nullable=False),
        sa.Column("status_changed_at", UTC_TS, nullable=False),
        sa.Column("first_response_at", UTC_TS, nullable=True),
        sa.Column("resolved_at", UTC_TS, nullable=True),
        sa.Column("closed_at", UTC_TS, nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=True),
        sa.Column("rated_at", UTC_TS, nullable=True),
        sa.Column("staff_topic_id", sa.BigInteger(), nullable=True),
        sa.Column("staff_card_message_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["agents.id"], name=op.f("fk_tickets_assignee_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_tickets_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["follow_up_of_id"], ["tickets.id"], name=op.f("fk_tickets_follow_up_of_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_activity", ["updated_at", "id"], unique=False)
        batch_op.create_index(
            "ix_tickets_assignee_activity", ["assignee_id", "updated_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_tickets_customer_activity", ["customer_id", "updated_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_tickets_status_activity", ["status", "updated_at", "id"], unique=False
        )
    # customers.active_ticket_id and tickets.customer_id point at each other: add it last.
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_customers_active_ticket_id_tickets"),
            "tickets",
            ["active_ticket_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "messages",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("author_role", sa.String(length=16), nullable=False),
        sa.Column("author_agent_id", sa.BigInteger(), nullable=True),
        sa.Column("author_name", sa.String(length=256), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("formatted", sa.Text(), nullable=True),
        sa.Column("attachment_kind", sa.String(length=16), nullable=True),
        sa.Column("attachment_file_id", sa.String(length=256), nullable=True),
        sa.Column("attachment_details", sa.String(length=512), nullable=True),
        sa.Column("album", sa.String(length=64), nullable=True),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["author_agent_id"], ["agents.id"], name=op.f("fk_messages_author_agent_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_messages_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index("ix_messages_ticket", ["ticket_id", "id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("lane", sa.String(length=64), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("ticket_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=128), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC_TS, nullable=False),
        sa.Column("lease_until", UTC_TS, nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("sent_at", UTC_TS, nullable=True),
        sa.Column("failed_at", UTC_TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_outbox_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_pending_due",
            ["next_attempt_at", "id"],
            unique=False,
            sqlite_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
            postgresql_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
        )
        batch_op.create_index(
            "ix_outbox_pending_lane",
            ["lane", "id"],
            unique=False,
            sqlite_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
            postgresql_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
        )

    op.create_table(
        "ticket_events",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("actor_agent_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sa.String(length=256), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("at", UTC_TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_agent_id"], ["agents.id"], name=op.f("fk_ticket_events_actor_agent_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_events_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_events_ticket", ["ticket_id", "id"], unique=False)

    op.create_table(
        "ticket_refs",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_message_id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_refs_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("chat_id", "chat_message_id", name=op.f("pk_ticket_refs")),
    )
    op.create_table(
        "message_copies",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_message_id", sa.BigInteger(), nullable=False),
        sa.Column("is_origin", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_message_copies_message_id_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_copies")),
        sa.UniqueConstraint("chat_id", "chat_message_id", name="uq_message_copies_chat_message"),
    )
    with op.batch_alter_table("message_copies", schema=None) as batch_op:
        batch_op.create_index("ix_message_copies_message", ["message_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("message_copies", schema=None) as batch_op:
        batch_op.drop_index("ix_message_copies_message")

    op.drop_table("message_copies")
    op.drop_table("ticket_refs")
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_events_ticket")

    op.drop_table("ticket_events")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_outbox_pending_lane",
            sqlite_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
            postgresql_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
        )
        batch_op.drop_index(
            "ix_outbox_pending_due",
            sqlite_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
            postgresql_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
        )

    op.drop_table("outbox")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_ticket")

    op.drop_table("messages")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_status_activity")
        batch_op.drop_index("ix_tickets_customer_activity")
        batch_op.drop_index("ix_tickets_assignee_activity")
        batch_op.drop_index("ix_tickets_activity")

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_customers_active_ticket_id_tickets"), type_="foreignkey")
    op.drop_table("tickets")
    op.drop_table("login_throttle")
    op.drop_table("customers")
    op.drop_table("conversations")
    op.drop_table("agents")
