"""Durations as people write them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.durations import format_duration, parse_duration


class TestParseDuration:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("90s", timedelta(seconds=90)),
            ("15m", timedelta(minutes=15)),
            ("1h", timedelta(hours=1)),
            ("3d", timedelta(days=3)),
            ("2w", timedelta(weeks=2)),
            ("1h30m", timedelta(hours=1, minutes=30)),
            (" 1H ", timedelta(hours=1)),
            ("0.5h", timedelta(minutes=30)),
        ],
    )
    def test_accepted_forms(self, text: str, expected: timedelta) -> None:
        assert parse_duration(text) == expected

    @pytest.mark.parametrize("text", ["", "1", "h", "1y", "ten minutes", "-5m", "0s", "5m!"])
    def test_malformed_durations_are_refused_with_the_text(self, text: str) -> None:
        with pytest.raises(ValueError, match=r"duration|longer than zero"):
            parse_duration(text)

    def test_format_round_trips(self) -> None:
        for text in ("90s", "15m", "1h30m", "3d"):
            assert parse_duration(format_duration(parse_duration(text))) == parse_duration(text)
        assert format_duration(timedelta(seconds=90)) == "1m30s"
