"""Escaping and trimming for Telegram's HTML parse mode."""

from __future__ import annotations

import html

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def esc(text: str | None) -> str:
    """Escape user-supplied text so it can never break the message's formatting."""
    return html.escape(text or "", quote=False)


SUBJECT_LIMIT = 256


def subject_html(subject: str) -> str:
    """A ticket subject, escaped and kept to a size that fits any message."""
    return esc(shorten(subject, SUBJECT_LIMIT))


def shorten(text: str, limit: int) -> str:
    """Cut plain text to ``limit`` characters, ending with an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
