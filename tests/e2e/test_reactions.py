"""Reactions in step: mirrored between the customer's chat and the staff topic; 👍/👎 on the
resolution message is a quick rating."""

from __future__ import annotations

from typing import Any

from sandbox.botapi import FakeUser
from tests.e2e.conftest import Harness, ticket_number_in


async def _with_reply(
    desk_bot: Harness, customer: FakeUser, agent: FakeUser
) -> tuple[int, dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A ticket with a customer's message and an agent's reply written in the topic.

    Returns:
        The topic, the customer's message, its copy in the topic, the agent's reply and its
        copy in the customer's chat.
    """
    server = desk_bot.server
    number = await desk_bot.open_ticket(customer)
    thread = await desk_bot.topic_of(number)
    said = await server.user_sends(customer, "Still smoking")
    said_copy = await desk_bot.wait_bot_says(desk_bot.staff, "Still smoking", thread_id=thread)
    reply = await server.user_sends(agent, "Unplug it", chat=desk_bot.staff, thread_id=thread)
    reply_copy = await desk_bot.wait_bot_says(customer, "Unplug it")
    return thread, said, said_copy, reply, reply_copy


async def _resolved(desk_bot: Harness, customer: FakeUser, agent: FakeUser) -> dict[str, Any]:
    number = await desk_bot.open_ticket(customer)
    thread = await desk_bot.topic_of(number)
    card = await desk_bot.wait_bot_says(desk_bot.staff, "Printer on fire", thread_id=thread)
    await desk_bot.server.user_presses(agent, card, button_text="✅ Resolve")
    return await desk_bot.wait_bot_says(customer, "has been resolved")


class TestMirroredReactions:
    async def test_an_agents_reaction_reaches_the_customers_message(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        _, said, said_copy, _, _ = await _with_reply(desk_bot, ann, agent)
        await server.user_reacts(agent, said_copy, "👍")
        await server.wait_for(
            lambda: server.reactions_on(ann, said["message_id"]) == ["👍"],
            message="the customer's message never got the agent's reaction",
        )
        await server.user_reacts(agent, said_copy)
        await server.wait_for(
            lambda: server.reactions_on(ann, said["message_id"]) == [],
            message="the reaction taken off in the topic stayed on the customer's message",
        )

    async def test_a_customers_reaction_reaches_the_reply_in_the_topic(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        _, _, _, reply, reply_copy = await _with_reply(desk_bot, ann, agent)
        await server.user_reacts(ann, reply_copy, "❤")
        await server.wait_for(
            lambda: server.reactions_on(desk_bot.staff, reply["message_id"]) == ["❤"],
            message="the agent's reply never got the customer's reaction",
        )

    async def test_reactions_on_service_or_unknown_messages_are_ignored(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        thread, _, _, _, _ = await _with_reply(desk_bot, ann, agent)
        card = server.bot_messages(desk_bot.staff, thread)[0]
        welcome_count = len(server.bot_messages(ann))
        unrelated = await server.user_sends(ann, "/help")
        await server.user_reacts(ann, unrelated, "👍")
        await server.user_reacts(agent, card, "🔥")
        await desk_bot.settled()
        assert server.calls_of("setMessageReaction") == []
        assert len(server.bot_messages(ann)) == welcome_count + 1, "only /help was answered"

    async def test_a_members_reaction_who_is_not_an_agent_stays_in_the_group(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        _, said, said_copy, _, _ = await _with_reply(desk_bot, ann, agent)
        guest = server.add_user("Guest")
        desk_bot.staff.add_member(guest)
        await server.user_reacts(guest, said_copy, "👎")
        await desk_bot.settled()
        assert server.reactions_on(ann, said["message_id"]) == []

    async def test_a_flood_of_changes_ends_in_the_last_one_within_the_flood_limits(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        _, _, _, reply, reply_copy = await _with_reply(desk_bot, ann, agent)
        flips = ["👍", "👎"] * 20 + ["🔥"]
        for emoji in flips:
            await server.user_reacts(ann, reply_copy, emoji)
        await server.wait_for(
            lambda: server.reactions_on(desk_bot.staff, reply["message_id"]) == ["🔥"],
            timeout=30,
            message="the last reaction never reached the topic",
        )
        await desk_bot.settled(within=30)
        calls = server.calls_of("setMessageReaction")
        assert 1 <= len(calls) < len(flips), "changes not sent yet are replaced by the newest"
        assert len(calls) <= desk_bot.settings.flood_limit_group_per_minute


class TestQuickRating:
    async def test_a_thumbs_up_on_the_resolution_message_rates_it_5(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        told = await _resolved(desk_bot, ann, agent)
        await server.user_reacts(ann, told, "👍")
        await desk_bot.wait_bot_says(ann, "You rated ticket")
        number = ticket_number_in(told)
        assert (await desk_bot.desk.delivery.ticket(number)).rating == 5

    async def test_a_thumbs_down_in_another_language_rates_it_1(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        olga = server.add_user("Olga", language_code="ru")
        agent = await desk_bot.agent()
        await server.user_sends(olga, "/new")
        await desk_bot.wait_bot_says(olga, "Это будет тема тикета")
        await server.user_sends(olga, "Принтер горит")
        await desk_bot.wait_bot_says(olga, "Теперь опишите проблему")
        await server.user_sends(olga, "Дым идёт.")
        confirmed = await desk_bot.wait_bot_says(olga, "Ваш тикет")
        number = ticket_number_in(confirmed)
        await server.user_sends(agent, f"/status {number} resolved")
        await desk_bot.wait_bot_says(agent, f"Ticket #{number} is now")
        await desk_bot.settled()
        told = server.bot_messages(olga)[-1]
        await server.user_reacts(olga, told, "👎")
        await desk_bot.wait_bot_says(olga, "(1/5)")
        assert (await desk_bot.desk.delivery.ticket(number)).rating == 1

    async def test_a_reaction_after_a_button_rating_changes_nothing(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        told = await _resolved(desk_bot, ann, agent)
        await server.user_presses(ann, told, button_text="4⭐")
        await desk_bot.wait_bot_says(ann, "Thank you! You rated")
        before = len(server.bot_messages(ann))
        await server.user_reacts(ann, told, "👎")
        await desk_bot.settled()
        assert len(server.bot_messages(ann)) == before
        rated = [m for m in server.bot_messages(ann) if "You rated" in (m.get("text") or "")]
        assert len(rated) == 1
