"""A search hit's snippet: a few words of the ticket around the matches, the matches marked.

Made from the document's text for the hits shown only, the same on both databases. The
text is the index's (``index_text``: CJK characters set apart), so words are found the
way the index found them: runs of letters and digits, case and accents ignored, a term of
several pieces (a CJK run) matching as a phrase.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from itertools import islice

from core.domain.search_text import MARK_END, MARK_START

ELLIPSIS = "…"
_TOKEN = re.compile(r"[^\W_]+")
_ASCII_TOKEN = re.compile(r"[A-Za-z0-9]+")
_ASCII_SPACES = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})


def fold(word: str) -> str:
    """A word as the index compares it: case folded, accents removed."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def folded_words(text: str) -> list[str]:
    """The text's words as the index compares them (``fold``), in order."""
    if text.isascii():
        # Text in ASCII (most of it) is cut into words by C code: faster by far than a
        # Unicode pattern, and folding it is lower-casing it.
        return text.lower().translate(_ASCII_SPACES).split()
    return [fold(word) for word in _TOKEN.findall(text)]


def snippet(columns: Sequence[str], phrases: Sequence[str], words: int) -> str:
    """The best window of ``words`` words among ``columns``, its matches marked.

    Args:
        columns: the document's texts (subject, then body), as indexed.
        phrases: the query's terms as the index spells them (``SearchQuery.phrases``).
        words: how many words the window holds.

    The window with the most different terms wins (then the most matches, then the first
    column and the earliest place); ``…`` shows text left out before or after it. A
    document without any match gives the start of its first non-empty column.
    """
    starting: dict[str, list[tuple[int, list[str]]]] = {}
    for term, phrase in enumerate(phrases):
        pieces = [fold(piece) for piece in phrase.split()]
        if pieces:
            starting.setdefault(pieces[0], []).append((term, pieces))
    best: tuple[tuple[int, int], str] | None = None
    for text in columns:
        folded = folded_words(text)
        if not folded:
            continue
        spans = _matches(folded, starting)
        first, score = _best_window(spans, len(folded), words)
        if best is None or score > best[0]:
            last = min(len(folded), first + words) - 1
            pattern = _ASCII_TOKEN if text.isascii() else _TOKEN
            # Where the words are in the text: up to the window's end only.
            tokens = [m.span() for m in islice(pattern.finditer(text), last + 1)]
            best = (score, _render(text, tokens, spans, first, len(folded)))
    return best[1] if best is not None else ""


def _matches(
    folded: list[str], starting: dict[str, list[tuple[int, list[str]]]]
) -> list[tuple[int, int, int]]:
    """Each match as (first token, last token, which term), in text order, not overlapping."""
    found: list[tuple[int, int, int]] = []
    after = 0  # the first token a next match may start at
    for position in [i for i, word in enumerate(folded) if word in starting]:
        if position < after:
            continue
        for term, pieces in starting[folded[position]]:
            end = position + len(pieces)
            if folded[position:end] == pieces:
                found.append((position, end - 1, term))
                after = end
                break
    return found


def _best_window(
    spans: list[tuple[int, int, int]], count: int, words: int
) -> tuple[int, tuple[int, int]]:
    """The first token of the best window and its score (different terms, matches)."""
    best_first, best_score = 0, (0, 0)
    low = high = 0  # spans[low:high] lie inside the window (both move forward only)
    for start, _end, _term in spans:
        # A window starting a little before the match, so it reads in context.
        first = max(0, min(start - words // 4, count - words))
        while spans[low][0] < first:
            low += 1
        high = max(high, low)
        while high < len(spans) and spans[high][1] < first + words:
            high += 1
        inside = spans[low:high]
        score = (len({s[2] for s in inside}), len(inside))
        if score > best_score:
            best_first, best_score = first, score
    return best_first, best_score


def _render(
    text: str,
    tokens: list[tuple[int, int]],
    spans: list[tuple[int, int, int]],
    first: int,
    count: int,
) -> str:
    """The text of ``tokens[first:]`` (the window), its matches marked; ``count`` words in all."""
    last = len(tokens) - 1
    # From the text's very start or to its very end when the window reaches it, so no
    # punctuation there is lost ("<script> printer", "is it broken?").
    begin = tokens[first][0] if first > 0 else 0
    finish = tokens[last][1] if last < count - 1 else len(text)
    pieces = [ELLIPSIS] if first > 0 else []
    at = begin
    for start, end, _term in spans:
        if start < first or end > last:
            continue
        pieces += [text[at : tokens[start][0]], MARK_START, text[tokens[start][0] : tokens[end][1]]]
        pieces.append(MARK_END)
        at = tokens[end][1]
    pieces.append(text[at:finish])
    if last < count - 1:
        pieces.append(ELLIPSIS)
    return "".join(pieces)
