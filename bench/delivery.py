"""Benchmark 4: delivering a burst under Telegram's flood limits.

The fake server enforces 30 sends a second in all, one a second into each private chat and
20 a minute into each group (a call that posts several messages, as copyMessages does,
counts once), answering 429 with ``retry_after`` past them. Queued at once: 1,000
notifications to 200 customers (five agent replies each, one call apiece) and 300 customer
messages to copy into one staff supergroup (10 into each of 30 ticket topics, one
``copyMessages`` a topic at best). The group limit makes the least time a minute (20 topics
at once, the other 10 a minute later), while the notifications need 34 s of the overall
limit, so only a desk that batches the copies and keeps the group and the private chats
apart finishes near the least. We compare the time with the least the limits allow, and
count what was lost, what went out twice and how many 429s came back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.processes import BotProcess, FakeServer, copied_messages, desk_env, wait_until
from core.config import DeskConfig
from core.desk import Desk
from core.domain.actors import Actor, ChatRef, CustomerProfile, NewMessage

PASSWORD = "bench-password-1"
GLOBAL_PER_SECOND, PRIVATE_PER_SECOND, GROUP_PER_MINUTE = 30, 1, 20


def least_time(private_calls: dict[int, int], group_calls: int) -> dict[str, float]:
    """The least time any sender needs for these calls under the server's sliding windows.

    Each limit gives a bound. A window of ``limit`` calls in ``seconds`` takes the first
    ``limit`` at once; the next can only go when the first leaves, ``seconds`` later, and so
    on: ``n`` calls span at least ``(n - 1) // limit * seconds``.
    """

    def span(calls: int, limit: int, seconds: float) -> float:
        return max(0, calls - 1) // limit * seconds

    total = sum(private_calls.values()) + group_calls
    bounds = {
        "all chats, 30/s": span(total, GLOBAL_PER_SECOND, 1.0),
        "one private chat, 1/s": span(
            max(private_calls.values(), default=0), PRIVATE_PER_SECOND, 1.0
        ),
        "one group, 20/min": span(group_calls, GROUP_PER_MINUTE, 60.0),
    }
    return {"seconds": max(bounds.values()), **bounds}


async def _prepare(server: FakeServer, desk: Desk, staff: int, quick: bool) -> dict[str, Any]:
    """Customers with open, assigned tickets and topics; everything so far delivered."""
    notified = 40 if quick else 200
    writers, per_writer = (3, 10) if quick else (30, 10)
    await desk.accounts.add_agent("bench", PASSWORD)
    agent_user = await server.add_user("Agent")
    agent_view = await desk.accounts.login("bench", PASSWORD, agent_user)
    agent = Actor.agent(agent_view.id, agent_view.username)
    tickets: dict[int, int] = {}
    for index in range(notified + writers):
        user_id = await server.add_user(f"Customer {index}")
        actor = Actor.customer(CustomerProfile(user_id, f"Customer {index}"))
        ticket = await desk.tickets.report_ticket(actor, f"Problem {index}", NewMessage("Help"))
        topic = await server.control(
            "POST", "topics", {"chat_id": staff, "name": f"#{ticket.number}"}
        )
        await desk.delivery.set_staff_topic(ticket.number, int(topic["message_thread_id"]))
        await desk.tickets.take(agent, ticket.number)
        tickets[user_id] = ticket.number
    while claimed := await desk.delivery.claim("setup", limit=1000):
        await desk.delivery.mark_sent([item.id for item in claimed])  # the setup is history
    return {
        "agent": agent,
        "tickets": tickets,
        "notified": notified,
        "writers": writers,
        "per_writer": per_writer,
    }


async def _queue_burst(
    server: FakeServer, desk: Desk, setup: dict[str, Any]
) -> tuple[set[str], set[tuple[int, int]]]:
    """Queue the burst: replies to customers, and customer messages to copy to topics."""
    agent: Actor = setup["agent"]
    users = list(setup["tickets"])
    replies: set[str] = set()
    for user_id in users[: setup["notified"]]:
        for n in range(5):
            text = f"reply {user_id}/{n}"
            replies.add(text)
            await desk.messages.send_message(
                agent,
                setup["tickets"][user_id],
                NewMessage(text, copyable=False),
                written_in_topic=True,
            )
    originals: set[tuple[int, int]] = set()
    for user_id in users[setup["notified"] :]:
        actor = Actor.customer(CustomerProfile(user_id, "Writer"))
        for n in range(setup["per_writer"]):
            sent = await server.user_sends(user_id, f"message {user_id}/{n}")
            origin = ChatRef(user_id, int(sent["message_id"]))
            originals.add((origin.chat_id, origin.message_id))
            await desk.messages.send_message(
                actor, setup["tickets"][user_id], NewMessage(sent["text"], origin=origin)
            )
    return replies, originals


async def run(workdir: Path, *, quick: bool) -> dict[str, Any]:
    """Queue the burst, start the desk, time the delivery."""
    server = FakeServer(flood_limits=True)
    await server.start()
    url = f"sqlite+aiosqlite:///{workdir / 'delivery.db'}"
    desk = await Desk.open(url, config=DeskConfig(bcrypt_rounds=4))
    try:
        staff = await server.add_forum("Support staff")
        setup = await _prepare(server, desk, staff, quick)
        replies, originals = await _queue_burst(server, desk, setup)
        bot = BotProcess("bot", desk_env(server, staff, url))
        await bot.start(workdir / "delivery_bot.log")
        try:

            async def delivered() -> bool:
                return (await desk.delivery.counts())["pending"] == 0

            await wait_until(delivered, 1800, interval=0.5)
        finally:
            await bot.stop()
        sends = [c for c in await server.calls("sendMessage") if c["status"] == 200]
        copies = [
            c
            for c in await server.calls("copyMessage") + await server.calls("copyMessages")
            if c["status"] == 200
        ]
        got_replies = [
            str(c["params"].get("text"))
            for c in sends
            if str(c["params"].get("text", "")).startswith("reply ")
        ]
        times = [c["at"] for c in sends if str(c["params"].get("text", "")).startswith("reply ")]
        times += [c["at"] for c in copies]
        elapsed = max(times) - min(times)
        copied = [key for call in copies for key in copied_messages(call)]
        topics = len(setup["tickets"]) - setup["notified"]  # one copyMessages a topic at best
        least = least_time(dict.fromkeys(range(setup["notified"]), 5), topics)
        stats = await server.stats()
    finally:
        await desk.close()
        await server.stop()
    return {
        "notifications": len(replies),
        "group_messages": len(originals),
        "seconds": elapsed,
        "least_seconds": least["seconds"],
        "bounds": least,
        "ratio_to_least": elapsed / least["seconds"] if least["seconds"] else float("nan"),
        "lost": len(replies - set(got_replies)) + len(originals - set(copied)),
        "sent_twice": len(got_replies) - len(set(got_replies)) + len(copied) - len(set(copied)),
        "copy_calls": len(copies),
        "too_many_requests": int(stats.get("too_many_requests", 0)),
    }
