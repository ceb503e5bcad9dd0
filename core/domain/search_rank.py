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
    # Terms of one word in ASCII (most) are looked for as bytes in ASCII text (most), by C
    # code: each the word between spaces (``_ASCII_FOLD``), and twice in a row.
    ascii_words = [
        term[0].encode("ascii") for term in terms if len(term) == 1 and term[0].isascii()
    ]
    needles = [(b" " + word + b" ", b" " + word + b" " + word + b" ") for word in ascii_words]
    fast = len(needles) == len(terms)
    counted = [
        _ascii_frequencies(document, needles)
        if fast and document.subject.isascii() and document.body.isascii()
        else _frequencies(document, terms)
        for document in documents
    ]
    lengths = [length for _, length in counted]
    average = sum(lengths) / len(lengths) or 1.0
    # BM25 as FTS5 computes it, a term at a time over every document.
    norms = [K1 * (1 - B + B * length / average) for length in lengths]
    scores = [0.0] * len(documents)
    for term, idf in enumerate(idfs):
        frequencies = [found[term] for found, _ in counted]
        scores = [
            score + idf * frequency * (K1 + 1) / (frequency + norm)
            for score, frequency, norm in zip(scores, frequencies, norms, strict=True)
        ]
    best = sorted(
        (-score, -document.number, at)
        for at, (score, document) in enumerate(zip(scores, documents, strict=True))
    )
    return [(documents[at], scores[at]) for _, _, at in best[:limit]]


_ASCII_FOLD = bytes(ord(chr(b).lower()) if chr(b).isalnum() and b < 128 else 32 for b in range(256))
"""Bytes of ASCII text to the index's view of them: letters lower case, digits kept, every
other character a space (a word boundary)."""
_ASCII_SHAPE = bytes(32 if b == 32 else 97 for b in range(256))
"""Folded bytes to their shape: each letter or digit an ``a``, so `` a`` starts each word."""


def _ascii_frequencies(
    document: Document, needles: list[tuple[bytes, bytes]]
) -> tuple[list[float], int]:
    """``_frequencies`` of a document in ASCII, each term's needles from ``rank``."""
    top = b" " + document.subject.encode("ascii").translate(_ASCII_FOLD) + b" "
    rest = b" " + document.body.encode("ascii").translate(_ASCII_FOLD) + b" "
    length = (top + rest).translate(_ASCII_SHAPE).count(b" a")
    return [
        SUBJECT_WEIGHT * _occurrences(top, once, twice) + _occurrences(rest, once, twice)
        for once, twice in needles
    ], length


def _occurrences(spaced: bytes, once: bytes, twice: bytes) -> int:
    """How many times a word (``once``: it between spaces) occurs in ``spaced``."""
    if twice not in spaced:
        return spaced.count(once)
    # A repeat right after shares its space with the word before: found one by one.
    found, at = 0, spaced.find(once)
    while at >= 0:
        found += 1
        at = spaced.find(once, at + len(once) - 1)
    return found


def _frequencies(document: Document, terms: list[list[str]]) -> tuple[list[float], int]:
    """Each term's frequency in the document, a subject match weighing ``SUBJECT_WEIGHT``,
    and the document's length in words."""
    words = (folded_words(document.subject), folded_words(document.body))
    frequencies = [
        SUBJECT_WEIGHT * _count(words[0], term) + _count(words[1], term) for term in terms
    ]
    return frequencies, len(words[0]) + len(words[1])


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
