"""Reading a getUpdates answer update by update, and describing failures without content."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Bot

from bot.raw_updates import UnreadableUpdate, describe_parse_error, read_batch

SECRET = "correct-horse-battery-9"
TOKEN = "123456:RAW-UPDATES-TEST-TOKEN"


@pytest.fixture(name="bot")
def fixture_bot() -> Bot:
    """A bot object for parsing only (it never calls the network)."""
    return Bot(TOKEN)


def message(update_id: int, **fields: Any) -> dict[str, Any]:
    """A private text message update; ``fields`` replace or (as None) drop fields."""
    payload: dict[str, Any] = {
        "message_id": update_id,
        "date": 1_700_000_000,
        "chat": {"id": 42, "type": "private"},
        "text": SECRET,
    }
    payload.update(fields)
    return {"update_id": update_id, "message": {k: v for k, v in payload.items() if v is not None}}


class TestReadBatch:
    def test_good_updates_are_parsed_around_a_bad_one(self, bot: Bot) -> None:
        batch = read_batch([message(1), message(2, date=None), message(3)], bot)

        assert [u.update_id for u in batch.updates] == [1, 3]
        [bad] = batch.unreadable
        assert (bad.update_id, bad.kind, bad.chat_id) == (2, "message", 42)
        assert bad.raw == message(2, date=None)
        assert batch.next_offset == 4

    def test_the_offset_passes_a_batch_of_only_bad_updates(self, bot: Bot) -> None:
        batch = read_batch([message(7, date=None), message(8, date=None)], bot)

        assert batch.updates == []
        assert batch.next_offset == 9

    def test_an_unknown_kind_is_read_and_ignored_by_the_library(self, bot: Bot) -> None:
        batch = read_batch([{"update_id": 5, "brand_new_kind": {"x": 1}}], bot)

        assert [u.update_id for u in batch.updates] == [5]

    def test_items_without_an_update_id_are_counted_not_parsed(self, bot: Bot) -> None:
        batch = read_batch(["text", {"message": {}}, {"update_id": True}, message(4)], bot)

        assert batch.without_id == 3
        assert [u.update_id for u in batch.updates] == [4]
        assert batch.next_offset == 5

    def test_an_empty_batch_moves_no_offset(self, bot: Bot) -> None:
        assert read_batch([], bot).next_offset is None

    def test_the_content_is_not_in_the_repr(self, bot: Bot) -> None:
        [bad] = read_batch([message(2, date=None)], bot).unreadable

        assert isinstance(bad, UnreadableUpdate)
        assert SECRET not in repr(bad)


class TestDescribeParseError:
    def test_a_missing_field_is_named_with_the_parser_that_needed_it(self, bot: Bot) -> None:
        [bad] = read_batch([message(2, date=None)], bot).unreadable

        assert bad.error.startswith("missing field 'date' (KeyError in ")
        assert "de_json" in bad.error

    def test_a_missing_constructor_argument_is_named(self, bot: Bot) -> None:
        raw = {"update_id": 3, "callback_query": {"id": "1", "from": {"id": 1, "is_bot": False}}}
        [bad] = read_batch([raw], bot).unreadable

        assert "missing" in bad.error
        assert "TypeError" in bad.error

    def test_an_error_quoting_a_value_says_only_its_type(self) -> None:
        try:
            int(SECRET)
        except ValueError as exc:
            description = describe_parse_error(exc)

        assert SECRET not in description
        assert description.startswith("unexpected content (ValueError")

    def test_a_key_error_on_a_value_is_not_quoted(self) -> None:
        assert SECRET not in describe_parse_error(KeyError(SECRET))
        assert describe_parse_error(KeyError(SECRET)) == "unexpected content (KeyError)"

    def test_a_wrongly_typed_field_does_not_quote_it(self, bot: Bot) -> None:
        [bad] = read_batch([message(2, chat=SECRET)], bot).unreadable

        assert SECRET not in bad.error
