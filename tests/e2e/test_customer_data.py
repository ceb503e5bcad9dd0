"""``/mydata`` and ``/forgetme`` over the fake Telegram."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from core.desk import Desk
from core.domain.actors import Actor, ChatRef, CustomerProfile, NewMessage
from core.domain.values import NoticeKind, Status
from core.services.customer_refs import CustomerRef
from core.services.retention import LEFTOVERS_SWEPT_KEY
from core.store.erasure import erase_ticket_contents
from core.store.tables import CustomerRow, DeskStateRow, OutboxRow
from sandbox.botapi import FakeBotApi
from tests.e2e.conftest import Harness, e2e_settings, running_desk


class TestMyData:
    async def test_mydata_sends_a_readable_json_file(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann", username="ann")
        await server.user_sends(ann, "/mydata")
        await desk_bot.wait_bot_says(ann, "holds nothing about you")
        number = await desk_bot.open_ticket(ann, "Printer on fire", "It smokes badly.")
        await server.user_sends(ann, "/mydata")
        sent = await desk_bot.wait_bot_says(ann, "Everything the desk holds about you")
        assert sent["document"]["file_name"] == f"helpdesk-data-{ann.id}.json"
        stored = server.state.files.get(sent["document"]["file_id"])
        assert stored is not None
        data = json.loads(stored.download())
        assert data["profile"]["username"] == "ann"
        assert data["tickets"][0]["number"] == number
        assert data["tickets"][0]["messages"][0]["text"] == "It smokes badly."


class TestForgetMe:
    async def test_confirmed_erasure_then_a_clear_second_answer(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann", username="ann")
        number = await desk_bot.open_ticket(ann, "Printer on fire", "It smokes badly.")
        await desk_bot.topic_of(number)

        await server.user_sends(ann, "/forgetme")
        ask = await desk_bot.wait_bot_says(ann, "cannot be undone")
        forged = await server.user_presses(ann, ask, "", check_button=False)
        await server.wait_for(lambda: server.callback_answer(forged) is not None)
        ticket = await desk_bot.desk.queries.find_ticket(Actor.system(), number)
        assert ticket.subject == "Printer on fire"  # a forged, empty press erases nothing
        await server.user_presses(ann, ask, button_text="Keep it")
        await desk_bot.wait_bot_says(ann, "Nothing was erased")
        ticket = await desk_bot.desk.queries.find_ticket(Actor.system(), number)
        assert ticket.subject == "Printer on fire"

        await server.user_sends(ann, "/forgetme")
        before = len(server.bot_messages(ann))
        ask = await desk_bot.wait_bot_says(ann, "cannot be undone", after=before - 1)
        await server.user_presses(ann, ask, button_text="Erase my data")
        await desk_bot.wait_bot_says(ann, "Erased. 1 ticket now holds")
        ticket = await desk_bot.desk.queries.find_ticket(Actor.system(), number)
        assert ticket.status is Status.CLOSED
        assert ticket.subject == "(erased)"
        async with desk_bot.desk.database.read_session() as session:
            customer = (await session.scalars(select(CustomerRow))).one()
        assert (customer.display_name, customer.username) == ("(erased)", None)

        await server.user_sends(ann, "/forgetme")
        before = len(server.bot_messages(ann))
        again = await desk_bot.wait_bot_says(ann, "cannot be undone", after=before - 1)
        await server.user_presses(ann, again, button_text="Erase my data")
        await desk_bot.wait_bot_says(ann, "nothing has been written since")

    async def test_the_staff_topic_goes_with_every_copy_in_it(self, desk_bot: Harness) -> None:
        server, staff = desk_bot.server, desk_bot.staff
        ann, bob = server.add_user("Ann", username="ann"), server.add_user("Bob")
        number = await desk_bot.open_ticket(ann, "Printer on fire", "My password is hunter2")
        kept = await desk_bot.open_ticket(bob, "Router", "It blinks.")
        thread, other = await desk_bot.topic_of(number), await desk_bot.topic_of(kept)
        await server.wait_for(lambda: len(server.bot_messages(staff, thread)) >= 2)

        await server.user_sends(ann, "/forgetme")
        ask = await desk_bot.wait_bot_says(ann, "cannot be undone")
        await server.user_presses(ann, ask, button_text="Erase my data")
        await desk_bot.wait_bot_says(ann, "Erased. 1 ticket now holds")
        await server.wait_for(lambda: server.topic(staff, thread).deleted)
        await desk_bot.settled()

        assert server.chat_messages(staff, thread, include_service=True) == []
        assert not [m for m in server.chat_messages(staff) if "hunter2" in str(m)]
        assert not server.topic(staff, other).deleted
        assert server.bot_messages(staff, other)
        ticket = await desk_bot.desk.delivery.ticket(number)
        assert (ticket.staff_topic_id, ticket.staff_card_message_id) == (None, None)
        # The bot's messages in Ann's own chat stay (a bot cannot delete them after 48 h).
        assert server.bot_messages(ann)

    async def test_a_topic_deleted_already_counts_as_deleted(self, desk_bot: Harness) -> None:
        server, staff = desk_bot.server, desk_bot.staff
        ann = server.add_user("Ann", username="ann")
        number = await desk_bot.open_ticket(ann, "Printer on fire", "It smokes badly.")
        thread = await desk_bot.topic_of(number)
        await desk_bot.settled()
        server.delete_topic(staff, thread)  # an admin was quicker
        topics = len(server.topics(staff))

        await desk_bot.desk.customer_data.erase(Actor.system(), CustomerRef(ticket=number))
        await desk_bot.settled()

        async with desk_bot.desk.database.read_session() as session:
            row = await session.scalar(
                select(OutboxRow).where(OutboxRow.kind == NoticeKind.TOPIC_DELETE.value)
            )
        assert row is not None
        assert (row.sent_at is not None, row.failed_at, row.attempts) == (True, None, 0)
        assert len(server.topics(staff)) == topics  # none made again


class TestWhatErasuresLeft:
    async def test_a_restart_deletes_the_topics_erased_tickets_left(
        self, desk_bot: Harness
    ) -> None:
        server, staff, settings = desk_bot.server, desk_bot.staff, desk_bot.settings
        ann, bob = server.add_user("Ann"), server.add_user("Bob")
        old = await desk_bot.open_ticket(ann, "Printer on fire", "My password is hunter2")
        thread = await desk_bot.topic_of(old)
        await desk_bot.settled()
        await desk_bot.stop()

        desk = await Desk.open(settings.database_url, config=settings.desk_config())
        try:
            # Erased as before erasing deleted topics: the ticket still names its topic.
            async with desk.database.write_session() as session:
                await erase_ticket_contents(session, [old], desk.clock.now())
                # ...by a desk that had never swept the leftovers either.
                await session.execute(
                    delete(DeskStateRow).where(DeskStateRow.key == LEFTOVERS_SWEPT_KEY)
                )
                await session.commit()
            # Erased before its topic was made: the erasure's news for staff make one.
            bobs = Actor.customer(CustomerProfile(bob.id, "Bob"))
            message = NewMessage("It blinks.", origin=ChatRef(bob.id, 1))
            late = (await desk.tickets.report_ticket(bobs, "Router", message)).number
            await desk.customer_data.erase(Actor.system(), CustomerRef(ticket=late))
        finally:
            await desk.close()
        await desk_bot.start()

        await server.wait_for(lambda: server.topic(staff, thread).deleted)
        await desk_bot.settled()
        assert not [m for m in server.chat_messages(staff) if "hunter2" in str(m)]
        made = [t for t in server.topics(staff) if t.name.startswith(f"#{late} ")]
        assert len(made) == 1  # one, not one per row still for it
        assert made[0].deleted
        for number in (old, late):
            ticket = await desk_bot.desk.delivery.ticket(number)
            assert ticket.staff_topic_id is None


@pytest.fixture(name="retaining_bot")
async def fixture_retaining_bot(
    server: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Harness]:
    """The bot keeping closed tickets' content for one second, its timers every second."""
    monkeypatch.chdir(tmp_path)
    settings = e2e_settings(
        server,
        tmp_path,
        retention_after_close=timedelta(seconds=1),
        jobs_interval=timedelta(seconds=1),
    )
    async with running_desk(server, settings) as harness:
        yield harness


class TestRetention:
    async def test_the_timers_erase_closed_tickets_and_nothing_else(
        self, retaining_bot: Harness
    ) -> None:
        server, desk = retaining_bot.server, retaining_bot.desk
        ann, bob = server.add_user("Ann"), server.add_user("Bob")
        closed = await retaining_bot.open_ticket(ann, "Old printer", "It smoked.")
        kept = await retaining_bot.open_ticket(bob, "New router", "It blinks.")
        thread = await retaining_bot.topic_of(closed)
        await retaining_bot.topic_of(kept)
        await desk.tickets.change_status(
            Actor.customer(CustomerProfile(ann.id, "Ann")), closed, Status.CLOSED
        )

        async def erased() -> bool:
            ticket = await desk.queries.get_ticket(Actor.system(), closed)
            return ticket.ticket.subject == "(erased)"

        for _ in range(100):
            if await erased():
                break
            await asyncio.sleep(0.1)
        ticket = await desk.queries.get_ticket(Actor.system(), closed)
        assert ticket.ticket.subject == "(erased)"
        assert [m.text for m in ticket.messages if not m.internal] == [""]
        other = await desk.queries.get_ticket(Actor.system(), kept)
        assert other.ticket.subject == "New router"
        assert [m.text for m in other.messages] == ["It blinks."]
        staff = retaining_bot.staff
        await server.wait_for(lambda: server.topic(staff, thread).deleted)
        assert server.chat_messages(staff, thread) == []
        assert not server.topic(staff, other.ticket.staff_topic_id or 0).deleted

    async def test_a_merged_topic_kept_for_its_target_loses_the_erased_subject(
        self, retaining_bot: Harness
    ) -> None:
        server, desk, staff = retaining_bot.server, retaining_bot.desk, retaining_bot.staff
        ann = server.add_user("Ann")
        source = await retaining_bot.open_ticket(ann, "Old printer", "It smoked.")
        target = await retaining_bot.open_ticket(ann, "New printer", "It smokes too.")
        kept, other = await retaining_bot.topic_of(source), await retaining_bot.topic_of(target)
        await retaining_bot.agent("Alice")
        alice = (await desk.accounts.list_agents())[0]
        await desk.merge.merge(Actor.agent(alice.id, alice.username), source, target)

        erased = f"#{source} · erased"
        await server.wait_for(lambda: server.topic(staff, kept).name == erased)
        assert not server.topic(staff, kept).deleted
        assert server.topic(staff, other).name == f"#{target} New printer"
        assert not server.topic(staff, other).deleted
        ticket = await desk.delivery.ticket(source)
        assert ticket.staff_topic_id == kept
        # Nothing left in the kept topic names the erased subject: its card says erased.
        card = ticket.staff_card_message_id
        assert card is not None
        await server.wait_for(lambda: "Old printer" not in _text_of(server.message(staff, card)))
        assert "(erased)" in _text_of(server.message(staff, card))
        assert not [m for m in server.chat_messages(staff, kept) if "Old printer" in _text_of(m)]

    async def test_a_kept_topics_card_too_old_to_edit_is_deleted(
        self, retaining_bot: Harness
    ) -> None:
        server, desk, staff = retaining_bot.server, retaining_bot.desk, retaining_bot.staff
        ann = server.add_user("Ann")
        source = await retaining_bot.open_ticket(ann, "Old printer", "It smoked.")
        target = await retaining_bot.open_ticket(ann, "New printer", "It smokes too.")
        kept = await retaining_bot.topic_of(source)
        await retaining_bot.agent("Alice")
        alice = (await desk.accounts.list_agents())[0]
        card = (await desk.delivery.ticket(source)).staff_card_message_id
        assert card is not None
        # By the time it is erased, the card is past the time Telegram lets a bot edit it.
        server.faults.add(
            "editMessageText",
            status=400,
            description="Bad Request: message can't be edited",
            times=None,
            when=lambda params: "(erased)" in str(params.get("text")),
        )
        await desk.merge.merge(Actor.agent(alice.id, alice.username), source, target)

        await server.wait_for(lambda: server.topic(staff, kept).name == f"#{source} · erased")
        await server.wait_for(lambda: server.message(staff, card) is None)
        assert not [m for m in server.chat_messages(staff, kept) if "Old printer" in _text_of(m)]


def _text_of(message: dict[str, object] | None) -> str:
    """A message's text or caption as the fake server holds it ("" when there is none)."""
    if message is None:
        return ""
    return str(message.get("text") or message.get("caption") or "")
