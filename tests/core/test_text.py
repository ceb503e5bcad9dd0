"""Labels the desk shows: no bidi controls, no invisible characters, emoji kept whole."""

from __future__ import annotations

import pytest

from core.domain.text import clean_label, graphemes

SCOTLAND = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"


class TestCleanLabel:
    def test_a_right_to_left_override_cannot_disguise_a_file_name(self) -> None:
        assert clean_label("#1 \u202egnp.exe") == "#1 gnp.exe"

    @pytest.mark.parametrize(
        "control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067"]
    )
    def test_every_embedding_override_and_isolate_is_removed(self, control: str) -> None:
        assert clean_label(f"ad{control}min") == "admin"

    @pytest.mark.parametrize("mark", ["\u200e", "\u200f", "\u061c", "\u2068", "\u2069"])
    def test_direction_marks_are_removed(self, mark: str) -> None:
        assert clean_label(f"{mark}Ann{mark}") == "Ann"

    @pytest.mark.parametrize(
        "invisible",
        ["\u200b", "\u200c", "\u2060", "\u2061", "\u2064", "\ufeff", "\u00ad", "\u3164"],
    )
    def test_invisible_characters_cannot_make_two_names_look_alike(self, invisible: str) -> None:
        assert clean_label(f"ali{invisible}ce") == "alice"

    def test_a_joiner_outside_an_emoji_sequence_is_removed(self) -> None:
        assert clean_label("ali\u200dce") == "alice"

    @pytest.mark.parametrize(
        "emoji",
        [
            "👩\u200d💻",
            "👩🏽\u200d💻",
            "👨\u200d👩\u200d👧\u200d👦",
            "🏳️\u200d🌈",
            "❤️\u200d🔥",
            SCOTLAND,
            "🇫🇷",
        ],
    )
    def test_emoji_sequences_survive_whole(self, emoji: str) -> None:
        assert clean_label(f"Ann {emoji}") == f"Ann {emoji}"

    def test_tag_characters_outside_a_flag_are_removed(self) -> None:
        assert clean_label("a\U000e0067\U000e0062b") == "ab"

    def test_control_characters_go_and_line_breaks_become_spaces(self) -> None:
        assert clean_label("Printer\x00 on\nfire\r\n\tnow\x1b") == "Printer on fire now"

    def test_accents_and_other_scripts_are_kept(self) -> None:
        assert clean_label("Zoë e\u0301 Łódź 山田 مریم") == "Zoë e\u0301 Łódź 山田 مریم"

    def test_a_name_of_nothing_but_invisible_characters_is_empty(self) -> None:
        assert clean_label("\u200b\u202e\u2060") == ""


class TestGraphemes:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("abc", ["a", "b", "c"]),
            ("e\u0301x", ["e\u0301", "x"]),
            ("👍🏿👍", ["👍🏿", "👍"]),
            ("👩🏽\u200d💻!", ["👩🏽\u200d💻", "!"]),
            ("🇫🇷🇩🇪🇮", ["🇫🇷", "🇩🇪", "🇮"]),
            (SCOTLAND + "x", [SCOTLAND, "x"]),
            ("\u1100\u1161\u11a8한", ["\u1100\u1161\u11a8", "한"]),
            ("a\r\nb", ["a", "\r\n", "b"]),
            ("", []),
        ],
    )
    def test_splits_text_where_a_reader_sees_characters(
        self, text: str, expected: list[str]
    ) -> None:
        assert list(graphemes(text)) == expected
