"""Latency when idle: one message at a time to a waiting bot, to its first resulting call.

Throughput meets a backlog; people mostly meet an idle desk. Here each of ``count`` single
messages is sent with the bot idle (the previous one answered, then a pause), and timed from
the moment the server hands its update to the bot (``getUpdates``) to the bot's first API
call caused by it: a ``sendMessage`` back for the echo bot, the copy into the ticket's
topic for the desk (which goes through the outbox and the delivery worker).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.processes import BotProcess, FakeServer, copied_messages, wait_until
from bench.stats import median, percentile

PAUSE = 0.05  # seconds between one message's answer and the next message


async def measure(
    server: FakeServer,
    bot: BotProcess,
    customers: list[int],
    *,
    count: int,
    tag: str,
    answered: Callable[[tuple[int, int], str, float], Awaitable[float | None]],
) -> dict[str, float]:
    """Send ``count`` single messages to a started bot; return p50/p99 latency in ms.

    ``answered(key, text, since)`` gives the time of the first call the message caused, or
    None; it asks the server only for the calls made since the message was sent, so that
    watching for the answer costs the server (which the bot is waiting on) next to nothing.
    The first message is sent once the bot polls, a second after it started (its worker,
    if any, is up by then).
    """
    started = time.monotonic()  # the server's clock too: both read CLOCK_MONOTONIC

    async def polling() -> bool:
        calls = await server.calls("getUpdates")
        return any(call["at"] >= started for call in calls) and bot.process is not None

    await wait_until(polling, 120, interval=0.1)
    await asyncio.sleep(1.0)
    latencies: list[float] = []
    for n in range(count):
        user = customers[n % len(customers)]
        text = f"{tag}:{user}:{n}"
        sent = time.monotonic()
        message = await server.user_sends(user, text)
        key = (user, int(message["message_id"]))
        at: list[float] = []

        async def done(
            key: tuple[int, int] = key, text: str = text, sent: float = sent, at: list[float] = at
        ) -> bool:
            found = await answered(key, text, sent)
            if found is not None:
                at.append(found)
            return found is not None

        await wait_until(done, 60, interval=0.01)
        delivered = await _delivered_at(server, key)
        latencies.append(at[0] - delivered)
        await asyncio.sleep(PAUSE)
    return {
        "messages": float(count),
        "p50_ms": median(latencies) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


async def _delivered_at(server: FakeServer, key: tuple[int, int]) -> float:
    for update in reversed(await server.update_times()):
        if (update["chat_id"], update["message_id"]) == key:
            return float(update["delivered_at"])
    raise RuntimeError(f"the server has no update for {key}")


def echo_answer(
    server: FakeServer,
) -> Callable[[tuple[int, int], str, float], Awaitable[float | None]]:
    """The echo bot's first call for a message: its ``sendMessage`` of the same text."""

    async def answered(key: tuple[int, int], text: str, since: float) -> float | None:  # noqa: ARG001
        for call in reversed(await server.calls("sendMessage", since=since)):
            if call["params"].get("text") == text:
                return float(call["at"])
        return None

    return answered


def desk_answer(
    server: FakeServer,
) -> Callable[[tuple[int, int], str, float], Awaitable[float | None]]:
    """The desk's first call for a message: the copy into its ticket's topic."""

    async def answered(key: tuple[int, int], text: str, since: float) -> float | None:  # noqa: ARG001
        calls: list[dict[str, Any]] = await server.calls("copyMessage", since=since)
        calls += await server.calls("copyMessages", since=since)
        times = [float(call["at"]) for call in calls if key in copied_messages(call)]
        return min(times) if times else None

    return answered
