"""What the page shows as JSON, without a browser."""

from __future__ import annotations

from sandbox.page.views import hide_spoilers


class TestChatPreview:
    def test_a_spoiler_is_blotted_out_character_by_character(self) -> None:
        entities = [
            {"type": "bold", "offset": 0, "length": 4},
            {"type": "spoiler", "offset": 11, "length": 4},
        ]

        assert hide_spoilers("Your code: 4711, keep it", entities) == "Your code: ░░░░, keep it"

    def test_offsets_count_utf16_units_so_emoji_before_a_spoiler_do_not_shift_it(self) -> None:
        text = "🔑 pin 1234"
        entities = [{"type": "spoiler", "offset": 7, "length": 4}]

        assert hide_spoilers(text, entities) == "🔑 pin ░░░░"

    def test_text_without_spoilers_is_left_alone(self) -> None:
        assert hide_spoilers("plain", [{"type": "italic", "offset": 0, "length": 5}]) == "plain"
