"""Load: 100 customers writing 10 messages each at once."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select

from core.domain.actors import Actor, CustomerProfile, NewMessage
from core.store.tables import MessageCopyRow, MessageRow
from tests.e2e.conftest import Harness

CUSTOMERS = 100
MESSAGES = 10


class TestLoad:
    @pytest.mark.slow
    async def test_every_message_is_stored_once_and_copied_to_its_topic_once(
        self, desk_bot: Harness
    ) -> None:
        server, desk = desk_bot.server, desk_bot.desk
        customers = [server.add_user(f"Customer {i}", username=f"c{i}") for i in range(CUSTOMERS)]
        tickets = {}
        for customer in customers:
            actor = Actor.customer(
                CustomerProfile(customer.id, customer.first_name, customer.username)
            )
            ticket = await desk.tickets.report_ticket(
                actor, f"Trouble of {customer.first_name}", NewMessage("first")
            )
            tickets[customer.id] = ticket.number
        await desk_bot.settled(within=60)

        # All at once: 1,000 updates queued before the bot fetches any of them.
        sends = [
            server.user_sends(customer, f"{customer.id}/{n}")
            for n in range(MESSAGES)
            for customer in customers
        ]
        await asyncio.gather(*sends)

        async def stored() -> int:
            async with desk.database.read_session() as session:
                return int(
                    await session.scalar(
                        select(func.count(MessageRow.id)).where(MessageRow.text.contains("/"))
                    )
                    or 0
                )

        for _ in range(1200):
            if await stored() == CUSTOMERS * MESSAGES:
                break
            await asyncio.sleep(0.1)
        await desk_bot.settled(within=120)

        async with desk.database.read_session() as session:
            texts = list(
                await session.scalars(select(MessageRow.text).where(MessageRow.text.contains("/")))
            )
            copies = await session.scalar(
                select(func.count(MessageCopyRow.id)).where(
                    MessageCopyRow.is_origin.is_(False), MessageCopyRow.chat_id == desk_bot.staff.id
                )
            )
        assert len(texts) == CUSTOMERS * MESSAGES
        assert max(Counter(texts).values()) == 1, "no message stored twice"
        in_topics: Counter[str] = Counter()
        for customer in customers:
            ticket = await desk.delivery.ticket(tickets[customer.id])
            assert ticket.staff_topic_id is not None
            for message in server.chat_messages(desk_bot.staff, ticket.staff_topic_id):
                text = str(message.get("text") or "")
                if text.startswith(f"{customer.id}/"):
                    in_topics[text] += 1
        assert len(in_topics) == CUSTOMERS * MESSAGES, "every message reached its own topic"
        assert max(in_topics.values()) == 1, "and only once"
        assert copies == CUSTOMERS * (MESSAGES + 1)
        for customer in customers:  # in order, per ticket
            ticket = await desk.delivery.ticket(tickets[customer.id])
            order = [
                str(m.get("text"))
                for m in server.chat_messages(desk_bot.staff, ticket.staff_topic_id)
                if str(m.get("text") or "").startswith(f"{customer.id}/")
            ]
            assert order == [f"{customer.id}/{n}" for n in range(MESSAGES)]
