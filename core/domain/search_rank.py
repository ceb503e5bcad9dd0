"""Ranking a search's matches by BM25, from their text and each term's estimated rarity.

The same formula as SQLite's FTS5 ``bm25()``: each term's frequency in a document (a
match in the subject counting ``SUBJECT_WEIGHT`` times, one in the body once) saturates
(``K1``) and is scaled down in longer documents (``B``, against the average length of the
documents ranked), times the term's inverse document frequency. FTS5 counts every match of
each term over the whole index for that frequency, which grows with the desk; here it
comes from ``Rarity``: how many of the newest tickets a term's newest matches span.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from core.domain.search_snippet import fold, folded_words

K1 = 1.2
B = 0.75
SUBJECT_WEIGHT = 4.0
"""A match in the subject counts as this many in the messages (as ``bm25(t, 4.0, 1.0)``)."""


@dataclass(frozen=True, slots=True)
class Rarity:
    """How common a term is, from a sample of its newest matches.

    Attributes:
        documents: how many documents the index holds (the newest ticket's number).
        sampled: how many of the term's newest matches were read (at most the sample's size).
        span: how many of the newest tickets those matches lie in (newest number minus
            the oldest sampled, plus one).
        complete: the sample holds every match of the term.
    """

    documents: int
    sampled: int
    span: int
    complete: bool

    def idf(self) -> float:
        """The term's inverse document frequency, as BM25 weighs it (never below 1e-6)."""
        total = max(self.documents, 1)
        if self.complete:
            found = float(self.sampled)
        else:
            found = total * self.sampled / max(self.span, self.sampled, 1)
        return max(math.log((total - found + 0.5) / (found + 0.5)), 1e-6)


@dataclass(frozen=True, slots=True)
class Document:
    """A match to rank: its ticket number and its text (subject, body) as indexed."""

    number: int
    subject: str
    body: str


def rank(
    documents: Sequence[Document],
    phrases: Sequence[str],
    idfs: Sequence[float],
    limit: int,
) -> list[tuple[Document, float]]:
    """The ``limit`` best documents with their scores: highest first, then the newest.

    Args:
        documents: the matches to rank (each holds every phrase).
        phrases: the query's terms as the index spells them (``SearchQuery.phrases``).
        idfs: each phrase's inverse document frequency (``Rarity.idf``).
        limit: how many to return.
    """
    if not documents:
        return []
    terms = [[fold(piece) for piece in phrase.split()] for phrase in phrases]
    # A term of one word in ASCII is looked for as bytes, between spaces (_ASCII_FOLD).
    needles = [
        b" " + term[0].encode("ascii") + b" " if len(term) == 1 and term[0].isascii() else None
        for term in terms
    ]
    counted = [_frequencies(document, terms, needles) for document in documents]
    average = sum(length for _, length in counted) / len(counted) or 1.0
    scored = [
        (document, _bm25(frequencies, length / average, idfs))
        for document, (frequencies, length) in zip(documents, counted, strict=True)
    ]
    scored.sort(key=lambda pair: (-pair[1], -pair[0].number))
    return scored[:limit]


_ASCII_FOLD = bytes(ord(chr(b).lower()) if chr(b).isalnum() and b < 128 else 32 for b in range(256))
"""Bytes of ASCII text to the index's view of them: letters lower case, digits kept, every
other character a space (a word boundary)."""
_ASCII_SHAPE = bytes(32 if b == 32 else 97 for b in range(256))
"""Folded bytes to their shape: each letter or digit an ``a``, so `` a`` starts each word."""


def _frequencies(
    document: Document, terms: list[list[str]], needles: list[bytes | None]
) -> tuple[list[float], int]:
    """Each term's frequency in the document, a subject match weighing ``SUBJECT_WEIGHT``,
    and the document's length in words."""
    subject, body = document.subject, document.body
    if subject.isascii() and body.isascii() and all(needle is not None for needle in needles):
        # Most text: cut and searched by C code, no word made an object of its own.
        top = b" " + subject.encode("ascii").translate(_ASCII_FOLD) + b" "
        rest = b" " + body.encode("ascii").translate(_ASCII_FOLD) + b" "
        length = top.translate(_ASCII_SHAPE).count(b" a") + rest.translate(_ASCII_SHAPE).count(
            b" a"
        )
        return [
            SUBJECT_WEIGHT * _occurrences(top, needle) + _occurrences(rest, needle)
            for needle in needles
            if needle is not None
        ], length
    words = (folded_words(subject), folded_words(body))
    frequencies = [
        SUBJECT_WEIGHT * _count(words[0], term) + _count(words[1], term) for term in terms
    ]
    return frequencies, len(words[0]) + len(words[1])


def _occurrences(spaced: bytes, needle: bytes) -> int:
    """How many times ``needle`` (`` word ``) occurs in ``spaced``, one space shared by two."""
    found, at = 0, spaced.find(needle)
    while at >= 0:
        found += 1
        at = spaced.find(needle, at + len(needle) - 1)
    return found


def _count(folded: list[str], phrase: list[str]) -> int:
    """How many times the words of ``phrase`` follow each other in ``folded``."""
    size = len(phrase)
    if size <= 1:
        return folded.count(phrase[0]) if phrase else 0
    return sum(
        1
        for at, word in enumerate(folded)
        if word == phrase[0] and folded[at : at + size] == phrase
    )


def _bm25(frequencies: list[float], relative_length: float, idfs: Sequence[float]) -> float:
    norm = K1 * (1 - B + B * relative_length)
    return sum(
        idf * frequency * (K1 + 1) / (frequency + norm)
        for frequency, idf in zip(frequencies, idfs, strict=True)
    )
