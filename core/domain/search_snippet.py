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

from core.domain.search_text import MARK_END, MARK_START

ELLIPSIS = "…"
_TOKEN = re.compile(r"[^\W_]+")


def fold(word: str) -> str:
    """A word as the index compares it: case folded, accents removed."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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
    wanted = [[fold(piece) for piece in phrase.split()] for phrase in phrases]
    best: tuple[tuple[int, int], str] | None = None
    for text in columns:
        tokens = [(m.start(), m.end(), fold(m.group())) for m in _TOKEN.finditer(text)]
        if not tokens:
            continue
        spans = _matches(tokens, wanted)
        first, score = _best_window(spans, len(tokens), words)
        if best is None or score > best[0]:
            best = (score, _render(text, tokens, spans, first, words))
    return best[1] if best is not None else ""


def _matches(
    tokens: list[tuple[int, int, str]], wanted: list[list[str]]
) -> list[tuple[int, int, int]]:
    """Each match as (first token, last token, which term), in text order, not overlapping."""
    found: list[tuple[int, int, int]] = []
    position = 0
    while position < len(tokens):
        for term, pieces in enumerate(wanted):
            end = position + len(pieces)
            if pieces and [t[2] for t in tokens[position:end]] == pieces:
                found.append((position, end - 1, term))
                position = end
                break
        else:
            position += 1
    return found


def _best_window(
    spans: list[tuple[int, int, int]], count: int, words: int
) -> tuple[int, tuple[int, int]]:
    """The first token of the best window and its score (different terms, matches)."""
    best_first, best_score = 0, (0, 0)
    for start, _end, _term in spans:
        # A window starting a little before the match, so it reads in context.
        first = max(0, min(start - words // 4, count - words))
        inside = [s for s in spans if s[0] >= first and s[1] < first + words]
        score = (len({s[2] for s in inside}), len(inside))
        if score > best_score:
            best_first, best_score = first, score
    return best_first, best_score


def _render(
    text: str,
    tokens: list[tuple[int, int, str]],
    spans: list[tuple[int, int, int]],
    first: int,
    words: int,
) -> str:
    last = min(len(tokens), first + words) - 1
    begin, finish = tokens[first][0], tokens[last][1]
    pieces = [ELLIPSIS] if first > 0 else []
    at = begin
    for start, end, _term in spans:
        if start < first or end > last:
            continue
        pieces += [text[at : tokens[start][0]], MARK_START, text[tokens[start][0] : tokens[end][1]]]
        pieces.append(MARK_END)
        at = tokens[end][1]
    pieces.append(text[at:finish])
    if last < len(tokens) - 1:
        pieces.append(ELLIPSIS)
    return "".join(pieces)
