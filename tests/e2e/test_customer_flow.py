"""Customers and agents talking through the bot, end to end over HTTP."""

from __future__ import annotations

import asyncio

from core.domain.actors import Actor
from tests.e2e.conftest import PASSWORD, Harness, ticket_number_in


def _texts(messages: list[dict[str, object]]) -> list[str]:
    return [str(m.get("text") or m.get("caption") or "") for m in messages]


class TestOpeningATicket:
    async def test_a_new_ticket_appears_in_its_own_topic_with_card_and_message(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann", username="ann")
        number = await desk_bot.open_ticket(ann, "Printer <b>& fire", "It smokes 🔥")
        thread = await desk_bot.topic_of(number)
        assert server.topic(desk_bot.staff, thread).name == f"#{number} Printer <b>& fire"
        card = await desk_bot.wait_bot_says(desk_bot.staff, "Printer <b>& fire", thread_id=thread)
        assert "Ann (@ann)" in card["text"]
        buttons = [b["text"] for row in card["reply_markup"]["inline_keyboard"] for b in row]
        assert any("Take" in b for b in buttons)
        assert any("Resolve" in b for b in buttons)
        await desk_bot.wait_bot_says(desk_bot.staff, "It smokes 🔥", thread_id=thread)

    async def test_start_and_help_answer(self, desk_bot: Harness) -> None:
        ann = desk_bot.server.add_user("Ann")
        await desk_bot.server.user_sends(ann, "/start")
        welcome = await desk_bot.wait_bot_says(ann, "Hello, Ann")
        assert [b["text"] for b in welcome["reply_markup"]["inline_keyboard"][0]] == [
            "📝 New ticket",
            "📂 My tickets",
        ]
        await desk_bot.server.user_sends(ann, "/help")
        await desk_bot.wait_bot_says(ann, "/new — open a new ticket")

    async def test_new_ticket_button_starts_the_questions(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        await server.user_sends(ann, "/start")
        welcome = await desk_bot.wait_bot_says(ann, "Hello")
        query = await server.user_presses(ann, welcome, button_text="📝 New ticket")
        await desk_bot.wait_bot_says(ann, "subject")
        await server.wait_for(lambda: server.callback_answer(query) is not None)

    async def test_a_plain_first_message_is_held_and_opened_with_one_tap(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        await server.user_sends(ann, "My invoice is wrong\nIt says 300 instead of 30.")
        offer = await desk_bot.wait_bot_says(ann, "no open ticket")
        await server.user_sends(ann, photo=True, caption="the invoice")
        await desk_bot.wait_bot_says(ann, "Added.")
        await server.user_presses(ann, offer, button_text="📝 Open a ticket")
        confirmation = await desk_bot.wait_bot_says(ann, "Your ticket")
        assert "My invoice is wrong" in confirmation["text"]
        number = ticket_number_in(confirmation)
        thread = await desk_bot.topic_of(number)
        await desk_bot.wait_bot_says(desk_bot.staff, "It says 300", thread_id=thread)
        await desk_bot.wait_bot_says(desk_bot.staff, "the invoice", thread_id=thread)


class TestConversationWithAnAgent:
    async def test_agent_logs_in_replies_in_the_topic_and_the_customer_gets_it(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        bob = server.add_user("Bob", username="bob_agent")
        desk_bot.staff.add_member(bob)
        await desk_bot.desk.accounts.add_agent("bob", PASSWORD)
        await server.user_sends(bob, "/login")
        await desk_bot.wait_bot_says(bob, "username")
        await server.user_sends(bob, "bob")
        await desk_bot.wait_bot_says(bob, "password")
        secret = await server.user_sends(bob, PASSWORD)
        await desk_bot.wait_bot_says(bob, "Logged in as")
        assert server.message(bob, secret["message_id"]) is None, "the password message was deleted"

        before = len(server.bot_messages(ann))
        await server.user_sends(
            bob,
            "Hello <Ann>, try <b>turning</b> it off & on",
            chat=desk_bot.staff,
            thread_id=thread,
        )
        reply = await desk_bot.wait_bot_says(ann, "try", after=before)
        assert reply["text"] == "Hello <Ann>, try <b>turning</b> it off & on"
        ticket = await desk_bot.desk.delivery.ticket(number)
        assert (ticket.status.value, ticket.assignee) == ("open", "bob")

    async def test_customer_answers_with_text_and_a_photo_and_the_agent_sees_both(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        await server.user_sends(ann, "Here is more")
        await server.user_sends(ann, photo=True, caption="the <smoke>")
        await desk_bot.wait_bot_says(desk_bot.staff, "Here is more", thread_id=thread)
        photo = await desk_bot.wait_bot_says(desk_bot.staff, "the <smoke>", thread_id=thread)
        assert photo.get("photo")

    async def test_an_internal_note_stays_internal(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        before = len(server.bot_messages(ann))
        await server.user_sends(
            agent, "/note customer seems upset", chat=desk_bot.staff, thread_id=thread
        )
        await server.user_sends(agent, "We are on it", chat=desk_bot.staff, thread_id=thread)
        await desk_bot.wait_bot_says(ann, "We are on it", after=before)
        await desk_bot.settled()
        assert not any("upset" in t for t in _texts(server.bot_messages(ann)))
        detail = await desk_bot.desk.queries.get_ticket(Actor.system(), number)
        assert [(m.text, m.internal) for m in detail.messages][-2:] == [
            ("customer seems upset", True),
            ("We are on it", False),
        ]

    async def test_agent_resolves_the_customer_is_told_and_rates(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        card = await desk_bot.wait_bot_says(desk_bot.staff, "Printer on fire", thread_id=thread)
        query = await server.user_presses(agent, card, button_text="✅ Resolve")
        told = await desk_bot.wait_bot_says(ann, "has been resolved")
        assert server.callback_answer(query) is not None
        await server.user_presses(ann, told, button_text="4⭐")
        thanks = await desk_bot.wait_bot_says(ann, "Thank you! You rated")
        await server.user_presses(ann, thanks, button_text="✍️ Add a comment")
        prompt = await desk_bot.wait_bot_says(ann, "Your comment on ticket")
        await server.user_sends(ann, "Quick & friendly <3", reply_to=prompt)
        await desk_bot.wait_bot_says(ann, "comment was added")
        ticket = await desk_bot.desk.delivery.ticket(number)
        assert (ticket.status.value, ticket.rating, ticket.rating_comment) == (
            "resolved",
            4,
            "Quick & friendly <3",
        )
        await desk_bot.wait_bot_says(desk_bot.staff, "rated the ticket 4/5", thread_id=thread)
        edited_card = server.message(desk_bot.staff, card["message_id"])
        assert edited_card is not None
        assert "✅ resolved" in edited_card["text"]

    async def test_customer_closes_with_confirmation(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        await server.user_sends(ann, "/close")
        question = await desk_bot.wait_bot_says(ann, "Close ticket")
        await server.user_presses(ann, question, button_text=f"🔒 Yes, close #{number}")
        await server.wait_for(
            lambda: (
                "is closed" in (server.message(ann, question["message_id"]) or {}).get("text", "")
            )
        )
        await server.wait_for(lambda: server.topic(desk_bot.staff, thread).closed)
        assert (await desk_bot.desk.delivery.ticket(number)).status.value == "closed"

    async def test_a_message_to_a_closed_ticket_offers_a_linked_follow_up(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        card = await desk_bot.wait_bot_says(desk_bot.staff, "Printer on fire", thread_id=thread)
        await server.user_presses(agent, card, button_text="🔒 Close")
        await desk_bot.wait_bot_says(ann, "is closed")
        await server.user_sends(ann, "It is back!")
        offer = await desk_bot.wait_bot_says(ann, f"Ticket #{number} is closed")
        await server.user_presses(ann, offer, button_text="📝 Open a ticket")
        confirmation = await desk_bot.wait_bot_says(ann, "It is back!")
        new_number = ticket_number_in(confirmation)
        follow_up = await desk_bot.desk.delivery.ticket(new_number)
        assert follow_up.follow_up_of == number
        history = await desk_bot.desk.queries.get_ticket(Actor.system(), number)
        assert "It is back!" not in [m.text for m in history.messages]


class TestRestarts:
    async def test_a_restart_in_the_middle_of_new_resumes_it(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        await server.user_sends(ann, "/new")
        await desk_bot.wait_bot_says(ann, "subject")
        await server.user_sends(ann, "Broken screen")
        await desk_bot.wait_bot_says(ann, "describe")
        await desk_bot.restart()
        await server.user_sends(ann, "It flickers")
        confirmation = await desk_bot.wait_bot_says(ann, "Your ticket")
        assert "Broken screen" in confirmation["text"]

    async def test_messages_queued_when_the_bot_stops_are_delivered_after_the_restart(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        await desk_bot.settled()
        for method in ("copyMessage", "copyMessages"):  # Telegram fails every copy
            server.faults.add(method, status=502, times=None)
        for text in ("one", "two", "three"):
            await server.user_sends(agent, text, chat=desk_bot.staff, thread_id=thread)
        await server.wait_for(lambda: any(c.status == 502 for c in server.calls))
        for _ in range(100):
            detail = await desk_bot.desk.queries.get_ticket(Actor.system(), number)
            if len(detail.messages) == 4:
                break
            await asyncio.sleep(0.05)
        await desk_bot.stop()
        assert (await _pending_after_stop(desk_bot)) >= 1
        server.faults.clear()
        await desk_bot.start()
        await desk_bot.settled()
        texts = _texts(server.bot_messages(ann))
        assert [t for t in texts if t in ("one", "two", "three")] == ["one", "two", "three"]


async def _pending_after_stop(desk_bot: Harness) -> int:
    from core.desk import Desk  # noqa: PLC0415

    desk = await Desk.open(desk_bot.settings.database_url, migrate=False)
    try:
        return (await desk.delivery.counts())["pending"]
    finally:
        await desk.close()
