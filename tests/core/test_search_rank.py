"""Ranking a search's matches from their text: BM25 as FTS5 computes it, rarity estimated."""

from __future__ import annotations

import math
import sqlite3

import pytest

from core.domain.search_rank import Document, Rarity, rank
from core.domain.search_text import index_text


def _order(
    documents: list[Document], phrases: list[str], idfs: list[float] | None = None
) -> list[int]:
    idfs = idfs if idfs is not None else [1.0] * len(phrases)
    return [document.number for document, _ in rank(documents, phrases, idfs, 10)]


class TestRank:
    def test_a_subject_match_weighs_more_than_one_in_the_messages(self) -> None:
        body = Document(1, "Question", "the printer is broken again today")
        subject = Document(2, "Printer", "it is broken again today, sadly")
        assert _order([subject, body], ["printer"]) == [2, 1]

    def test_more_occurrences_rank_higher_and_ties_go_to_the_newest(self) -> None:
        once = Document(3, "Help", "toner low today, please")
        twice = Document(1, "Help", "toner low, toner gone")
        tied = Document(2, "Help", "toner low today, please")
        assert _order([once, twice, tied], ["toner"]) == [1, 3, 2]

    def test_the_rarer_word_weighs_more(self) -> None:
        common = Document(2, "Help", "printer printer printer jam")
        rare = Document(1, "Help", "printer jam jam jam")
        idfs = [Rarity(10_000, 100, 500, complete=False).idf(), Rarity(10_000, 3, 3, True).idf()]
        assert _order([common, rare], ["printer", "jam"], idfs) == [1, 2]
        assert _order([common, rare], ["printer", "jam"], idfs[::-1]) == [2, 1]

    def test_words_are_counted_as_the_index_cuts_them(self) -> None:
        # Case folded, punctuation and "_" split words, repeats side by side all count,
        # a longer word holding the term is not a match.
        counted = Document(1, "x", "JAM_jam, jam jam! jammed")
        fewer = Document(2, "x", "jam jam jam jammed jammed")
        assert _order([fewer, counted], ["jam"]) == [1, 2]

    def test_accents_cyrillic_and_cjk_phrases_are_counted(self) -> None:
        accents = Document(1, "x", "Café, CAFÉ and café au lait")
        plain = Document(2, "x", "cafe closed at noon today, sorry")
        assert _order([plain, accents], ["cafe"]) == [1, 2]
        russian = Document(3, "Принтер", "принтер")
        other = Document(4, "Вопрос", "принтер дымится")
        assert _order([other, russian], ["принтер"]) == [3, 4]
        run = Document(5, "x", index_text("连接失败，连接失败"))
        split = Document(6, "x", index_text("连接失败，失败连接"))
        assert _order([split, run], ["连 接 失 败"]) == [5, 6]

    def test_nothing_to_rank(self) -> None:
        assert rank([], ["printer"], [1.0], 10) == []


_WORDS = ["printer", "toner", "jam", "paper", "smoke", "cable", "driver", "update", "screen"]


def _corpus() -> list[Document]:
    documents = []
    for n in range(1, 61):
        words = [_WORDS[(n * k + k * k) % len(_WORDS)] for k in range(1, 4 + n % 9)]
        subject = " ".join(words[: 1 + n % 3]).capitalize()
        body = ", ".join(words) + ("." if n % 4 else "!")
        if n % 5 == 0:  # symbols and "_" part words too, as FTS5's unicode61 cuts them
            body += f" ${n}+{words[0]}_{words[-1]}|x~{words[1]}"
        documents.append(Document(n, subject, body))
    return documents


@pytest.mark.parametrize(
    "query", [["printer"], ["jam"], ["printer", "jam"], ["paper", "cable", "driver"]]
)
def test_the_scores_are_fts5_bm25_when_the_rarity_is_counted(query: list[str]) -> None:
    documents = _corpus()
    database = sqlite3.connect(":memory:")
    database.execute("CREATE VIRTUAL TABLE d USING fts5(subject, body)")
    database.executemany(
        "INSERT INTO d (rowid, subject, body) VALUES (?, ?, ?)",
        [(d.number, d.subject, d.body) for d in documents],
    )
    match = " AND ".join(f'"{word}"' for word in query)
    expected = database.execute(
        "SELECT rowid, -bm25(d, 4.0, 1.0) FROM d WHERE d MATCH ? ORDER BY rowid DESC",
        (match,),
    ).fetchall()
    holding = [
        database.execute("SELECT count(*) FROM d WHERE d MATCH ?", (f'"{w}"',)).fetchone()[0]
        for w in query
    ]
    idfs = [Rarity(len(documents), n, len(documents), complete=True).idf() for n in holding]
    # All the documents ranked, so their average length is the whole index's, as FTS5's;
    # the scores of the documents holding every word are compared.
    scores = {d.number: score for d, score in rank(documents, query, idfs, len(documents))}
    assert len(expected) >= 5
    for number, score in expected:
        assert scores.pop(number) == pytest.approx(score, rel=1e-9)


class TestRarity:
    def test_every_match_counted_gives_the_exact_frequency(self) -> None:
        assert Rarity(1000, 10, 900, complete=True).idf() == pytest.approx(
            math.log((1000 - 10 + 0.5) / (10 + 0.5))
        )

    def test_a_sample_estimates_the_share_of_tickets(self) -> None:
        # 100 matches among the newest 1,000 tickets: one ticket in ten, 10,000 of 100,000.
        estimated = Rarity(100_000, 100, 1_000, complete=False).idf()
        assert estimated == pytest.approx(math.log((100_000 - 10_000 + 0.5) / 10_000.5))
        assert Rarity(100_000, 100, 5_000, complete=False).idf() > estimated

    def test_a_word_in_most_tickets_weighs_almost_nothing(self) -> None:
        assert Rarity(100, 100, 100, complete=False).idf() == pytest.approx(1e-6)
        assert Rarity(0, 0, 1, complete=True).idf() > 0
