"""Durations written the way people write them: ``90s``, ``15m``, ``1h``, ``3d``."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")


def parse_duration(text: str) -> timedelta:
    """Parse ``90s``, ``15m``, ``1h``, ``3d``, ``2w`` or a combination like ``1h30m``.

    Raises:
        ValueError: the text is not such a duration, or it is zero.
    """
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned or _PART.sub("", cleaned):
        raise ValueError(f"{text!r} is not a duration; write it like 90s, 15m, 1h or 3d")
    total = timedelta()
    for amount, unit in _PART.findall(cleaned):
        total += timedelta(**{_UNITS[unit]: float(amount)})
    if total <= timedelta(0):
        raise ValueError(f"{text!r} must be longer than zero")
    return total


def format_duration(delta: timedelta) -> str:
    """Write a duration back in the short form (``1h30m``, ``3d``, ``45s``)."""
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
