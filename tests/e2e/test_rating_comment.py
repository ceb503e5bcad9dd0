"""A rating's optional comment never swallows what a customer writes afterwards."""

from __future__ import annotations

from typing import Any

from core.domain.actors import Actor
from core.store.tables import ConversationRow
from sandbox.botapi import FakeUser
from tests.e2e.conftest import Harness


async def _rated(desk_bot: Harness, customer: FakeUser, agent: FakeUser) -> tuple[int, int]:
    """Open a ticket, resolve it, rate it 4/5; return the ticket and its topic."""
    number = await desk_bot.open_ticket(customer)
    thread = await desk_bot.topic_of(number)
    card = await desk_bot.wait_bot_says(desk_bot.staff, "Printer on fire", thread_id=thread)
    await desk_bot.server.user_presses(agent, card, button_text="✅ Resolve")
    told = await desk_bot.wait_bot_says(customer, "has been resolved")
    await desk_bot.server.user_presses(customer, told, button_text="4⭐")
    await desk_bot.wait_bot_says(customer, "Thank you! You rated")
    return number, thread


async def _texts_on(desk_bot: Harness, number: int) -> list[str]:
    detail = await desk_bot.desk.queries.get_ticket(Actor.system(), number)
    return [m.text for m in detail.messages]


async def _comment_prompt(desk_bot: Harness, customer: FakeUser) -> dict[str, Any]:
    thanks = await desk_bot.wait_bot_says(customer, "Thank you! You rated")
    before = len(desk_bot.server.bot_messages(customer))
    await desk_bot.server.user_presses(customer, thanks, button_text="✍️ Add a comment")
    return await desk_bot.wait_bot_says(customer, "as a reply to this message", after=before)


class TestAMessageAfterARating:
    async def test_a_message_after_the_ticket_was_reopened_reaches_the_topic(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number, thread = await _rated(desk_bot, ann, agent)
        await server.user_sends(agent, f"/status {number} open")
        await desk_bot.wait_bot_says(agent, f"Ticket #{number} is now")
        before = len(server.bot_messages(ann))
        await server.user_sends(ann, "after restart: hello again")
        await desk_bot.wait_bot_says(desk_bot.staff, "after restart: hello again", thread_id=thread)
        assert "after restart: hello again" in await _texts_on(desk_bot, number)
        await desk_bot.settled()
        assert not any(
            "can be rated" in (m.get("text") or "") for m in server.bot_messages(ann)[before:]
        )

    async def test_a_message_right_after_the_rating_is_a_message_on_the_ticket(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number, thread = await _rated(desk_bot, ann, agent)
        await server.user_sends(ann, "Actually it smokes again")
        await desk_bot.wait_bot_says(ann, "is open again")
        await desk_bot.wait_bot_says(desk_bot.staff, "Actually it smokes again", thread_id=thread)
        ticket = await desk_bot.desk.delivery.ticket(number)
        assert (ticket.status.value, ticket.rating_comment) == ("open", None)


class TestTheCommentButton:
    async def test_a_reply_to_the_prompt_is_the_comment_and_is_shown_in_the_topic(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number, thread = await _rated(desk_bot, ann, agent)
        prompt = await _comment_prompt(desk_bot, ann)
        # The prompt is the last message to Ann (the staff's rating line may come after it).
        sent = [c for c in server.calls_of("sendMessage") if c.params["chat_id"] == ann.id][-1]
        assert "force_reply" in str(sent.params.get("reply_markup"))
        await server.user_sends(ann, "Quick & friendly <3", reply_to=prompt)
        await desk_bot.wait_bot_says(ann, "comment was added")
        await desk_bot.wait_bot_says(
            desk_bot.staff, "rated the ticket 4/5: Quick & friendly <3", thread_id=thread
        )
        ticket = await desk_bot.desk.delivery.ticket(number)
        assert (ticket.status.value, ticket.rating_comment) == ("resolved", "Quick & friendly <3")
        assert "Quick & friendly <3" not in await _texts_on(desk_bot, number)

    async def test_the_button_after_a_reopen_says_so(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number, _ = await _rated(desk_bot, ann, agent)
        await server.user_sends(agent, f"/status {number} open")
        await desk_bot.wait_bot_says(agent, f"Ticket #{number} is now")
        thanks = await desk_bot.wait_bot_says(ann, "Thank you! You rated")
        query = await server.user_presses(ann, thanks, button_text="✍️ Add a comment")
        answer = await server.wait_for(lambda: server.callback_answer(query))
        assert f"Ticket #{number} is open again" in str(answer.get("text"))

    async def test_the_button_after_a_comment_says_it_was_added(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        await _rated(desk_bot, ann, agent)
        prompt = await _comment_prompt(desk_bot, ann)
        await server.user_sends(ann, "Great", reply_to=prompt)
        await desk_bot.wait_bot_says(ann, "comment was added")
        thanks = await desk_bot.wait_bot_says(ann, "Thank you! You rated")
        query = await server.user_presses(ann, thanks, button_text="✍️ Add a comment")
        answer = await server.wait_for(lambda: server.callback_answer(query))
        assert "already added a comment" in str(answer.get("text"))

    async def test_a_reply_to_the_prompt_after_a_reopen_is_a_message_on_the_ticket(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number, thread = await _rated(desk_bot, ann, agent)
        prompt = await _comment_prompt(desk_bot, ann)
        await server.user_sends(agent, f"/status {number} open")
        await desk_bot.wait_bot_says(agent, f"Ticket #{number} is now")
        await server.user_sends(ann, "It broke again", reply_to=prompt)
        await desk_bot.wait_bot_says(desk_bot.staff, "It broke again", thread_id=thread)
        assert "It broke again" in await _texts_on(desk_bot, number)
        assert (await desk_bot.desk.delivery.ticket(number)).rating_comment is None

    async def test_a_photo_in_reply_to_the_prompt_is_a_message_on_the_ticket(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number, thread = await _rated(desk_bot, ann, agent)
        prompt = await _comment_prompt(desk_bot, ann)
        await server.user_sends(ann, photo=True, caption="still smoking", reply_to=prompt)
        await desk_bot.wait_bot_says(ann, "is open again")
        copy = await desk_bot.wait_bot_says(desk_bot.staff, "still smoking", thread_id=thread)
        assert copy.get("photo")
        ticket = await desk_bot.desk.delivery.ticket(number)
        assert (ticket.status.value, ticket.rating_comment) == ("open", None)

    async def test_a_reply_too_long_for_a_comment_is_a_message_on_the_ticket(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number, thread = await _rated(desk_bot, ann, agent)
        prompt = await _comment_prompt(desk_bot, ann)
        story = "It started on Monday. " * 100
        await server.user_sends(ann, story, reply_to=prompt)
        await desk_bot.wait_bot_says(ann, "is open again")
        await desk_bot.wait_bot_says(desk_bot.staff, "It started on Monday.", thread_id=thread)
        assert story in await _texts_on(desk_bot, number)
        assert (await desk_bot.desk.delivery.ticket(number)).rating_comment is None


class TestAfterAnUpgrade:
    async def test_a_comment_wait_left_by_an_older_version_lets_the_message_through(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number, thread = await _rated(desk_bot, ann, agent)
        async with desk_bot.desk.database.write_session() as session:  # as that version wrote it
            waiting = {"ticket": number}
            now = desk_bot.desk.clock.now()
            await session.merge(
                ConversationRow(
                    chat_id=ann.id, flow="comment", step="comment", data=waiting, updated_at=now
                )
            )
            await session.commit()
        await server.user_sends(ann, "hello again")
        await desk_bot.wait_bot_says(desk_bot.staff, "hello again", thread_id=thread)
        assert "hello again" in await _texts_on(desk_bot, number)
        assert await desk_bot.desk.conversations.get(ann.id) is None
