"""Button data: what ``encode`` writes, ``decode`` reads back, and what forged data gets."""

from __future__ import annotations

import pytest

from bot.callback_data import MAX_BYTES, Press, decode, encode


class TestEncode:
    def test_scope_and_action_alone(self) -> None:
        assert encode("c", "new") == "c:new"

    def test_number_follows_the_action(self) -> None:
        assert encode("t", "take", 42) == "t:take:42"

    def test_argument_follows_the_number(self) -> None:
        assert encode("t", "st", 42, "pending") == "t:st:42:pending"

    def test_argument_without_a_number_gets_a_zero_placeholder(self) -> None:
        assert encode("c", "offer", None, "go") == "c:offer:0:go"

    def test_number_zero_is_written(self) -> None:
        assert encode("c", "cat", 0) == "c:cat:0"

    @pytest.mark.parametrize(
        ("scope", "action", "argument"),
        [
            ("t", "st", "a:b"),
            ("t", "st", "two words"),
            ("t", "st", "ümlaut"),
            ("t", "st", "🔥"),
            ("t", "st", ""),
            ("", "st", "open"),
            ("t", "", "open"),
            ("t", "st<b>", "open"),
            ("t", "st", "x" * 41),
        ],
    )
    def test_refuses_parts_outside_the_safe_alphabet(
        self, scope: str, action: str, argument: str
    ) -> None:
        with pytest.raises(ValueError, match="bad button data"):
            encode(scope, action, 1, argument)

    def test_refuses_data_over_64_bytes(self) -> None:
        with pytest.raises(ValueError, match="bad button data"):
            encode("x" * 30, "y" * 30, 123, "z")

    def test_accepts_data_of_exactly_64_bytes(self) -> None:
        data = encode("s" * 20, "a" * 20, 12345678901234567, "z" * 4)

        assert len(data.encode()) == MAX_BYTES

    @pytest.mark.parametrize("number", [-1, 10**18])
    def test_refuses_a_number_decode_cannot_read(self, number: int) -> None:
        with pytest.raises(ValueError, match="bad button data"):
            encode("t", "show", number)


class TestDecode:
    @pytest.mark.parametrize(
        ("parts", "press"),
        [
            (("c", "new"), Press("c", "new")),
            (("c", "my"), Press("c", "my")),
            (("t", "take", 42), Press("t", "take", 42)),
            (("t", "st", 42, "pending"), Press("t", "st", 42, "pending")),
            (("t", "pr", 7, "urgent"), Press("t", "pr", 7, "urgent")),
            (("c", "rate", 12, "5"), Press("c", "rate", 12, "5")),
            (("c", "cat", 0), Press("c", "cat", 0)),
            (("c", "offer", None, "drop"), Press("c", "offer", 0, "drop")),
            (("c", "my", None, "back"), Press("c", "my", 0, "back")),
            (
                ("q", "unassigned", 0, "1793610000000000.42"),
                Press("q", "unassigned", 0, "1793610000000000.42"),
            ),
            (("t", "show", 10**18 - 1), Press("t", "show", 10**18 - 1)),
        ],
    )
    def test_reads_back_what_encode_wrote(
        self, parts: tuple[str, str, int | None, str], press: Press
    ) -> None:
        assert decode(encode(*parts)) == press

    @pytest.mark.parametrize(
        "data",
        [
            None,
            "",
            "t",
            "t:",
            ":take",
            "t::1",
            "t:take:",
            "t:st:1:open:now",
            "t:st:1:open:",
            "t:take:abc",
            "t:take:-1",
            "t:take:1.5",
            "t:take:+1",
            "t:take: 1",
            "t:take:١٢",
            "t:take:1000000000000000000",
            "t:st:1:op en",
            "t:st:1:<b>",
            "t:st:1:ümlaut",
            "t:st:1:🔥",
            "t:st:1:open\n",
            "t:st:1:" + "x" * 41,
            "t:" + "a" * 62,
            "x" * 65,
        ],
    )
    def test_refuses_forged_data(self, data: str | None) -> None:
        assert decode(data) is None

    def test_refuses_data_one_byte_over_the_limit(self) -> None:
        data = "s" * 20 + ":" + "a" * 20 + ":" + "1" * 17 + ":" + "z" * 5

        assert len(data.encode()) == MAX_BYTES + 1
        assert decode(data) is None

    def test_accepts_data_at_the_limit(self) -> None:
        data = "s" * 20 + ":" + "a" * 20 + ":" + "1" * 17 + ":" + "z" * 4

        assert decode(data) == Press("s" * 20, "a" * 20, int("1" * 17), "z" * 4)

    def test_leading_zeros_in_the_number_are_ignored(self) -> None:
        assert decode("t:show:007") == Press("t", "show", 7)
