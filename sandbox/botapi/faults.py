"""Fault injection: make chosen calls fail, hang or answer late.

A rule matches calls by method and chat (and optionally a predicate over the decoded
parameters) and fires for its next ``times`` matches. Three kinds of faults:

* ``status=...``: the call is refused with that error (429 adds ``retry_after``) and has no
  effect.
* ``hang=seconds``: the server holds the request that long and then answers
  ``status`` (504 Gateway Timeout by default). The call is dropped: nothing is sent or
  changed, as if Telegram never processed it; a client with a shorter read timeout sees a
  timeout.
* ``answer_delay=seconds``: the call is applied normally and only its answer is held back.
  A client that times out first will retry a call that did succeed: the duplicate case.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from sandbox.botapi.errors import DEFAULT_DESCRIPTIONS, ApiError, too_many_requests

HANG_STATUS = 504


@dataclass
class FaultRule:
    """One injected fault.

    Attributes:
        method: Bot API method to match (any case), or None for every method.
        chat_id: ``chat_id`` to match, or None for any chat.
        status: HTTP status to answer; None with ``answer_delay`` means "succeed late".
        retry_after: ``parameters.retry_after`` of a 429.
        description: Error description; a Telegram-like default per status otherwise.
        hang: Seconds to hold a dropped call before answering.
        answer_delay: Seconds to hold the answer of a call that was applied.
        remaining: Matches left before the rule retires (None: never retires).
        when: Extra predicate over the decoded parameters.
        hits: How many calls the rule has caught so far.
        methods: Methods to match besides ``method`` (any of them), or None.
    """

    method: str | None = None
    chat_id: int | str | None = None
    status: int | None = None
    retry_after: int | None = None
    description: str | None = None
    hang: float | None = None
    answer_delay: float | None = None
    remaining: int | None = 1
    when: Callable[[dict[str, Any]], bool] | None = None
    hits: int = 0
    methods: frozenset[str] | None = None

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        """Whether this rule catches a call of ``method`` with decoded ``params``."""
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method is not None and self.method.lower() != method.lower():
            return False
        if self.methods is not None and method not in self.methods:
            return False
        if self.chat_id is not None and str(params.get("chat_id")) != str(self.chat_id):
            return False
        return self.when is None or self.when(params)

    @property
    def refuses(self) -> bool:
        """The call is not applied (an error status or a hang)."""
        return self.status is not None or self.hang is not None

    def error(self) -> ApiError:
        """The error answer of a refused call."""
        status = self.status if self.status is not None else HANG_STATUS
        if status == 429:
            error = too_many_requests(self.retry_after if self.retry_after is not None else 1)
            if self.description:
                error.description = self.description
            return error
        description = self.description or DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
        return ApiError(status, description, retry_after=self.retry_after)


class FaultInjector:
    """The active fault rules, checked in the order they were added."""

    def __init__(self) -> None:
        """Start with no faults."""
        self.rules: list[FaultRule] = []

    def add(
        self,
        method: str | None = None,
        *,
        chat_id: int | str | None = None,
        status: int | None = None,
        retry_after: int | None = None,
        description: str | None = None,
        hang: float | None = None,
        answer_delay: float | None = None,
        times: int | None = 1,
        when: Callable[[dict[str, Any]], bool] | None = None,
        methods: Collection[str] | None = None,
    ) -> FaultRule:
        """Add a rule; see the module docstring for the kinds of faults.

        Args:
            method: Method to match, or None for all.
            chat_id: Chat to match, or None for all.
            status: Error status (400, 403, 429, 500, 502...).
            retry_after: Seconds for a 429 (default 1).
            description: Overrides the default error description.
            hang: Hold the request this long, then answer an error; the call is dropped.
            answer_delay: Apply the call, then hold the answer this long.
            times: How many matching calls to catch; None for all of them.
            when: Extra predicate over the decoded parameters.
            methods: Match only these methods (canonical names), e.g. every sending method.

        Returns:
            The rule, whose ``hits`` and ``remaining`` can be inspected.
        """
        if status is None and hang is None and answer_delay is None:
            raise ValueError("a fault needs a status, a hang or an answer_delay")
        if status == 429 and retry_after is None:
            retry_after = 1
        rule = FaultRule(
            method,
            chat_id,
            status,
            retry_after,
            description,
            hang,
            answer_delay,
            times,
            when,
            methods=frozenset(methods) if methods is not None else None,
        )
        self.rules.append(rule)
        return rule

    def take(self, method: str, params: dict[str, Any]) -> FaultRule | None:
        """The first rule matching this call, consuming one of its uses."""
        for rule in self.rules:
            if rule.matches(method, params):
                rule.hits += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                return rule
        return None

    def clear(self) -> None:
        """Remove every rule."""
        self.rules.clear()
