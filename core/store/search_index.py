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

from core.domain.search_rank import Document, Rarity, rank
from core.domain.search_snippet import snippet
from core.domain.search_text import SearchQuery, index_text
from core.store.prepared import Prepared, Writer

TABLE = "search_documents"
SNIPPET_WORDS = 14
_REBUILD_BATCH = 5_000


def include_name(name: str | None, type_: str, parent_names: object) -> bool:  # noqa: ARG001 - Alembic's signature
    """Alembic's filter: leave the index (made by hand, not modelled) out of comparisons."""
    return not (name or "").startswith(TABLE)


def _is_sqlite(session: AsyncSession | Connection) -> bool:
    bind = session.get_bind() if isinstance(session, AsyncSession) else session
    return bind.dialect.name == "sqlite"


_ADD_TICKET = {
    True: Prepared(text(f"INSERT INTO {TABLE} (rowid, subject, body) VALUES (:n, :s, '')")),
    False: Prepared(
        text(
            f"INSERT INTO {TABLE} (ticket_id, subject, tsv) "
            "VALUES (:n, :s, setweight(to_tsvector('simple', :s), 'A'))"
        )
    ),
}
_ADD_TEXT = {
    True: Prepared(
        text(
            f"UPDATE {TABLE} SET body = CASE WHEN body = '' THEN :t "
            "ELSE body || char(10) || :t END WHERE rowid = :n"
        )
    ),
    False: Prepared(
        text(
            f"UPDATE {TABLE} SET body = CASE WHEN body = '' THEN :t ELSE body || E'\\n' || :t "
            "END, tsv = tsv || to_tsvector('simple', :t) WHERE ticket_id = :n"
        )
    ),
}
"""Each statement once per backend (True: SQLite), prepared for the write path."""


async def _writer(target: AsyncSession | Writer) -> Writer:
    return target if isinstance(target, Writer) else await Writer.of(target)


async def add_ticket(target: AsyncSession | Writer, number: int, subject: str) -> None:
    """Index a new ticket's subject (its messages follow with ``add_text``)."""
    writer = await _writer(target)
    await writer.run(_ADD_TICKET[writer.is_sqlite], {"n": number, "s": index_text(subject)})


async def add_text(target: AsyncSession | Writer, number: int, texts: Iterable[str]) -> None:
    """Append messages' text to a ticket's document (nothing when they carry no text)."""
    added = "\n".join(index_text(t) for t in texts if t.strip())
    if not added:
        return
    writer = await _writer(target)
    await writer.run(_ADD_TEXT[writer.is_sqlite], {"n": number, "t": added})


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


RANKED_POOL = 50
"""How many matches, the newest tickets first, a search ranks by relevance.

Ranking costs per match ranked, and a common word matches a share of the whole desk, so
ranking every match grows with the desk. Ranking the newest ``RANKED_POOL`` bounds that
work: a word in one ticket out of fifty already fills the pool at a few thousand tickets,
and costs the same at a million. The hits shown are the most relevant among those: a
better match in an older ticket is found by adding a word, or a filter (``customer:``,
``tag:``, ``status:``), applied before the pool is taken.

Fifty is five pages of the ten hits a search shows (two and a half of the most it shows,
20): enough for the best-fitting recent tickets to come first, which is what an agent
searches for most. Each match in the pool costs reading its text and scoring it in Python
(``search_rank``); with 200, as before, that made searches at ten thousand tickets about
0.5 ms slower than FTS5's ``bm25()`` did, and two words that share few tickets walk back
four times as far through both words' matches before the pool is full (at a million
tickets, two of the benchmark's words fill 50 about 180,000 tickets back: 0.45 ms, against
1.1 ms for 200)."""


FEW_FILTERED = 1_000
"""Filters passing at most this many tickets are applied as a list of ticket numbers.

Walking a common word's matches and looking each ticket up costs per match, which grows
with the desk; a filter that leaves few tickets (``customer:``, a rare ``tag:``) is read
first through the tickets' indexes, at most ``FEW_FILTERED + 1`` rows, and the matches are
then checked against that list, which costs far less per match. A filter passing more
tickets is checked by joining the tickets while walking the matches newest first: then
``RANKED_POOL`` passing matches are found after few steps."""


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
    numbers: list[int] | None = None
    if filters:
        numbers = await _few_filtered(session, filters, params)
        if numbers == []:
            return []
    if _is_sqlite(session):
        documents = await _rank_sqlite(
            session, query, filters=filters, params=params, numbers=numbers, limit=limit
        )
        ranked = [(document.number, score) for document, score in documents]
        texts = {document.number: (document.subject, document.body) for document, _ in documents}
    else:
        rows = await _rank_postgresql(
            session, query, filters=filters, params=params, numbers=numbers, limit=limit
        )
        ranked = [(number, score) for number, score, _, _ in rows]
        texts = {number: (subject, body) for number, _, subject, body in rows}
    # Both databases' own snippet functions cost more than the ranking at a million
    # tickets (FTS5 seeks the query's terms again for each row; ``ts_headline`` parses the
    # whole text), so the page's snippets are made here from its documents' text.
    phrases = query.phrases()
    return [
        Hit(n, score, snippet(texts.get(n, ("", "")), phrases, SNIPPET_WORDS))
        for n, score in ranked
    ]


async def _few_filtered(
    session: AsyncSession, filters: Sequence[str], params: dict[str, object]
) -> list[int] | None:
    """The tickets passing the filters when there are few of them, else ``None``."""
    where = " AND ".join(filters)
    rows = await session.execute(
        text(f"SELECT t.id FROM tickets AS t WHERE {where} LIMIT :few"),
        {**params, "few": FEW_FILTERED + 1},
    )
    numbers = sorted(int(n) for (n,) in rows)
    return None if len(numbers) > FEW_FILTERED else numbers


def _listed(column: str, numbers: list[int]) -> str:
    """``column`` within a short list of ticket numbers (integers read back from the
    database), bounded by the list's first and last so the index walks that range only."""
    listed = ", ".join(str(n) for n in numbers)
    # ``+`` keeps the list a check on each match rather than one index probe per number.
    return f" AND {column} BETWEEN {numbers[0]} AND {numbers[-1]} AND +{column} IN ({listed})"


async def _rank_sqlite(
    session: AsyncSession,
    query: SearchQuery,
    *,
    filters: Sequence[str],
    params: dict[str, object],
    numbers: list[int] | None,
    limit: int,
) -> list[tuple[Document, float]]:
    """The hits, best first, each with its score and its document's text."""
    source, where = TABLE, ""
    if numbers is not None:
        where = _listed(f"{TABLE}.rowid", numbers)
    elif filters:
        source = f"{TABLE} JOIN tickets AS t ON t.id = {TABLE}.rowid"
        where = "".join(f" AND {condition}" for condition in filters)
    phrases = query.phrases()
    values = {**params, "q": _match_fts5(query), "pool": RANKED_POOL}
    rarity = ""
    if len(phrases) > 1:
        # Each word's rarity (``_rarity``) in the same statement: subqueries that do not
        # depend on the row, so SQLite runs them once, and only when a row is found.
        rarity = "".join(
            f", {_RARITY_COLUMNS.format(table=TABLE, i=i)}" for i in range(len(phrases))
        )
        rarity += f", (SELECT max(rowid) FROM {TABLE})"
        values |= {f"p{i}": f'"{phrase}"' for i, phrase in enumerate(phrases)}
        values |= {"sample": RARITY_SAMPLE, "last": RARITY_SAMPLE - 1}
    # One walk: FTS5 reads the matches newest first (by rowid, the ticket number) and
    # stops at the RANKED_POOL-th; their text is ranked here (``search_rank``).
    sql = (
        f"SELECT {TABLE}.rowid, {TABLE}.subject, {TABLE}.body{rarity} "
        f"FROM {source} WHERE {TABLE} MATCH :q{where} "
        f"ORDER BY {TABLE}.rowid DESC LIMIT :pool"
    )
    rows = (await session.execute(text(sql), values)).all()
    documents = [Document(int(row[0]), str(row[1]), str(row[2])) for row in rows]
    idfs = [1.0] * len(phrases)
    if len(phrases) > 1 and len(rows) > 1:
        counts = [None if value is None else int(value) for value in rows[0][3:]]
        idfs = [_rarity(counts, term).idf() for term in range(len(phrases))]
    return rank(documents, phrases, idfs, limit)


RARITY_SAMPLE = 100
"""How many of a term's newest matches tell how common it is (``Rarity``).

BM25 weighs a rare term more than a common one by the share of documents holding it.
Counting them all walks the term's every match, which grows with the desk (17,000 for a
word in one ticket out of sixty at a million tickets); the newest ``RARITY_SAMPLE``
matches and the number of tickets they span estimate that share within about a tenth, at
the same cost at any size. Asked only when a query has several terms: with one, its
rarity scales every score alike."""

_RARITY_COLUMNS = (
    "(SELECT count(*) FROM (SELECT rowid FROM {table} WHERE {table} MATCH :p{i} "
    "ORDER BY rowid DESC LIMIT :sample)), "
    "(SELECT rowid FROM {table} WHERE {table} MATCH :p{i} ORDER BY rowid DESC LIMIT 1 OFFSET :last)"
)
"""A term's matches among its newest ``RARITY_SAMPLE``, and the oldest of them when there
are that many (else none)."""


def _rarity(counts: list[int | None], term: int) -> Rarity:
    """A term's ``Rarity`` from the rarity columns of ``_rank_sqlite``'s statement: two
    ``_RARITY_COLUMNS`` a term, then the newest document's number."""
    found, oldest, newest = counts[2 * term], counts[2 * term + 1], counts[-1] or 0
    return Rarity(
        documents=newest,
        sampled=found or 0,
        span=newest if oldest is None else newest - oldest + 1,
        complete=oldest is None,
    )


async def _rank_postgresql(
    session: AsyncSession,
    query: SearchQuery,
    *,
    filters: Sequence[str],
    params: dict[str, object],
    numbers: list[int] | None,
    limit: int,
) -> list[tuple[int, float, str, str]]:
    """The hits, best first, each with its score and its document's subject and body."""
    source, where = f"{TABLE} AS d", ""
    if numbers is not None:
        where = _listed("d.ticket_id", numbers)
    elif filters:
        source = f"{TABLE} AS d JOIN tickets AS t ON t.id = d.ticket_id"
        where = "".join(f" AND {condition}" for condition in filters)
    phrases = query.phrases()
    tsquery = " && ".join(f"phraseto_tsquery('simple', :p{i})" for i in range(len(phrases)))
    # The query is written out in each clause rather than taken from a CTE, so the planner
    # sees its words and chooses by their frequency: walking the newest tickets backwards
    # (a common word: about RANKED_POOL / share rows, whatever the desk's size) or the GIN
    # index (a rare word: its few matches). The pool carries ticket numbers only; the
    # ranking reads the tsvectors of the pool's rows alone.
    sql = (
        f"WITH recent AS MATERIALIZED (SELECT d.ticket_id FROM {source}"
        f" WHERE d.tsv @@ ({tsquery}){where} ORDER BY d.ticket_id DESC LIMIT :pool)"
        f" SELECT r.ticket_id, ts_rank_cd(d.tsv, {tsquery}) AS score, d.subject, d.body"
        " FROM recent AS r"
        f" JOIN {TABLE} AS d ON d.ticket_id = r.ticket_id"
        " ORDER BY score DESC, r.ticket_id DESC LIMIT :limit"
    )
    values = {
        **params,
        **{f"p{i}": phrase for i, phrase in enumerate(phrases)},
        "pool": RANKED_POOL,
        "limit": limit,
    }
    return [
        (int(n), float(score), str(subject), str(body))
        for n, score, subject, body in await session.execute(text(sql), values)
    ]


def rebuild(connection: Connection) -> int:
    """Make the index again from every ticket and message; return how many tickets.

    Runs on a synchronous connection (inside the caller's transaction): from the
    ``reindex`` command through ``run_sync``, and from a migration. On SQLite the index
    ends as one segment (see ``_optimize``).
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
            if sqlite:
                _optimize(connection)
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


def _optimize(connection: Connection) -> None:
    """Merge the FTS5 index into one segment.

    Inserting in batches leaves FTS5 with many segments (14 at a million tickets), and a
    search reads a word's matches from each and merges them: at a million tickets two
    words rank in 2.7 ms from one segment against 6.4 ms from fourteen. Merging costs
    about 10 % of the time the rebuild takes.
    """
    connection.execute(text(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('optimize')"))
