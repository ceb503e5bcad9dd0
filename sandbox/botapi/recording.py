"""What the server saw: every API call with its answer, and delivery counters."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ApiCall:
    """One request to the Bot API and how it was answered.

    Attributes:
        method: Bot API method name (canonical spelling, e.g. ``sendMessage``).
        params: Parameters with JSON values decoded (uploads as ``UploadedFile``).
        at: When it arrived, in ``time.monotonic()`` seconds.
        status: HTTP status of the answer (200 on success).
        result: The ``result`` of a successful answer.
        description: The error description of a failed answer.
        injected: The answer came from an injected fault or a flood limit.
    """

    method: str
    params: dict[str, Any]
    at: float
    status: int
    result: Any = None
    description: str | None = None
    injected: bool = False

    @property
    def ok(self) -> bool:
        """The call succeeded."""
        return self.status == 200

    def summary(self) -> str:
        """One line for failure messages."""
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        if len(params) > 120:
            params = params[:117] + "..."
        outcome = "ok" if self.ok else f"{self.status} {self.description}"
        return f"{self.method}({params}) -> {outcome}"


@dataclass
class DeliveryStats:
    """Counters for benchmarks.

    Attributes:
        calls_by_method: Requests per method, whatever their outcome.
        too_many_requests: 429 answers (flood limits and injected).
        messages_by_chat: Messages the bot got delivered, per chat (an album counts each item).
    """

    calls_by_method: Counter[str] = field(default_factory=Counter)
    too_many_requests: int = 0
    messages_by_chat: dict[int, int] = field(default_factory=dict)

    @property
    def messages_delivered(self) -> int:
        """Messages delivered in all chats."""
        return sum(self.messages_by_chat.values())

    def to_json(self) -> dict[str, Any]:
        """The counters as JSON (for the control endpoint)."""
        return {
            "calls_by_method": dict(self.calls_by_method),
            "too_many_requests": self.too_many_requests,
            "messages_by_chat": {str(k): v for k, v in self.messages_by_chat.items()},
            "messages_delivered": self.messages_delivered,
        }
