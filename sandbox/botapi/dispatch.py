"""One Bot API call from token check to answer: faults, flood limits, handler, record.

Kept apart from HTTP so the order of the checks reads in one place:

1. wrong token → 401; unknown method → 404;
2. an injected fault that matches → its error (after its hang), call not applied;
3. a flood limit that would be exceeded → 429, call not applied;
4. the handler → ``result`` or its :class:`ApiError`;
5. an ``answer_delay`` fault holds the (already applied) answer.

Every call is recorded in :attr:`CallDispatcher.calls` with its outcome, faults included,
and shown to the :attr:`CallDispatcher.observers` (the sandbox page listens there).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from sandbox.botapi.errors import (
    ApiError,
    method_not_found,
    too_many_requests,
    unauthorized,
)
from sandbox.botapi.faults import FaultInjector
from sandbox.botapi.limits import FloodGate
from sandbox.botapi.methods import HANDLERS, MESSAGE_SENDING_METHODS, canonical_method_name
from sandbox.botapi.params import RequestParams
from sandbox.botapi.recording import ApiCall, DeliveryStats
from sandbox.botapi.state import BotApiState

Answer = tuple[int, dict[str, Any]]
"""HTTP status and JSON body."""


class CallDispatcher:
    """Answers Bot API calls against a :class:`BotApiState`."""

    def __init__(
        self,
        state: BotApiState,
        *,
        token: str,
        faults: FaultInjector,
        flood_gate: FloodGate | None,
        stats: DeliveryStats,
    ) -> None:
        """Serve ``state`` to clients that present ``token``."""
        self.state = state
        self.token = token
        self.faults = faults
        self.flood_gate = flood_gate
        self.stats = stats
        self.calls: list[ApiCall] = []
        self.observers: list[Callable[[ApiCall], None]] = []
        self._stopping = asyncio.Event()

    def stop_waiting(self) -> None:
        """Cut hangs and delays short (the server is stopping)."""
        self._stopping.set()
        self.state.updates.close()

    def resume(self) -> None:
        """Serve normally again after :meth:`stop_waiting`."""
        self._stopping = asyncio.Event()
        self.state.updates.reopen()

    async def dispatch(self, token: str, method_name: str, params: RequestParams) -> Answer:
        """Answer one call: see the module docstring for the order of checks."""
        arrived = time.monotonic()
        method = canonical_method_name(method_name)
        if token != self.token or method is None:
            error = unauthorized() if token != self.token else method_not_found()
            self._record(
                ApiCall(
                    method or method_name,
                    params.decoded(),
                    arrived,
                    error.status,
                    description=error.description,
                )
            )
            return error.status, error.to_json()
        decoded = params.decoded()
        self.stats.calls_by_method[method] += 1
        rule = self.faults.take(method, decoded)
        if rule is not None and rule.refuses:
            error = rule.error()
            self._record_error(method, decoded, arrived, error, injected=True)
            if rule.hang is not None:
                await self._pause(rule.hang)
            return error.status, error.to_json()
        flood_chat = self._flood_chat(method, params)
        if flood_chat is not None and self.flood_gate is not None:
            retry_after = self.flood_gate.retry_after(flood_chat)
            if retry_after is not None:
                error = too_many_requests(retry_after)
                self._record_error(method, decoded, arrived, error, injected=True)
                return error.status, error.to_json()
        try:
            result = await self._run(method, params)
        except ApiError as error:
            self._record_error(method, decoded, arrived, error)
            return error.status, error.to_json()
        if flood_chat is not None and self.flood_gate is not None:
            self.flood_gate.record(flood_chat)
        self._record(ApiCall(method, decoded, arrived, 200, result=result))
        if rule is not None and rule.answer_delay is not None:
            await self._pause(rule.answer_delay)
        return 200, {"ok": True, "result": result}

    async def _run(self, method: str, params: RequestParams) -> Any:
        if method == "getUpdates":
            return await self.state.updates.get(
                offset=params.integer("offset"),
                limit=params.integer("limit"),
                wait_seconds=float(params.integer("timeout") or 0),
                allowed_updates=params.json_list("allowed_updates"),
            )
        return HANDLERS[method](self.state, params)

    def _flood_chat(self, method: str, params: RequestParams) -> int | None:
        """The chat a sending call counts against, if flood limits apply to it."""
        if self.flood_gate is None or method not in MESSAGE_SENDING_METHODS:
            return None
        try:
            chat = self.state.find_chat(params.chat_id())
        except ApiError:
            return None
        return chat.id if chat is not None else None

    def _record_error(
        self,
        method: str,
        params: dict[str, Any],
        arrived: float,
        error: ApiError,
        *,
        injected: bool = False,
    ) -> None:
        if error.status == 429:
            self.stats.too_many_requests += 1
        self._record(
            ApiCall(
                method,
                params,
                arrived,
                error.status,
                description=error.description,
                injected=injected,
            )
        )

    def _record(self, call: ApiCall) -> None:
        self.calls.append(call)
        for observer in self.observers:
            observer(call)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
