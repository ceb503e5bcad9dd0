"""Telegram misbehaving: flood limits, 5xx, timeouts, blocked users, deleted topics, repeats.

Each test shows that nothing is lost and nothing is sent twice.
"""

from __future__ import annotations

from core.domain.actors import Actor
from core.domain.values import Status
from tests.e2e.conftest import Harness


def _bot_texts(harness: Harness, chat: object, thread_id: int | None = None) -> list[str]:
    return [
        str(m.get("text") or m.get("caption") or "")
        for m in harness.server.bot_messages(chat, thread_id)
    ]


async def _ticket_with_agent(desk_bot: Harness) -> tuple[object, object, int, int]:
    server = desk_bot.server
    ann = server.add_user("Ann")
    agent = await desk_bot.agent()
    number = await desk_bot.open_ticket(ann)
    thread = await desk_bot.topic_of(number)
    await desk_bot.settled()
    return ann, agent, number, thread


class TestFloodLimits:
    async def test_a_storm_of_429s_delays_but_delivers_everything_once_in_order(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann, agent, _number, thread = await _ticket_with_agent(desk_bot)
        for method in ("copyMessage", "copyMessages", "sendMessage"):
            server.faults.add(method, chat_id=ann.id, status=429, retry_after=1, times=3)
        texts = [f"answer {i}" for i in range(5)]
        for text in texts:
            await server.user_sends(agent, text, chat=desk_bot.staff, thread_id=thread)
        await server.wait_for(
            lambda: [t for t in _bot_texts(desk_bot, ann) if t.startswith("answer")] == texts,
            timeout=20,
        )
        await desk_bot.settled()
        assert [t for t in _bot_texts(desk_bot, ann) if t.startswith("answer")] == texts
        assert any(c.status == 429 for c in server.calls)


class TestServerErrors:
    async def test_5xx_answers_are_retried_until_delivered_once(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann, _agent, _number, thread = await _ticket_with_agent(desk_bot)
        server.faults.add(None, chat_id=desk_bot.staff.id, status=500, times=2)
        server.faults.add(None, chat_id=desk_bot.staff.id, status=502, times=1)
        await server.user_sends(ann, "Are you there?")
        await desk_bot.wait_bot_says(desk_bot.staff, "Are you there?", thread_id=thread, within=20)
        await desk_bot.settled(within=20)
        assert _bot_texts(desk_bot, desk_bot.staff, thread).count("Are you there?") == 1
        assert [c.status for c in server.calls if c.injected] == [500, 500, 502]

    async def test_a_request_that_times_out_is_sent_again_once(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann, _agent, _number, thread = await _ticket_with_agent(desk_bot)
        # The server holds the request past the bot's HTTP timeout and never applies it.
        server.faults.add(None, chat_id=desk_bot.staff.id, hang=3.0, times=1)
        await server.user_sends(ann, "Hello after a hiccup")
        await desk_bot.wait_bot_says(
            desk_bot.staff, "Hello after a hiccup", thread_id=thread, within=20
        )
        await desk_bot.settled(within=20)
        assert _bot_texts(desk_bot, desk_bot.staff, thread).count("Hello after a hiccup") == 1


class TestBlockedCustomer:
    async def test_a_customer_who_blocked_the_bot_is_shown_to_agents_and_not_retried(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann, agent, number, thread = await _ticket_with_agent(desk_bot)
        server.block_bot(ann)
        await server.user_sends(agent, "Any news?", chat=desk_bot.staff, thread_id=thread)
        await desk_bot.wait_bot_says(desk_bot.staff, "could not be delivered", thread_id=thread)
        await desk_bot.settled()
        ticket = await desk_bot.desk.delivery.ticket(number)
        assert ticket.customer.unreachable_since is not None
        assert ticket.staff_card_message_id is not None
        card = server.message(desk_bot.staff, ticket.staff_card_message_id)
        assert card is not None
        assert "blocked the bot" in card["text"]
        sends_to_ann = [
            c for c in server.calls if c.params.get("chat_id") == ann.id and c.status == 403
        ]
        failed = (await desk_bot.desk.delivery.counts())["failed"]
        assert failed >= 1
        assert len(sends_to_ann) == failed, (
            "each message was tried once; a blocked chat is not hammered"
        )

    async def test_missed_messages_arrive_once_the_customer_is_back(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann, agent, _number, thread = await _ticket_with_agent(desk_bot)
        server.block_bot(ann)
        await server.user_sends(agent, "Missed reply", chat=desk_bot.staff, thread_id=thread)
        await desk_bot.wait_bot_says(desk_bot.staff, "could not be delivered", thread_id=thread)
        await desk_bot.settled()
        server.unblock_bot(ann)
        await server.user_sends(ann, "Sorry, I had blocked you")
        await desk_bot.wait_bot_says(ann, "Missed reply")
        await desk_bot.settled()
        assert _bot_texts(desk_bot, ann).count("Missed reply") == 1
        assert sum("is being worked on" in t for t in _bot_texts(desk_bot, ann)) == 1


class TestDeletedTopic:
    async def test_a_deleted_topic_is_made_again_and_the_message_lands_there(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann, _agent, number, thread = await _ticket_with_agent(desk_bot)
        server.delete_topic(desk_bot.staff, thread)
        await server.user_sends(ann, "Still broken")
        for _ in range(200):
            new_thread = (await desk_bot.desk.delivery.ticket(number)).staff_topic_id
            if new_thread not in (None, thread):
                break
            await __import__("asyncio").sleep(0.05)
        assert new_thread is not None
        assert new_thread != thread
        await desk_bot.wait_bot_says(desk_bot.staff, "Still broken", thread_id=new_thread)
        await desk_bot.wait_bot_says(
            desk_bot.staff, "Printer on fire", thread_id=new_thread
        )  # a new card
        await desk_bot.settled()
        assert _bot_texts(desk_bot, desk_bot.staff, new_thread).count("Still broken") == 1


class TestDuplicateUpdates:
    async def test_the_same_update_delivered_twice_creates_nothing_twice(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann, agent, number, thread = await _ticket_with_agent(desk_bot)
        await server.user_sends(ann, "Only once please")
        await desk_bot.wait_bot_says(desk_bot.staff, "Only once please", thread_id=thread)
        server.deliver_again(server.updates[-1]["update_id"])
        await server.user_sends(agent, "Reply once", chat=desk_bot.staff, thread_id=thread)
        await desk_bot.wait_bot_says(ann, "Reply once")
        server.deliver_again(server.updates[-1]["update_id"])
        await server.user_sends(ann, "marker")  # processed after both repeats
        await desk_bot.wait_bot_says(desk_bot.staff, "marker", thread_id=thread)
        await desk_bot.settled()
        assert _bot_texts(desk_bot, desk_bot.staff, thread).count("Only once please") == 1
        assert _bot_texts(desk_bot, ann).count("Reply once") == 1
        detail = await desk_bot.desk.queries.get_ticket(Actor.system(), number)
        assert [m.text for m in detail.messages].count("Only once please") == 1
        assert [m.text for m in detail.messages].count("Reply once") == 1
        assert detail.ticket.status is Status.OPEN
