"""Timers and figures: SLA breach and reminder marks, desk state, indexes for the rules.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TS = sa.DateTime(timezone=True)
TICKET_INDEXES = {
    "ix_tickets_status_changed": ["status", "status_changed_at"],
    "ix_tickets_status_created": ["status", "created_at"],
    "ix_tickets_created": ["created_at"],
    "ix_tickets_resolved": ["resolved_at"],
    "ix_tickets_closed": ["closed_at"],
    "ix_tickets_rated": ["rated_at"],
}


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sla_first_breached_at", UTC_TS, nullable=True))
        batch_op.add_column(sa.Column("sla_resolution_breached_at", UTC_TS, nullable=True))
        batch_op.add_column(sa.Column("reminded_at", UTC_TS, nullable=True))
        for name, columns in TICKET_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_events_kind_at", ["kind", "at"], unique=False)
    op.create_table(
        "desk_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", UTC_TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_desk_state")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("desk_state")
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_events_kind_at")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for name in TICKET_INDEXES:
            batch_op.drop_index(name)
        batch_op.drop_column("reminded_at")
        batch_op.drop_column("sla_resolution_breached_at")
        batch_op.drop_column("sla_first_breached_at")
