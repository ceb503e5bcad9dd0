"""The agents' queue by assignee walks one index per status, newest first.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_assignee_activity")
        batch_op.create_index(
            "ix_tickets_assignee_status_activity",
            ["assignee_id", "status", "updated_at", "id"],
            unique=False,
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_assignee_status_activity")
        batch_op.create_index(
            "ix_tickets_assignee_activity", ["assignee_id", "updated_at", "id"], unique=False
        )
