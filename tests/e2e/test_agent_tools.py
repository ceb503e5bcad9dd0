"""Agents' daily tools over the fake Bot API: tags, the customer's card, saved replies,
search and merges, from a private chat and from a ticket's topic."""

from __future__ import annotations

from typing import Any

from core.domain.actors import Actor
from sandbox.botapi import FakeUser
from tests.e2e.conftest import Harness


async def _setup(desk_bot: Harness) -> tuple[FakeUser, FakeUser, int, int]:
    ann = desk_bot.server.add_user("Ann", username="ann")
    agent = await desk_bot.agent("Alice", username="alice")
    number = await desk_bot.open_ticket(ann, "Printer smokes", "The printer smokes a lot")
    thread = await desk_bot.topic_of(number)
    await desk_bot.settled()
    return ann, agent, number, thread


async def _private(
    desk_bot: Harness, agent: FakeUser, text: str, expect: str, **kw: Any
) -> dict[str, Any]:
    before = len(desk_bot.server.bot_messages(agent))
    await desk_bot.server.user_sends(agent, text, **kw)
    return await desk_bot.wait_bot_says(agent, expect, after=before)


async def _in_topic(
    desk_bot: Harness, agent: FakeUser, thread: int, text: str, expect: str
) -> dict[str, Any]:
    before = len(desk_bot.server.bot_messages(desk_bot.staff, thread))
    await desk_bot.server.user_sends(agent, text, chat=desk_bot.staff, thread_id=thread)
    return await desk_bot.wait_bot_says(desk_bot.staff, expect, after=before, thread_id=thread)


class TestTags:
    async def test_tags_from_private_and_topic_show_on_the_card_and_in_the_queue(
        self, desk_bot: Harness
    ) -> None:
        _ann, agent, number, thread = await _setup(desk_bot)
        await _private(desk_bot, agent, f"/tag {number} Billing REFUND", "#billing #refund")
        await _in_topic(desk_bot, agent, thread, "/untag refund", "#billing")
        await desk_bot.wait_bot_says(desk_bot.staff, "tagged the ticket: billing", thread_id=thread)
        await desk_bot.settled()
        card = desk_bot.server.bot_messages(desk_bot.staff, thread)[0]
        assert "Tags: #billing" in str(card["text"])
        listed = await _private(desk_bot, agent, "/queue tag:billing", "Queue: tag:billing")
        assert f"#{number}" in str(listed["text"])

    async def test_a_tag_with_html_or_200_characters_is_refused(self, desk_bot: Harness) -> None:
        _ann, agent, number, _thread = await _setup(desk_bot)
        await _private(desk_bot, agent, f"/tag {number} <b>x</b>", "is not a tag")
        await _private(desk_bot, agent, f"/tag {number} {'a' * 200}", "at most 32")
        ticket = await desk_bot.desk.delivery.ticket(number)
        assert ticket.tags == ()


class TestCustomerCard:
    async def test_the_cards_customer_button_and_the_command_show_the_card(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        _ann, agent, number, thread = await _setup(desk_bot)
        card = server.bot_messages(desk_bot.staff, thread)[0]
        await server.user_presses(agent, card, button_text="👤 Customer")
        shown = await desk_bot.wait_bot_says(desk_bot.staff, "First seen", thread_id=thread)
        assert "@ann" in str(shown["text"])
        assert "Bot blocked: no" in str(shown["text"])
        private = await _private(desk_bot, agent, "/customer @ann", "First seen")
        assert f"#{number}" in str(private["reply_markup"])
        await _private(desk_bot, agent, "/customer @nobody", "No customer '@nobody'")


class TestSavedReplies:
    async def test_a_saved_reply_keeps_its_formatting_and_is_filled_in(
        self, desk_bot: Harness
    ) -> None:
        ann, agent, number, thread = await _setup(desk_bot)
        text = "/saved add thanks Hi {customer}, {ticket} is fixed!"
        bold = {"type": "bold", "offset": len("/saved add thanks "), "length": 2}
        command = {"type": "bot_command", "offset": 0, "length": len("/saved")}
        await _private(desk_bot, agent, text, "Saved", entities=[command, bold])
        await _in_topic(desk_bot, agent, thread, "!thanks", f"Hi Ann, #{number} is fixed!")
        got = await desk_bot.wait_bot_says(ann, "is fixed")
        assert got["text"] == f"Hi Ann, #{number} is fixed!"
        assert any(e["type"] == "bold" for e in got.get("entities", []))
        ticket = await desk_bot.desk.delivery.ticket(number)
        assert ticket.first_response_at is not None

    async def test_reply_with_a_saved_name_and_an_unknown_name(self, desk_bot: Harness) -> None:
        ann, agent, number, _thread = await _setup(desk_bot)
        await _private(desk_bot, agent, "/saved add refund Your refund is on its way.", "Saved")
        await _private(desk_bot, agent, f"/reply {number} !refund", "Reply sent")
        await desk_bot.wait_bot_says(ann, "Your refund is on its way.")
        await _private(desk_bot, agent, f"/reply {number} !refnd", "Did you mean: refund")
        await _private(desk_bot, agent, "/saved add x Your {order}", "Unknown placeholder {order}")
        listing = await _private(desk_bot, agent, "/saved", "Saved replies")
        assert "!refund" in str(listing["text"])
        await _private(desk_bot, agent, "/saved del refund", "deleted")


class TestSearch:
    async def test_search_ranks_with_a_safe_snippet_and_ticket_buttons(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        _ann, agent, number, _thread = await _setup(desk_bot)
        bob = server.add_user("Bob")
        await desk_bot.open_ticket(bob, "Login fails", "<script> printer driver")
        found = await _private(desk_bot, agent, "/search printer", "found")
        assert found["text"].index(f"#{number}") < found["text"].index("Login fails")
        assert "<script>" in found["text"]  # shown as text, not markup
        assert f"t:show:{number}" in str(found["reply_markup"])
        await _private(desk_bot, agent, '/search "NEAR(printer*', "found")
        await _private(desk_bot, agent, "/search the of and", "too common")
        await _private(desk_bot, agent, "/search " + "x" * 1000, "keep it under")


class TestMerge:
    async def test_merge_asks_then_moves_and_closes_the_source(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann, agent, first, first_thread = await _setup(desk_bot)
        await desk_bot.settled()
        second = await desk_bot.open_ticket(ann, "Printer still smokes", "Same again")
        await desk_bot.settled()
        question = await _private(desk_bot, agent, f"/merge {first} {second}", "cannot be undone")
        await server.user_presses(agent, question, button_text=f"🔀 Merge #{first} into #{second}")
        await desk_bot.wait_bot_says(ann, f"we continue in #{second}")
        line = await desk_bot.wait_bot_says(
            desk_bot.staff, f"merged this ticket into #{second}", thread_id=first_thread
        )
        assert "t.me/c/" in str(line.get("entities"))
        await desk_bot.settled()
        moved = await _private(desk_bot, agent, f"/ticket {second}", "History")
        assert "The printer smokes a lot" in str(moved["text"])
        await _private(desk_bot, agent, f"/merge {second} {second}", "into itself")
        bob = server.add_user("Bob")
        other = await desk_bot.open_ticket(bob)
        await _private(desk_bot, agent, f"/merge {other} {second}", "different customers")

    async def test_writing_in_a_merged_tickets_topic_goes_to_the_target(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann, agent, first, first_thread = await _setup(desk_bot)
        second = await desk_bot.open_ticket(ann, "Printer still smokes", "Same again")
        second_thread = await desk_bot.topic_of(second)
        await desk_bot.settled()
        question = await _private(desk_bot, agent, f"/merge {first} {second}", "cannot be undone")
        await server.user_presses(agent, question, button_text=f"🔀 Merge #{first} into #{second}")
        await desk_bot.wait_bot_says(ann, f"we continue in #{second}")
        await desk_bot.settled()
        told = await _in_topic(
            desk_bot, agent, first_thread, "Try the other tray", f"merged into #{second}"
        )
        assert "went there" in told["text"]
        assert "t.me/c/" in str(told.get("entities"))
        assert (await desk_bot.wait_bot_says(ann, "Try the other tray"))["text"] == (
            "Try the other tray"
        )
        await desk_bot.wait_bot_says(desk_bot.staff, "Try the other tray", thread_id=second_thread)
        await _in_topic(desk_bot, agent, first_thread, "/note checked the tray", "went there")
        await desk_bot.wait_bot_says(desk_bot.staff, "checked the tray", thread_id=second_thread)
        history = await desk_bot.desk.queries.get_ticket(Actor.system(), second, history=30)
        texts = [m.text for m in history.messages]
        assert "Try the other tray" in texts
        assert "checked the tray" in texts
