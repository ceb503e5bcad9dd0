"""Splitting a long text into messages as a Telegram app does."""

from __future__ import annotations

from sandbox.page.long_texts import MAX_CAPTION, MAX_TEXT, split_text


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class TestSplitText:
    def test_a_text_within_the_limit_is_one_part(self) -> None:
        assert split_text("hello") == ["hello"]
        assert split_text("x" * MAX_TEXT) == ["x" * MAX_TEXT]

    def test_parts_end_after_a_line_break_before_a_space(self) -> None:
        text = "a" * 3000 + "\n" + "b b " * 400

        parts = split_text(text)

        assert parts[0] == "a" * 3000 + "\n"
        assert "".join(parts) == text

    def test_a_text_without_spaces_is_cut_at_the_limit(self) -> None:
        parts = split_text("z" * 9000)

        assert [len(part) for part in parts] == [MAX_TEXT, MAX_TEXT, 9000 - 2 * MAX_TEXT]

    def test_emoji_count_twice_and_are_never_cut_in_half(self) -> None:
        text = "🔥" * 3000  # 6,000 UTF-16 code units

        parts = split_text(text)

        assert all(utf16_units(part) <= MAX_TEXT for part in parts)
        assert parts == ["🔥" * 2048, "🔥" * 952]

    def test_a_caption_has_its_own_smaller_limit(self) -> None:
        assert len(split_text("c " * 600, MAX_CAPTION)) == 2
