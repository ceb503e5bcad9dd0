"""A batch's plain customer messages stored in one go, before the rest is handled one by one.

Polling offers each batch to its intake first; what the intake took is confirmed only with
the batch, each chat's remaining updates are handled after its taken ones, and an intake
that fails leaves every update to the handlers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import pytest
from telegram import Bot, Update

from bot.handlers.batch import PlainMessages
from bot.polling import DurablePolling
from core.clock import ManualTimer
from core.desk import Desk
from core.domain.actors import Actor, CustomerProfile, NewMessage
from core.domain.values import Role
from core.views import OutboxItem
from tests.bot.fakes import RecordingHandlers, ScriptedUpdates, message

ANN, BOB, CAROL = 42, 43, 44
BOT_ID = 4_000


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        while not condition():  # noqa: ASYNC110 - polling's tasks set no event
            await asyncio.sleep(0.005)


def plain(update_id: int, chat_id: int, **fields: Any) -> dict[str, Any]:
    """A customer's plain text message, with its sender."""
    sender = {"id": chat_id, "is_bot": False, "first_name": f"User {chat_id}"}
    return message(update_id, chat_id, **{"from": sender, **fields})


def command(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    """A customer's command."""
    entity = {"type": "bot_command", "offset": 0, "length": len(text.split(maxsplit=1)[0])}
    return plain(update_id, chat_id, text=text, entities=[entity])


class ScriptedIntake:
    """Takes the updates it is told to; its answers and what polling had confirmed are kept.

    Attributes:
        takes: update ids it takes.
        fails: raise instead of taking anything.
        offered: the update ids of each batch offered, in order.
        fetched_at_take: the offsets polling had fetched with when a batch was offered.
        answered: update ids whose follow-up ran, in order.
    """

    def __init__(self, source: ScriptedUpdates, handlers: RecordingHandlers) -> None:
        self._source = source
        self._handlers = handlers
        self.takes: set[int] = set()
        self.answers: set[int] = set()
        self.fails = False
        self.offered: list[list[int]] = []
        self.fetched_at_take: list[int | None] = []

    async def take(
        self, updates: Sequence[Update]
    ) -> dict[int, Callable[[], Awaitable[None]] | None]:
        """Take ``takes``; an update in ``answers`` gets a follow-up recorded as handled."""
        self.offered.append([update.update_id for update in updates])
        self.fetched_at_take = list(self._source.fetched_with)
        if self.fails:
            raise OSError("disk full")
        taken: dict[int, Callable[[], Awaitable[None]] | None] = {}
        for update in updates:
            if update.update_id not in self.takes:
                continue
            taken[update.update_id] = (
                self._answer(update) if update.update_id in self.answers else None
            )
        return taken

    def _answer(self, update: Update) -> Callable[[], Awaitable[None]]:
        async def answer() -> None:
            chat = update.effective_chat.id if update.effective_chat else None
            self._handlers.handled.append((-update.update_id, chat))

        return answer


@pytest.fixture(name="intake")
def fixture_intake(source: ScriptedUpdates, handlers: RecordingHandlers) -> ScriptedIntake:
    return ScriptedIntake(source, handlers)


@pytest.fixture(name="batched")
async def fixture_batched(
    handlers: RecordingHandlers, source: ScriptedUpdates, timer: ManualTimer, intake: ScriptedIntake
) -> AsyncIterator[DurablePolling]:
    polling = DurablePolling(handlers, source, timer=timer, intake=intake)
    yield polling
    await polling.stop()


class TestIntake:
    async def test_taken_updates_skip_the_handlers_and_the_rest_follow_in_chat_order(
        self,
        batched: DurablePolling,
        source: ScriptedUpdates,
        handlers: RecordingHandlers,
        intake: ScriptedIntake,
    ) -> None:
        source.batches = [[plain(1, ANN), plain(2, BOB), plain(3, ANN), plain(4, ANN)]]
        intake.takes, intake.answers = {1, 2, 3}, {3}
        await batched.start()
        await _until(lambda: len(source.fetched_with) == 2)
        assert intake.offered == [[1, 2, 3, 4]]
        assert handlers.handled == [(-3, ANN), (4, ANN)], "3's answer, then 4 handled"
        assert source.fetched_with == [None, 5]

    async def test_nothing_is_confirmed_before_the_intake_has_taken_the_batch(
        self,
        batched: DurablePolling,
        source: ScriptedUpdates,
        intake: ScriptedIntake,
    ) -> None:
        source.batches = [[plain(10, ANN)], [plain(11, ANN)]]
        intake.takes = {10, 11}
        await batched.start()
        await _until(lambda: len(source.fetched_with) == 3)
        assert intake.offered == [[10], [11]]
        assert intake.fetched_at_take == [None, 11], "11 offered once 10 was confirmed"
        assert source.fetched_with == [None, 11, 12]

    async def test_an_intake_that_fails_leaves_every_update_to_the_handlers(
        self,
        batched: DurablePolling,
        source: ScriptedUpdates,
        handlers: RecordingHandlers,
        intake: ScriptedIntake,
    ) -> None:
        source.batches = [[plain(1, ANN), plain(2, BOB), plain(3, ANN)]]
        intake.takes, intake.fails = {1, 2, 3}, True
        await batched.start()
        await _until(lambda: len(source.fetched_with) == 2)
        assert sorted(handlers.handled) == [(1, ANN), (2, BOB), (3, ANN)]
        assert source.fetched_with == [None, 4]

    async def test_a_handler_failing_after_the_intake_keeps_what_was_taken_confirmed(
        self,
        batched: DurablePolling,
        source: ScriptedUpdates,
        handlers: RecordingHandlers,
        intake: ScriptedIntake,
    ) -> None:
        source.batches = [[plain(10, ANN), plain(11, ANN), plain(12, ANN), plain(13, BOB)]]
        intake.takes = {10, 13}
        handlers.failing = {11}
        await batched.start()
        await batched.ended()
        assert isinstance(batched.crash, RuntimeError)
        await batched.stop()
        assert handlers.handled == [], "12 waits for 11; 10 and 13 were taken"
        assert source.confirmed == [11], "10 is not sent again; 11 and 12 are"


async def _ticket_for(desk: Desk, user_id: int) -> int:
    customer = Actor.customer(CustomerProfile(user_id, f"User {user_id}"))
    return (await desk.tickets.report_ticket(customer, "Trouble", NewMessage("It broke."))).number


async def _customer_texts(desk: Desk, number: int) -> list[str]:
    system = Actor.system()
    ticket = await desk.queries.get_ticket(system, number)
    return [m.text for m in ticket.messages if m.author_role is Role.CUSTOMER]


class TestPlainMessages:
    async def test_each_chats_leading_plain_messages_are_stored_in_one_go(
        self, desk: Desk, handlers: RecordingHandlers, source: ScriptedUpdates, timer: ManualTimer
    ) -> None:
        anns, bobs = await _ticket_for(desk, ANN), await _ticket_for(desk, BOB)
        intake = PlainMessages(handlers.bot_data, BOT_ID)
        polling = DurablePolling(handlers, source, timer=timer, intake=intake)
        source.batches = [
            [
                plain(1, ANN, text="first"),
                plain(2, BOB, text="bob's"),
                command(3, ANN, "/my"),
                plain(4, ANN, text="after the command"),
                plain(5, CAROL, text="no ticket yet"),
            ]
        ]
        await polling.start()
        try:
            await _until(lambda: len(source.fetched_with) == 2)
        finally:
            await polling.stop()
            await handlers.bot_data.dispatcher.stop()  # the intake kicked it
        assert await _customer_texts(desk, anns) == ["It broke.", "first"]
        assert await _customer_texts(desk, bobs) == ["It broke.", "bob's"]
        assert sorted(handlers.handled) == [(3, ANN), (4, ANN), (5, CAROL)]
        assert [u for u, chat in handlers.handled if chat == ANN] == [3, 4], "in Ann's order"
        assert source.fetched_with == [None, 6]

    async def test_a_batch_sent_again_is_taken_as_duplicates_and_stored_once(
        self, desk: Desk, handlers: RecordingHandlers
    ) -> None:
        anns = await _ticket_for(desk, ANN)
        intake = PlainMessages(handlers.bot_data, BOT_ID)
        updates = [Update.de_json(plain(n, ANN, text=f"m{n}"), handlers.bot) for n in (1, 2)]
        try:
            first = await intake.take(updates)
            again = await intake.take(updates)
        finally:
            await handlers.bot_data.dispatcher.stop()  # the intake kicked it
        assert sorted(first) == sorted(again) == [1, 2]
        assert await _customer_texts(desk, anns) == ["It broke.", "m1", "m2"]

    async def test_replies_albums_and_bots_are_not_plain(
        self, desk: Desk, handlers: RecordingHandlers
    ) -> None:
        for user in (ANN, BOB, CAROL):
            await _ticket_for(desk, user)
        intake = PlainMessages(handlers.bot_data, BOT_ID)
        replied = {"message_id": 1, "date": 1_700_000_000, "chat": {"id": ANN, "type": "private"}}
        raw = [
            plain(1, ANN, reply_to_message=replied),
            plain(2, BOB, media_group_id="album", text=None, caption="part"),
            message(3, CAROL, **{"from": {"id": CAROL, "is_bot": True, "first_name": "B"}}),
        ]
        updates = [Update.de_json(item, Bot("1:T")) for item in raw]
        assert await intake.take(updates) == {}

    async def test_nothing_after_a_staff_group_update_is_taken(
        self, desk: Desk, handlers: RecordingHandlers
    ) -> None:
        """A /ban or a close in the staff group acts before the messages that came after it."""
        anns, bobs = await _ticket_for(desk, ANN), await _ticket_for(desk, BOB)
        intake = PlainMessages(handlers.bot_data, BOT_ID)
        staff = {"id": -100_123, "type": "supergroup", "title": "Staff"}
        agent = {"id": 7, "is_bot": False, "first_name": "Alice"}
        raw = [
            plain(1, ANN, text="before"),
            message(2, -100_123, chat=staff, text="/ban 43", **{"from": agent}),
            plain(3, BOB, text="after the staff's command"),
            plain(4, ANN, text="after it too"),
        ]
        updates = [Update.de_json(item, handlers.bot) for item in raw]
        try:
            taken = await intake.take(updates)
        finally:
            await handlers.bot_data.dispatcher.stop()  # the intake kicked it
        assert sorted(taken) == [1]
        assert await _customer_texts(desk, anns) == ["It broke.", "before"]
        assert await _customer_texts(desk, bobs) == ["It broke."]

    async def test_an_idle_dispatcher_is_handed_the_copies_claimed_with_the_write(
        self, desk: Desk, handlers: RecordingHandlers, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        await _ticket_for(desk, ANN)
        claims: list[str] = []
        claim = desk.delivery.claim

        async def counted(owner: str, **options: Any) -> list[OutboxItem]:
            claims.append(owner)
            return await claim(owner, **options)

        monkeypatch.setattr(desk.delivery, "claim", counted)
        dispatcher = handlers.bot_data.dispatcher
        intake = PlainMessages(handlers.bot_data, BOT_ID)
        try:
            taken = await intake.take([Update.de_json(plain(1, ANN, text="hi"), handlers.bot)])
            assert dispatcher.busy, "sending what the write claimed"
            await _until(lambda: not dispatcher.busy)
        finally:
            await dispatcher.stop()
        assert sorted(taken) == [1]
        assert claims == [], "no claim of its own"
        assert (await desk.delivery.counts())["pending"] == 0

    async def test_while_the_claim_is_lent_elsewhere_the_write_kicks_the_dispatcher(
        self, desk: Desk, handlers: RecordingHandlers
    ) -> None:
        await _ticket_for(desk, ANN)
        dispatcher = handlers.bot_data.dispatcher
        intake = PlainMessages(handlers.bot_data, BOT_ID)
        lent = dispatcher.idle_claim()  # another write's claim, not back yet
        assert lent is not None
        try:
            await intake.take([Update.de_json(plain(1, ANN, text="hi"), handlers.bot)])
            assert not dispatcher.busy, "the kick waits for the claim lent before"
            await dispatcher.take_claimed(lent, [])
            await _until(lambda: not dispatcher.busy)
            await _until(lambda: not dispatcher.busy)
        finally:
            await dispatcher.stop()
        assert (await desk.delivery.counts())["pending"] == 0
