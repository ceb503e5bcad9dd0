"""The full-text index: one document per ticket (its subject; its messages and notes).

Made by migration 0011 on each backend (an FTS5 table on SQLite, a ``tsvector`` column
with a GIN index on PostgreSQL) and kept outside the ORM models, so it is written here, by
the operations that store messages, in their own transactions. ``rebuild`` makes it again
from the tickets and messages (``helpdesk db reindex``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.search_text import MARK_END, MARK_START, SearchQuery, index_text

TABLE = "search_documents"
SNIPPET_WORDS = 14
_REBUILD_BATCH = 5_000


def include_name(name: str | None, type_: str, parent_names: object) -> bool:  # noqa: ARG001 - Alembic's signature
    """Alembic's filter: leave the index (made by hand, not modelled) out of comparisons."""
    return not (name or "").startswith(TABLE)


def _is_sqlite(session: AsyncSession | Connection) -> bool:
    bind = session.get_bind() if isinstance(session, AsyncSession) else session
    return bind.dialect.name == "sqlite"


async def add_ticket(session: AsyncSession, number: int, subject: str) -> None:
    """Index a new ticket's subject (its messages follow with ``add_text``)."""
    if _is_sqlite(session):
        sql = f"INSERT INTO {TABLE} (rowid, subject, body) VALUES (:n, :s, '')"
    else:
        sql = (
            f"INSERT INTO {TABLE} (ticket_id, subject, tsv) "
            "VALUES (:n, :s, setweight(to_tsvector('simple', :s), 'A'))"
        )
    await session.execute(text(sql), {"n": number, "s": index_text(subject)})


async def add_text(session: AsyncSession, number: int, texts: Iterable[str]) -> None:
    """Append messages' text to a ticket's document (nothing when they carry no text)."""
    added = "\n".join(index_text(t) for t in texts if t.strip())
    if not added:
        return
    if _is_sqlite(session):
        sql = (
            f"UPDATE {TABLE} SET body = CASE WHEN body = '' THEN :t ELSE body || char(10) || :t "
            "END WHERE rowid = :n"
        )
    else:
        sql = (
            f"UPDATE {TABLE} SET body = CASE WHEN body = '' THEN :t ELSE body || E'\\n' || :t "
            "END, tsv = tsv || to_tsvector('simple', :t) WHERE ticket_id = :n"
        )
    await session.execute(text(sql), {"n": number, "t": added})


async def move_document(session: AsyncSession, source: int, target: int) -> None:
    """Fold one ticket's document into another's (a merge), leaving none for the source."""
    key = "rowid" if _is_sqlite(session) else "ticket_id"
    body = await session.scalar(
        text(f"SELECT subject || char(10) || body FROM {TABLE} WHERE {key} = :n").bindparams(
            n=source
        )
        if _is_sqlite(session)
        else text(f"SELECT subject || E'\\n' || body FROM {TABLE} WHERE {key} = :n").bindparams(
            n=source
        )
    )
    await session.execute(text(f"DELETE FROM {TABLE} WHERE {key} = :n"), {"n": source})
    if body:
        await add_text(session, target, [body])


@dataclass(frozen=True, slots=True)
class Hit:
    """One ticket found: its number, its score (higher is better) and a marked snippet."""

    number: int
    score: float
    snippet: str


def _match_fts5(query: SearchQuery) -> str:
    # Every term quoted: FTS5 reads it as a string (a phrase), never as syntax.
    return " AND ".join(f'"{phrase}"' for phrase in query.phrases())


RANKED_POOL = 2_000
"""How many matches, the newest tickets first, a search ranks by relevance.

Ranking every match costs time in proportion to how many there are, which grows with the
desk; ranking the newest ``RANKED_POOL`` keeps a search as fast at a million tickets as at
ten thousand. The hits shown are the most relevant among those: a better match in an older
ticket is found by adding a word, or a filter (``customer:``, ``tag:``, ``status:``)."""


async def find(
    session: AsyncSession,
    query: SearchQuery,
    *,
    filters: Sequence[str],
    params: dict[str, object],
    limit: int,
) -> list[Hit]:
    """Run a search; ``filters`` are SQL conditions on ``t`` (the tickets table).

    Ranked best first among the newest ``RANKED_POOL`` matching tickets (BM25 on SQLite,
    ``ts_rank_cd`` on PostgreSQL; subject matches weigh more), then newest ticket first.
    Snippets are made for the hits returned only.
    """
    if _is_sqlite(session):
        return await _find_sqlite(session, query, filters=filters, params=params, limit=limit)
    return await _find_postgresql(session, query, filters=filters, params=params, limit=limit)


async def _find_sqlite(
    session: AsyncSession,
    query: SearchQuery,
    *,
    filters: Sequence[str],
    params: dict[str, object],
    limit: int,
) -> list[Hit]:
    where = "".join(f" AND {condition}" for condition in filters)
    # The tickets table is joined only when a filter needs it.
    source = f"{TABLE} JOIN tickets AS t ON t.id = {TABLE}.rowid" if filters else TABLE
    matching = f"FROM {source} WHERE {TABLE} MATCH :q{where}"
    # FTS5 walks a term's matches by rowid (the ticket number) without ranking them: the
    # newest RANKED_POOL give the lowest ticket number to rank from, a rowid range FTS5
    # scans directly.
    sql = (
        f"SELECT {TABLE}.rowid, -bm25({TABLE}, 4.0, 1.0) {matching} AND {TABLE}.rowid >= "
        f"(SELECT min(n) FROM (SELECT {TABLE}.rowid AS n {matching} "
        f"ORDER BY {TABLE}.rowid DESC LIMIT :pool)) "
        f"ORDER BY bm25({TABLE}, 4.0, 1.0), {TABLE}.rowid DESC LIMIT :limit"
    )
    values = {**params, "q": _match_fts5(query), "pool": RANKED_POOL, "limit": limit}
    ranked = [(int(n), float(score)) for n, score in await session.execute(text(sql), values)]
    if not ranked:
        return []
    numbers = ", ".join(str(number) for number, _ in ranked)  # integers read back above
    snippets: dict[int, str] = {
        int(n): str(snip or "")
        for n, snip in (
            await session.execute(
                text(
                    f"SELECT rowid, snippet({TABLE}, -1, :a, :b, '…', {SNIPPET_WORDS}) "
                    f"FROM {TABLE} WHERE {TABLE} MATCH :q AND rowid IN ({numbers})"
                ),
                {"q": values["q"], "a": MARK_START, "b": MARK_END},
            )
        ).all()
    }
    return [Hit(n, score, snippets.get(n, "")) for n, score in ranked]


async def _find_postgresql(
    session: AsyncSession,
    query: SearchQuery,
    *,
    filters: Sequence[str],
    params: dict[str, object],
    limit: int,
) -> list[Hit]:
    where = "".join(f" AND {condition}" for condition in filters)
    source = f"{TABLE} AS d JOIN tickets AS t ON t.id = d.ticket_id" if filters else f"{TABLE} AS d"
    phrases = query.phrases()
    tsquery = " && ".join(f"phraseto_tsquery('simple', :p{i})" for i in range(len(phrases)))
    sql = (
        f"WITH q AS (SELECT {tsquery} AS q),"
        f" recent AS (SELECT d.ticket_id, d.tsv FROM {source}, q"
        f" WHERE d.tsv @@ q.q{where} ORDER BY d.ticket_id DESC LIMIT :pool),"
        " found AS (SELECT r.ticket_id, ts_rank_cd(r.tsv, q.q) AS score FROM recent AS r, q"
        " ORDER BY score DESC, r.ticket_id DESC LIMIT :limit)"
        " SELECT f.ticket_id, f.score, ts_headline('simple', d.subject || E'\\n' || d.body,"
        f" q.q, :options) FROM found AS f JOIN {TABLE} AS d ON d.ticket_id = f.ticket_id, q"
        " ORDER BY f.score DESC, f.ticket_id DESC"
    )
    values = {
        **params,
        **{f"p{i}": phrase for i, phrase in enumerate(phrases)},
        "pool": RANKED_POOL,
        "limit": limit,
        "options": (
            f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={SNIPPET_WORDS}, MinWords=5"
        ),
    }
    rows = (await session.execute(text(sql), values)).all()
    return [Hit(int(n), float(score), str(snip or "")) for n, score, snip in rows]


def rebuild(connection: Connection) -> int:
    """Make the index again from every ticket and message; return how many tickets.

    Runs on a synchronous connection (inside the caller's transaction): from the
    ``reindex`` command through ``run_sync``, and from a migration.
    """
    sqlite = _is_sqlite(connection)
    connection.execute(text(f"DELETE FROM {TABLE}"))
    count = 0
    last = 0
    while True:
        tickets = connection.execute(
            text("SELECT id, subject FROM tickets WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": _REBUILD_BATCH},
        ).all()
        if not tickets:
            return count
        first, last = tickets[0][0], tickets[-1][0]
        bodies: dict[int, list[str]] = {}
        for ticket_id, body in connection.execute(
            text(
                "SELECT ticket_id, text FROM messages WHERE ticket_id BETWEEN :a AND :b "
                "AND text <> '' ORDER BY ticket_id, id"
            ),
            {"a": first, "b": last},
        ):
            bodies.setdefault(ticket_id, []).append(index_text(body))
        rows = [
            {"n": n, "s": index_text(subject), "b": "\n".join(bodies.get(n, ()))}
            for n, subject in tickets
        ]
        if sqlite:
            sql = f"INSERT INTO {TABLE} (rowid, subject, body) VALUES (:n, :s, :b)"
        else:
            sql = (
                f"INSERT INTO {TABLE} (ticket_id, subject, body, tsv) VALUES (:n, :s, :b, "
                "setweight(to_tsvector('simple', :s), 'A') || to_tsvector('simple', :b))"
            )
        connection.execute(text(sql), rows)
        count += len(rows)
