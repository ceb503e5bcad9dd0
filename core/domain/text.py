"""Plain-text rules for what the desk itself titles and labels: clean labels, whole graphemes.

A subject or a name is shown by the desk as a label: in a topic name, on a ticket card, in a
notice. Bidirectional controls in one would let its author reorder the text around it (a
right-to-left override turns ``gnp.exe`` into what reads ``exe.png``), and invisible
characters let two different names look alike. ``clean_label`` removes both. What a customer
writes in a message is never a label: it is relayed as written.

``graphemes`` splits text into user-perceived characters, so a label cut to a size never
breaks an emoji sequence, a flag or a letter with its accents. It follows Unicode's extended
grapheme cluster rules (UAX #29) for everything a name or a subject holds: combining marks,
emoji modifiers and tag sequences, ZWJ sequences, regional-indicator pairs and Hangul
syllables; the rarer prepend marks start a new cluster, so at worst a cut comes one
character early, never in the middle of a cluster.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

ZWJ = "\u200d"
ZWNJ = "\u200c"
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f"  # Arabic letter mark, left-to-right and right-to-left marks
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # isolates
)
_INVISIBLE = frozenset(
    "\u00ad\u180e\u200b\u200c"  # soft hyphen, Mongolian vowel separator, zero widths
    "\u2060\u2061\u2062\u2063\u2064\ufeff"  # word joiner, invisible operators, BOM
    "\u3164\uffa0"  # Hangul fillers, shown as blanks
)
_EMOJI_MODIFIERS = range(0x1F3FB, 0x1F400)
_TAGS = range(0xE0020, 0xE0080)  # emoji tag sequences (subdivision flags) use these
_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)
_HANGUL_L = (range(0x1100, 0x1160), range(0xA960, 0xA97D))
_HANGUL_V = (range(0x1160, 0x11A8), range(0xD7B0, 0xD7C7))
_HANGUL_T = (range(0x11A8, 0x1200), range(0xD7CB, 0xD7FC))
_HANGUL_SYLLABLES = range(0xAC00, 0xD7A4)


def clean_label(text: str) -> str:
    """Remove bidi controls and invisible characters; make any run of white space one space.

    A zero-width joiner survives inside an emoji sequence (👩‍💻), and tag characters in an
    emoji tag sequence (the flag of Scotland); everywhere else both are removed, as are the
    other format characters (Unicode category Cf) and control characters.
    """
    kept: list[str] = []
    for cluster in graphemes(text):
        if len(cluster) == 1 and _is_control(cluster):
            kept.append(" " if cluster.isspace() else "")
            continue
        kept.append(_clean_cluster(cluster))
    return " ".join("".join(kept).split())


def graphemes(text: str) -> Iterator[str]:
    """Split text into extended grapheme clusters (what a reader counts as one character)."""
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or _breaks(text, index):
            yield text[start:index]
            start = index


def _breaks(text: str, index: int) -> bool:
    """Tell whether a grapheme boundary lies between ``text[index - 1]`` and ``text[index]``."""
    before, after = text[index - 1], text[index]
    if before == "\r" and after == "\n":
        return False
    if _is_control(before) or _is_control(after):
        return True
    if _extends(after) or before == ZWJ:
        return False
    if ord(before) in _REGIONAL_INDICATORS and ord(after) in _REGIONAL_INDICATORS:
        run = 0  # regional indicators pair up: a flag is two of them
        while index - run - 1 >= 0 and ord(text[index - run - 1]) in _REGIONAL_INDICATORS:
            run += 1
        return run % 2 == 0
    return not _hangul_joins(before, after)


def _extends(char: str) -> bool:
    """Combining marks, spacing marks, ZWJ, emoji modifiers, tags: part of what precedes."""
    code = ord(char)
    return (
        char in (ZWJ, ZWNJ)
        or unicodedata.category(char) in ("Mn", "Me", "Mc")
        or code in _EMOJI_MODIFIERS
        or code in _TAGS
    )


def _is_control(char: str) -> bool:
    """Controls break clusters on both sides (ZWJ and ZWNJ excepted, as UAX #29 has it)."""
    category = unicodedata.category(char)
    if category in ("Cc", "Zl", "Zp"):
        return True
    return category == "Cf" and char not in (ZWJ, ZWNJ) and ord(char) not in _TAGS


def _hangul_joins(before: str, after: str) -> bool:
    kind_before, kind_after = _hangul_kind(before), _hangul_kind(after)
    if kind_before == "L":
        return kind_after in ("L", "V", "LV", "LVT")
    if kind_before in ("LV", "V"):
        return kind_after in ("V", "T")
    if kind_before in ("LVT", "T"):
        return kind_after == "T"
    return False


def _hangul_kind(char: str) -> str:
    code = ord(char)
    if code in _HANGUL_SYLLABLES:
        return "LV" if (code - _HANGUL_SYLLABLES.start) % 28 == 0 else "LVT"
    for kind, ranges in (("L", _HANGUL_L), ("V", _HANGUL_V), ("T", _HANGUL_T)):
        if any(code in r for r in ranges):
            return kind
    return ""


def _clean_cluster(cluster: str) -> str:
    """Drop what a reader cannot see from one cluster, keeping its emoji sequences whole."""
    kept: list[str] = []
    for position, char in enumerate(cluster):
        if char in _BIDI_CONTROLS or char in _INVISIBLE:
            continue
        if char == ZWJ and not _joins_emoji(cluster, position):
            continue
        if ord(char) in _TAGS and not _is_emoji(cluster[0]):
            continue
        if unicodedata.category(char) == "Cf" and char != ZWJ and ord(char) not in _TAGS:
            continue
        kept.append(char)
    return "".join(kept)


def _joins_emoji(cluster: str, position: int) -> bool:
    """A ZWJ between two pictographs (with their modifiers) is part of an emoji sequence."""
    before = cluster[:position].rstrip("\ufe0f").rstrip("".join(map(chr, _EMOJI_MODIFIERS)))
    after = cluster[position + 1 : position + 2]
    return bool(before) and _is_emoji(before[-1]) and bool(after) and _is_emoji(after)


def _is_emoji(char: str) -> bool:
    """Approximately Extended_Pictographic: the symbol blocks emoji come from."""
    code = ord(char)
    return (
        0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or 0x2300 <= code <= 0x23FF
        or 0x2B00 <= code <= 0x2BFF
        or code in (0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D)
        or 0x2190 <= code <= 0x21FF
    )
