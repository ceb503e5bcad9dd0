"""Id sequences whose position can be read and restored (a saved world goes on counting)."""

from __future__ import annotations

from typing import Self


class IdSequence:
    """Hands out ``start``, ``start + step``, ... like ``itertools.count``, but inspectable.

    Attributes:
        next_value: The id the next ``next()`` returns.
        step: The distance between ids.
    """

    def __init__(self, start: int, step: int = 1) -> None:
        """Count from ``start`` by ``step``."""
        self.next_value = start
        self.step = step

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> int:
        value = self.next_value
        self.next_value += self.step
        return value
