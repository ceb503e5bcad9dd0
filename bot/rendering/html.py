"""Escaping and trimming for Telegram's HTML parse mode."""

from __future__ import annotations

import html

from core.domain.text import clean_label, graphemes

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def esc(text: str | None) -> str:
    """Escape user-supplied text so it can never break the message's formatting."""
    return html.escape(text or "", quote=False)


SUBJECT_LIMIT = 256


def subject_html(subject: str) -> str:
    """A ticket subject, cleaned, escaped and kept to a size that fits any message."""
    return esc(plain_label(subject, SUBJECT_LIMIT))


def plain_label(text: str | None, limit: int | None = None) -> str:
    """A subject or a name as the desk shows it: without bidi controls or invisible
    characters (``clean_label``), cut to ``limit`` characters when given.

    Only for what the desk titles and labels; a message's text is relayed as written.
    """
    cleaned = clean_label(text or "")
    return cleaned if limit is None else shorten(cleaned, limit)


def label_html(text: str | None, limit: int | None = None) -> str:
    """``plain_label``, escaped for HTML."""
    return esc(plain_label(text, limit))


def shorten(text: str, limit: int) -> str:
    """Cut plain text to ``limit`` characters, ending with an ellipsis when cut (between
    graphemes: never inside a flag or an emoji sequence)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else cut_graphemes(text, limit - 1).rstrip() + "…"


GRAPHEME_REACH = 32
"""How far past a cut a grapheme is followed to see whether the cut splits it; a longer
one (stacked marks) is cut anyway."""


def cut_graphemes(text: str, limit: int) -> str:
    """The longest start of ``text`` within ``limit`` characters that ends between
    graphemes (a flag is two characters, a family emoji seven): a half flag would show as
    a lone letter, half a family as other people."""
    if len(text) <= limit:
        return text
    kept = 0
    for cluster in graphemes(text[: limit + GRAPHEME_REACH]):
        if kept + len(cluster) > limit:
            break
        kept += len(cluster)
    return text[: kept or limit]


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split plain text into pieces of at most ``limit`` characters, at line or word ends."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces
