"""Full-text search over tickets: one document per ticket (subject, messages, notes).

SQLite: an FTS5 table with the ``unicode61`` tokenizer (diacritics folded), its rowid the
ticket number. PostgreSQL: a table with a ``tsvector`` (the ``simple`` configuration, no
stemming, so every language is treated alike) and a GIN index. Both are filled from the
existing messages here and kept in step by the services afterwards.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

from core.store.search_index import rebuild

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_documents USING fts5("
            "subject, body, tokenize = 'unicode61 remove_diacritics 2')"
        )
    else:
        op.execute(
            "CREATE TABLE search_documents ("
            " ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,"
            " subject TEXT NOT NULL DEFAULT '',"
            " body TEXT NOT NULL DEFAULT '',"
            " tsv TSVECTOR NOT NULL DEFAULT ''::tsvector)"
        )
        op.execute("CREATE INDEX ix_search_documents_tsv ON search_documents USING GIN (tsv)")
    # The text is prepared by the application (CJK characters set apart), so the
    # documents of existing tickets are made by the same code as ``helpdesk db reindex``.
    rebuild(op.get_bind())


def downgrade() -> None:
    """Revert this revision."""
    op.execute("DROP TABLE search_documents")
