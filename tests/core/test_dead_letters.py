"""Dead letters: unreadable updates kept whole, listed for admins, settled by a retry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from core.clock import ManualClock
from core.desk import Desk
from core.domain.actors import Actor
from core.errors import NotFound, PermissionDenied
from tests.core.conftest import PASSWORD

SECRET = "correct-horse-battery-9"


def broken_message(update_id: int, text: str = SECRET) -> dict[str, Any]:
    """A message update without the ``date`` the library requires."""
    return {
        "update_id": update_id,
        "message": {"message_id": 7, "text": text, "chat": {"id": 42, "type": "private"}},
    }


class TestRecording:
    async def test_an_unreadable_update_is_kept_whole_with_its_kind_and_error(
        self, desk: Desk, clock: ManualClock
    ) -> None:
        raw = broken_message(31)

        letter = await desk.dead_letters.record(31, "message", raw, "missing field 'date'")

        assert letter.raw == raw
        assert (letter.update_id, letter.kind, letter.error) == (
            31,
            "message",
            "missing field 'date'",
        )
        assert letter.attempts == 1
        assert letter.first_seen_at == letter.last_tried_at == clock.now()
        assert letter.handled_at is None

    async def test_the_same_update_again_counts_a_try_and_keeps_the_first_copy(
        self, desk: Desk, clock: ManualClock
    ) -> None:
        first_seen = clock.now()
        await desk.dead_letters.record(31, "message", broken_message(31), "first error")
        clock.advance(timedelta(minutes=5))

        again = await desk.dead_letters.record(
            31, "message", broken_message(31, "changed"), "second error"
        )

        assert again.attempts == 2
        assert again.error == "second error"
        assert again.raw == broken_message(31)
        assert (again.first_seen_at, again.last_tried_at) == (first_seen, clock.now())
        assert len(await desk.dead_letters.letters()) == 1

    async def test_the_content_never_shows_in_the_repr(self, desk: Desk) -> None:
        letter = await desk.dead_letters.record(31, "message", broken_message(31), "KeyError")

        assert SECRET not in repr(letter)

    async def test_a_long_error_is_cut(self, desk: Desk) -> None:
        letter = await desk.dead_letters.record(31, "message", broken_message(31), "x" * 5000)

        assert len(letter.error) == 500


class TestListing:
    async def test_letters_come_oldest_update_first_and_handled_ones_drop_out(
        self, desk: Desk
    ) -> None:
        for update_id in (40, 12, 33):
            await desk.dead_letters.record(update_id, "message", broken_message(update_id), "e")

        await desk.dead_letters.mark_handled(33)

        assert [d.update_id for d in await desk.dead_letters.letters()] == [12, 40]
        everything = await desk.dead_letters.letters(include_handled=True)
        assert [d.update_id for d in everything] == [12, 33, 40]

    async def test_an_admin_agent_may_list_them(self, desk: Desk, alice: Actor) -> None:
        await desk.dead_letters.record(5, "callback_query", {"update_id": 5}, "e")

        assert [d.update_id for d in await desk.dead_letters.letters(by=alice)] == [5]

    async def test_an_agent_who_is_not_an_admin_may_not(self, desk: Desk) -> None:
        await desk.accounts.add_agent("bob", PASSWORD)
        view = await desk.accounts.login("bob", PASSWORD, 9002)

        with pytest.raises(PermissionDenied):
            await desk.dead_letters.letters(by=Actor.agent(view.id, view.username))

    async def test_a_customer_may_not(self, desk: Desk, ann: Actor) -> None:
        with pytest.raises(PermissionDenied):
            await desk.dead_letters.letters(by=ann)


class TestSettling:
    async def test_a_handled_letter_is_kept_with_its_mark(
        self, desk: Desk, clock: ManualClock
    ) -> None:
        await desk.dead_letters.record(31, "message", broken_message(31), "e")
        clock.advance(timedelta(hours=1))

        handled = await desk.dead_letters.mark_handled(31)

        assert handled.handled_at == clock.now()
        assert handled.attempts == 2
        assert (await desk.dead_letters.get(31)).raw == broken_message(31)

    async def test_failing_again_after_being_handled_makes_it_pending_again(
        self, desk: Desk
    ) -> None:
        await desk.dead_letters.record(31, "message", broken_message(31), "e")
        await desk.dead_letters.mark_handled(31)

        await desk.dead_letters.record(31, "message", broken_message(31), "e again")

        assert [d.update_id for d in await desk.dead_letters.letters()] == [31]

    async def test_an_unknown_update_id_is_not_found(self, desk: Desk) -> None:
        with pytest.raises(NotFound, match="99"):
            await desk.dead_letters.get(99)
        with pytest.raises(NotFound, match="99"):
            await desk.dead_letters.mark_handled(99)
