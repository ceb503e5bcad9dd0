"""The agents' console in a private chat: every command, and its effect in the topic."""

from __future__ import annotations

from core.domain.actors import Actor
from core.domain.values import Priority, Status
from sandbox.botapi import FakeUser
from tests.e2e.conftest import Harness


async def _setup(desk_bot: Harness) -> tuple[FakeUser, FakeUser, int, int]:
    ann = desk_bot.server.add_user("Ann", username="ann")
    agent = await desk_bot.agent("Alice", username="alice")
    number = await desk_bot.open_ticket(ann)
    thread = await desk_bot.topic_of(number)
    await desk_bot.settled()
    return ann, agent, number, thread


async def _command(desk_bot: Harness, agent: FakeUser, text: str, expect: str) -> dict[str, object]:
    before = len(desk_bot.server.bot_messages(agent))
    await desk_bot.server.user_sends(agent, text)
    return await desk_bot.wait_bot_says(agent, expect, after=before)


class TestConsoleCommands:
    async def test_queue_lists_tickets_and_pages_with_buttons(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        agent = await desk_bot.agent("Alice", username="alice")
        customers = [server.add_user(f"C{i}") for i in range(10)]
        for i, customer in enumerate(customers):
            await desk_bot.open_ticket(customer, f"Problem {i}", "x")
        first = await _command(desk_bot, agent, "/queue", "Queue: active")
        assert "Problem 9" in str(first["text"])
        assert "Problem 1" not in str(first["text"])
        await server.user_presses(agent, first, button_text="More ▸")
        await server.wait_for(
            lambda: (
                "Problem 1" in (server.message(agent, first["message_id"]) or {}).get("text", "")
            )
        )
        page = await _command(desk_bot, agent, "/queue new", "Queue: new")
        assert "#" in str(page["text"])
        empty = await _command(desk_bot, agent, "/queue closed", "No tickets")
        assert "closed" in str(empty["text"])

    async def test_ticket_shows_card_history_and_buttons_that_work(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann, agent, number, thread = await _setup(desk_bot)
        view = await _command(desk_bot, agent, f"/ticket {number}", "History")
        assert "It smokes." in str(view["text"])
        await server.user_presses(agent, view, button_text="⏳ Pending")
        await desk_bot.wait_bot_says(ann, "waiting for your answer")
        await desk_bot.wait_bot_says(desk_bot.staff, "→ ⏳ pending", thread_id=thread)
        await server.wait_for(
            lambda: (
                "⏳ pending" in (server.message(agent, view["message_id"]) or {}).get("text", "")
            )
        )

    async def test_reply_reaches_the_customer_and_shows_in_the_topic(
        self, desk_bot: Harness
    ) -> None:
        ann, agent, number, thread = await _setup(desk_bot)
        await _command(desk_bot, agent, f"/reply {number} Please try <b>again</b> 🙂", "Reply sent")
        await desk_bot.wait_bot_says(ann, "Please try <b>again</b> 🙂")
        echo = await desk_bot.wait_bot_says(desk_bot.staff, "Please try", thread_id=thread)
        assert "alice" in str(echo["text"])

    async def test_a_reply_over_4096_characters_is_split(self, desk_bot: Harness) -> None:
        ann, agent, number, _thread = await _setup(desk_bot)
        long_text = " ".join(f"word{i}" for i in range(600))[
            :4090
        ]  # what Telegram lets a user send
        await _command(desk_bot, agent, f"/reply {number} {long_text}", "Reply sent")
        await desk_bot.settled()
        parts = [
            str(m.get("text"))
            for m in desk_bot.server.bot_messages(ann)
            if str(m.get("text")).startswith("word")
        ]
        assert len(parts) >= 2
        assert all(len(p) <= 4096 for p in parts)
        assert " ".join(parts).split() == long_text.split()

    async def test_note_stays_internal_and_shows_in_the_topic(self, desk_bot: Harness) -> None:
        ann, agent, number, thread = await _setup(desk_bot)
        await _command(desk_bot, agent, f"/note {number} VIP customer", "Note added")
        note = await desk_bot.wait_bot_says(desk_bot.staff, "VIP customer", thread_id=thread)
        assert "Note by alice" in str(note["text"])
        await desk_bot.settled()
        assert not any("VIP" in str(m.get("text")) for m in desk_bot.server.bot_messages(ann))

    async def test_status_take_assign_and_priority(self, desk_bot: Harness) -> None:
        ann, agent, number, thread = await _setup(desk_bot)
        bob = await desk_bot.agent("Bob", username="bob")
        await _command(desk_bot, agent, f"/take {number}", "is yours")
        await desk_bot.wait_bot_says(
            desk_bot.staff, "assigned the ticket to alice", thread_id=thread
        )
        await _command(desk_bot, agent, f"/assign {number} bob", "assigned to bob")
        notice = await desk_bot.wait_bot_says(bob, "assigned ticket")
        assert f"#{number}" in str(notice["text"])
        await _command(desk_bot, agent, f"/priority {number} urgent", "urgent priority")
        await desk_bot.wait_bot_says(desk_bot.staff, "normal → urgent", thread_id=thread)
        await _command(desk_bot, agent, f"/status {number} resolved", "resolved")
        await desk_bot.wait_bot_says(ann, "has been resolved")
        await _command(desk_bot, agent, f"/assign {number} -", "assigned to nobody")
        ticket = await desk_bot.desk.queries.find_ticket(Actor.system(), number)
        assert (ticket.status, ticket.priority, ticket.assignee) == (
            Status.RESOLVED,
            Priority.URGENT,
            None,
        )
        await desk_bot.settled()
        card = desk_bot.server.message(desk_bot.staff, ticket.staff_card_message_id or 0)
        assert card is not None
        assert "🔴 urgent" in str(card["text"])

    async def test_assignment_notice_opens_the_ticket(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        _ann, agent, number, _thread = await _setup(desk_bot)
        bob = await desk_bot.agent("Bob", username="bob")
        await _command(desk_bot, agent, f"/assign {number} bob", "assigned to bob")
        notice = await desk_bot.wait_bot_says(bob, "assigned ticket")
        await server.user_presses(bob, notice, button_text=f"Open #{number}")
        await server.wait_for(
            lambda: "History" in (server.message(bob, notice["message_id"]) or {}).get("text", "")
        )


class TestNonAgents:
    async def test_console_commands_refuse_anyone_not_logged_in(self, desk_bot: Harness) -> None:
        ann = desk_bot.server.add_user("Ann")
        number = await desk_bot.open_ticket(ann)
        for command in (
            "/queue",
            f"/ticket {number}",
            f"/reply {number} hi",
            f"/status {number} closed",
            f"/take {number}",
        ):
            await _command(desk_bot, ann, command, "for agents")
        assert (
            await desk_bot.desk.queries.find_ticket(Actor.system(), number)
        ).status is Status.NEW

    async def test_staff_members_who_are_not_agents_are_not_relayed_and_their_presses_refused(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        intern = server.add_user("Ivan")
        desk_bot.staff.add_member(intern)
        await server.user_sends(intern, "hello customer", chat=desk_bot.staff, thread_id=thread)
        await desk_bot.wait_bot_says(desk_bot.staff, "Only logged-in agents", thread_id=thread)
        await server.user_sends(intern, "again", chat=desk_bot.staff, thread_id=thread)
        card = await desk_bot.wait_bot_says(desk_bot.staff, "Printer on fire", thread_id=thread)
        query = await server.user_presses(intern, card, button_text="🔒 Close")
        await server.wait_for(lambda: server.callback_answer(query) is not None)
        answer = server.callback_answer(query)
        assert answer is not None
        assert "Only logged-in agents" in str(answer.get("text"))
        await desk_bot.settled()
        hints = [
            m
            for m in server.bot_messages(desk_bot.staff, thread)
            if "Only logged-in agents" in str(m.get("text"))
        ]
        assert len(hints) == 1, "the hint is given once"
        assert not any(
            "customer" in str(m.get("text"))
            for m in server.bot_messages(ann)
            if "hello" in str(m.get("text"))
        )
        assert (
            await desk_bot.desk.queries.find_ticket(Actor.system(), number)
        ).status is Status.NEW
