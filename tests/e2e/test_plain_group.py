"""A staff group without topics: replying to a ticket's bot messages answers that ticket."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.settings import Settings
from core.domain.actors import Actor
from sandbox.botapi import FakeBotApi
from tests.e2e.conftest import Harness


@pytest.fixture(name="plain_bot")
async def fixture_plain_bot(server: FakeBotApi, settings: Settings) -> AsyncIterator[Harness]:
    """The bot with a staff group that has no topics."""
    plain = server.add_group("Plain staff", forum=False)
    harness = Harness(server, plain, settings.model_copy(update={"staff_chat_id": plain.id}))
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


class TestGroupWithoutTopics:
    async def test_tickets_share_the_group_and_replies_route_by_reply(
        self, plain_bot: Harness
    ) -> None:
        server = plain_bot.server
        ann, bob = server.add_user("Ann"), server.add_user("Bob")
        agent = await plain_bot.agent()
        anns = await plain_bot.open_ticket(ann, "Ann's printer", "Ann's text")
        bobs = await plain_bot.open_ticket(bob, "Bob's router", "Bob's text")
        await plain_bot.settled()
        assert server.topics(plain_bot.staff) == []
        anns_card = await plain_bot.wait_bot_says(plain_bot.staff, "Ann's printer")
        bobs_copy = await plain_bot.wait_bot_says(plain_bot.staff, "Bob's text")

        await server.user_sends(
            agent, "For Ann", chat=plain_bot.staff, reply_to=anns_card["message_id"]
        )
        await server.user_sends(
            agent, "For Bob", chat=plain_bot.staff, reply_to=bobs_copy["message_id"]
        )
        await plain_bot.wait_bot_says(ann, "For Ann")
        await plain_bot.wait_bot_says(bob, "For Bob")
        await server.user_sends(
            agent, "/note internal for Bob", chat=plain_bot.staff, reply_to=bobs_copy["message_id"]
        )
        await server.user_sends(agent, "just team chat", chat=plain_bot.staff)
        await plain_bot.settled()
        ann_texts = [str(m.get("text")) for m in server.bot_messages(ann)]
        bob_texts = [str(m.get("text")) for m in server.bot_messages(bob)]
        assert "For Bob" not in ann_texts
        assert "For Ann" not in bob_texts
        assert not any("internal" in t or "team chat" in t for t in ann_texts + bob_texts)
        notes = await plain_bot.desk.queries.get_ticket(Actor.system(), bobs)
        assert [(m.text, m.internal) for m in notes.messages][-1] == ("internal for Bob", True)
        assert (await plain_bot.desk.queries.find_ticket(Actor.system(), anns)).assignee is not None
