"""Live news for the page: what changed in the world, fanned out to every open page.

The local Bot API server reports each call it answers; the page's own actions report
themselves. Each open page holds one server-sent-events stream and reloads what it shows
when told that something changed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from sandbox.botapi import ApiCall

READ_ONLY_METHODS = frozenset(
    {
        "getUpdates",
        "getMe",
        "getChat",
        "getChatMember",
        "getFile",
        "getMyCommands",
        "getWebhookInfo",
        "sendChatAction",
    }
)
KEEPALIVE_SECONDS = 15.0
QUEUE_LIMIT = 1000


class EventHub:
    """Subscribers each get every event published after they subscribed."""

    def __init__(self) -> None:
        """No subscribers yet."""
        self._queues: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self._closed = False

    def publish(self, event: dict[str, Any]) -> None:
        """Hand ``event`` to every subscriber (a subscriber too far behind misses it)."""
        for queue in self._queues:
            if queue.qsize() < QUEUE_LIMIT:
                queue.put_nowait(event)

    def observe_call(self, call: ApiCall) -> None:
        """Turn a Bot API call into news: a change, a failure, or a button's answer."""
        if call.method in READ_ONLY_METHODS:
            return
        if not call.ok:
            self.publish(
                {
                    "type": "failure",
                    "method": call.method,
                    "status": call.status,
                    "description": call.description,
                    "injected": call.injected,
                }
            )
            return
        if call.method == "answerCallbackQuery":
            self.publish(
                {
                    "type": "toast",
                    "query_id": str(call.params.get("callback_query_id")),
                    "text": str(call.params.get("text") or ""),
                    "show_alert": bool(call.params.get("show_alert")),
                }
            )
            return
        self.publish({"type": "changed", "method": call.method})

    def close(self) -> None:
        """End every stream (the sandbox is stopping)."""
        self._closed = True
        for queue in self._queues:
            queue.put_nowait(None)

    async def stream(self) -> AsyncIterator[str]:
        """One subscriber's events as server-sent-events text."""
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._queues.add(queue)
        try:
            yield "retry: 1000\n\n"
            while not self._closed:
                try:
                    event = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                if event is None:
                    return
                yield f"data: {json.dumps(event, ensure_ascii=False)}\n\n"
        finally:
            self._queues.discard(queue)
