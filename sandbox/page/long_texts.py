"""Long texts as a Telegram app sends them: in parts that fit Telegram's limits.

A message's text holds at most 4,096 characters and a caption 1,024 (Telegram counts UTF-16
code units, as message entities do). A Telegram app given more splits it into several
messages, each cut after a line or a word where it can, and never inside a character.
"""

from __future__ import annotations

MAX_TEXT = 4096
MAX_CAPTION = 1024


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in parts of at most ``limit`` UTF-16 code units, in order.

    A part ends after the last line break, else after the last space, in its second half;
    with neither it is cut at the limit. Joined, the parts give ``text`` back.
    """
    parts: list[str] = []
    rest = text
    while _units(rest) > limit:
        end = _fitting_prefix(rest, limit)
        cut = _soft_cut(rest[:end])
        parts.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        parts.append(rest)
    return parts


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 code units."""
    used = 0
    for index, character in enumerate(text):
        used += 2 if ord(character) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def _soft_cut(prefix: str) -> int:
    """Where to end a part that may hold ``prefix``: after a line break or a space if one
    is in its second half, else at its end."""
    for separator in ("\n", " "):
        position = prefix.rfind(separator)
        if position >= len(prefix) // 2:
            return position + 1
    return len(prefix)
