"""Hostile and careless input: each gets a clear answer, nothing breaks, nothing leaks."""

from __future__ import annotations

import asyncio

from core.domain.actors import Actor
from core.domain.values import Status
from sandbox.botapi import FakeUser
from tests.e2e.conftest import Harness, ticket_number_in


async def _says(desk_bot: Harness, user: FakeUser, text: str, expect: str) -> dict[str, object]:
    before = len(desk_bot.server.bot_messages(user))
    await desk_bot.server.user_sends(user, text)
    return await desk_bot.wait_bot_says(user, expect, after=before)


async def _press(desk_bot: Harness, user: FakeUser, message: dict[str, object], data: str) -> str:
    server = desk_bot.server
    query = await server.user_presses(user, message, data, check_button=False)
    await server.wait_for(lambda: server.callback_answer(query) is not None)
    answer = server.callback_answer(query)
    assert answer is not None
    return str(answer.get("text") or "")


class TestCommands:
    async def test_unknown_commands_are_answered(self, desk_bot: Harness) -> None:
        ann = desk_bot.server.add_user("Ann")
        reply = await _says(desk_bot, ann, "/frobnicate now", "do not know the command")
        assert "/frobnicate" in str(reply["text"])

    async def test_wrong_arguments_get_usage_answers(self, desk_bot: Harness) -> None:
        ann = desk_bot.server.add_user("Ann")
        agent = await desk_bot.agent("Alice", username="alice")
        number = await desk_bot.open_ticket(ann)
        await _says(desk_bot, agent, "/ticket abc", "“abc” is not a ticket number")
        await _says(desk_bot, agent, "/ticket", "Usage: /ticket 12")
        await _says(desk_bot, agent, f"/status {number} flying", "Unknown status “flying”")
        await _says(desk_bot, agent, f"/assign {number} nobody", "No agent is called 'nobody'")
        await _says(desk_bot, agent, f"/priority {number} extreme", "Unknown priority “extreme”")
        await _says(desk_bot, agent, "/queue sideways", "Unknown queue “sideways”")
        await _says(desk_bot, agent, "/ticket 999999", "Ticket #999999 was not found")
        await _says(desk_bot, agent, f"/status {number} new", "cannot go from new to new")
        await _says(desk_bot, ann, "/close abc", "Usage: /close")
        assert (
            await desk_bot.desk.queries.find_ticket(Actor.system(), number)
        ).status is Status.NEW


class TestOtherCustomersTickets:
    async def test_another_customers_ticket_answers_exactly_like_a_missing_one(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann, bob = server.add_user("Ann"), server.add_user("Bob")
        anns = await desk_bot.open_ticket(ann, "Ann's secret")
        missing = anns + 1000
        other = await _says(desk_bot, bob, f"/close {anns}", "not found")
        absent = await _says(desk_bot, bob, f"/close {missing}", "not found")
        assert str(other["text"]).replace(str(anns), "N") == str(absent["text"]).replace(
            str(missing), "N"
        )

        # Forged /my buttons: show, make active, close, rate.
        await server.user_sends(bob, "/my")
        listing = await desk_bot.wait_bot_says(bob, "no tickets")
        for action in ("show", "act", "close", "closeok", "rate"):
            suffix = ":5" if action == "rate" else ""
            answer_other = await _press(desk_bot, bob, listing, f"c:{action}:{anns}{suffix}")
            answer_missing = await _press(desk_bot, bob, listing, f"c:{action}:{missing}{suffix}")
            assert answer_other == f"Ticket #{anns} was not found."
            assert answer_missing == f"Ticket #{missing} was not found."
        ticket = await desk_bot.desk.queries.find_ticket(Actor.system(), anns)
        assert (ticket.status, ticket.rating) == (Status.NEW, None)
        assert not any("secret" in str(m.get("text")) for m in server.bot_messages(bob))

    async def test_replying_to_a_forwarded_copy_does_not_reach_anothers_ticket(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann, bob = server.add_user("Ann"), server.add_user("Bob")
        await desk_bot.open_ticket(ann, "Ann's")
        confirmation = server.bot_messages(ann)[-1]
        # Bob replies to a message id that exists only in Ann's chat.
        await server.user_sends(bob, "let me in", reply_to=None)
        offer = await desk_bot.wait_bot_says(bob, "no open ticket")
        assert offer
        assert confirmation


class TestForgedAndStaleButtons:
    async def test_every_forged_or_stale_press_is_answered_and_changes_nothing(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        card = await desk_bot.wait_bot_says(desk_bot.staff, "Printer on fire", thread_id=thread)
        for data in (
            "",
            "garbage",
            "t:st:abc:open",
            "t:st:1:flying",
            "t:zz:1",
            "x:y:1",
            "t:" + "9" * 70,
            "c:rate:1:9",
        ):
            answer = await _press(desk_bot, agent, card, data)
            assert answer, f"press {data!r} got an answer"
        # A customer pressing a staff button in a private chat is not an agent.
        customer_view = server.bot_messages(ann)[-1]
        assert (
            "only logged-in agents"
            in (await _press(desk_bot, ann, customer_view, f"t:st:{number}:closed")).lower()
        )
        # Stale: the ticket is resolved after the card was rendered, then the old button is pressed.
        await desk_bot.desk.tickets.change_status(Actor.agent(1, "alice"), number, Status.RESOLVED)
        answer = await _press(desk_bot, agent, card, f"t:st:{number}:resolved")
        assert "cannot go from resolved to resolved" in answer
        assert (
            await desk_bot.desk.queries.find_ticket(Actor.system(), number)
        ).status is Status.RESOLVED

    async def test_an_old_rating_keyboard_still_answers_after_a_rating(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        card = await desk_bot.wait_bot_says(desk_bot.staff, "Printer on fire", thread_id=thread)
        await server.user_presses(agent, card, button_text="✅ Resolve")
        told = await desk_bot.wait_bot_says(ann, "has been resolved")
        assert await _press(desk_bot, ann, told, f"c:rate:{number}:5") == "Rated 5/5"
        assert await _press(desk_bot, ann, told, f"c:rate:{number}:2") == "Rated 2/5"


class TestAwkwardText:
    async def test_html_and_emoji_everywhere_never_break_a_message(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        evil = server.add_user("<b>Eve</b> & 🦊", username="eve_<x>")
        agent = await desk_bot.agent()
        number = await desk_bot.open_ticket(
            evil, "Printer <b>& fire</i> &amp; 🔥", "<script>alert(1)</script> & 😀"
        )
        thread = await desk_bot.topic_of(number)
        card = await desk_bot.wait_bot_says(
            desk_bot.staff, "Printer <b>& fire</i>", thread_id=thread
        )
        assert "<b>Eve</b> & 🦊" in str(card["text"])
        await desk_bot.wait_bot_says(
            desk_bot.staff, "<script>alert(1)</script> & 😀", thread_id=thread
        )
        await server.user_sends(
            agent, "<i>not</i> & <b>bold</b>", chat=desk_bot.staff, thread_id=thread
        )
        await desk_bot.wait_bot_says(evil, "<i>not</i> & <b>bold</b>")
        await desk_bot.settled()
        assert not [c for c in server.calls if c.status == 400], "Telegram refused nothing"

    async def test_a_5000_character_message_arrives_whole(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        long_text = ("Lorem ipsum <dolor> & sit amet. " * 160)[:5000]
        await server.user_sends(ann, long_text)
        await desk_bot.wait_bot_says(desk_bot.staff, "Lorem ipsum", thread_id=thread)
        await desk_bot.settled()
        detail = await desk_bot.desk.queries.get_ticket(Actor.system(), number)
        assert detail.messages[-1].text == long_text
        copied = "".join(
            str(m.get("text"))
            for m in server.bot_messages(desk_bot.staff, thread)
            if "Lorem" in str(m.get("text"))
        )
        assert copied.replace(" ", "") == long_text.replace(" ", "")

    async def test_an_empty_caption_and_a_sticker_as_the_description(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        await server.user_sends(ann, "/new")
        await desk_bot.wait_bot_says(ann, "subject")
        await server.user_sends(ann, "Look at this")
        await desk_bot.wait_bot_says(ann, "describe")
        await server.user_sends(ann, sticker="😱")
        confirmation = await desk_bot.wait_bot_says(ann, "Your ticket")
        number = ticket_number_in(confirmation)
        thread = await desk_bot.topic_of(number)
        await server.user_sends(ann, photo=True, caption="")
        await server.wait_for(
            lambda: any(m.get("sticker") for m in server.bot_messages(desk_bot.staff, thread))
        )
        await server.wait_for(
            lambda: any(m.get("photo") for m in server.bot_messages(desk_bot.staff, thread))
        )

    async def test_a_subject_that_is_too_long_or_not_text_is_asked_again(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        await _says(desk_bot, ann, "/new", "subject")
        await _says(desk_bot, ann, "x" * 121, "121 characters long")
        before = len(server.bot_messages(ann))
        await server.user_sends(ann, photo=True)
        await desk_bot.wait_bot_says(ann, "as text", after=before)
        await _says(desk_bot, ann, "/cancel", "Cancelled")
        await _says(desk_bot, ann, "/cancel", "nothing to cancel")

    async def test_an_unsupported_kind_of_message_is_explained(self, desk_bot: Harness) -> None:
        ann = desk_bot.server.add_user("Ann")
        await desk_bot.open_ticket(ann)
        before = len(desk_bot.server.bot_messages(ann))
        await desk_bot.server.user_sends(ann, location=(52.37, 4.89))
        await desk_bot.settled()
        assert len(desk_bot.server.bot_messages(ann)) == before, "a location is relayed silently"

    async def test_a_blank_message_on_a_ticket_is_answered_not_dropped(
        self, desk_bot: Harness
    ) -> None:
        ann = desk_bot.server.add_user("Ann")
        number = await desk_bot.open_ticket(ann)
        await _says(desk_bot, ann, " \u3000 ", "The message is empty")
        detail = await desk_bot.desk.queries.get_ticket(Actor.system(), number)
        assert [m.text for m in detail.messages if not m.text.strip()] == []

    async def test_an_edit_of_a_message_the_desk_never_stored_is_ignored(
        self, desk_bot: Harness
    ) -> None:
        ann = desk_bot.server.add_user("Ann")
        sent = await desk_bot.server.user_sends(ann, "typo")
        await desk_bot.wait_bot_says(ann, "no open ticket")
        before = len(desk_bot.server.bot_messages(ann))
        await desk_bot.server.user_edits(sent, "fixed")
        await desk_bot.settled()
        assert len(desk_bot.server.bot_messages(ann)) == before, "silence, as Telegram users expect"


class TestLoginBurst:
    async def test_a_burst_of_logins_locks_the_account_and_the_telegram_account(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        await desk_bot.desk.accounts.add_agent("alice", "a-long-secret-pass")
        mallory = server.add_user("Mallory")
        for attempt in range(5):
            await _says(desk_bot, mallory, "/login alice", "password")
            expect = "Too many failed logins" if attempt == 4 else "Wrong username or password"
            secret = await server.user_sends(mallory, f"guess-{attempt}-password")
            await desk_bot.wait_bot_says(
                mallory, expect, after=len(server.bot_messages(mallory)) - 1
            )
            assert server.message(mallory, secret["message_id"]) is None, (
                "every password message is deleted"
            )
        await _says(desk_bot, mallory, "/login alice", "password")
        await server.user_sends(mallory, "a-long-secret-pass")
        await desk_bot.wait_bot_says(
            mallory, "Too many failed logins", after=len(server.bot_messages(mallory)) - 1
        )
        assert await desk_bot.desk.accounts.agent_for(mallory.id) is None

    async def test_login_in_a_group_is_refused(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        member = server.add_user("Member")
        desk_bot.staff.add_member(member)
        await server.user_sends(member, "/login", chat=desk_bot.staff)
        await desk_bot.wait_bot_says(desk_bot.staff, "private chat")
        await asyncio.sleep(0)
