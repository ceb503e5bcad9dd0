"""How a failed send is settled: retry later, give up, or treat as done."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.ratelimit import retry_wait

MAX_BACKOFF = timedelta(minutes=5)


class Verdict(Enum):
    """What to do with the rows of a failed send."""

    RETRY = "retry"  # try again after a delay; the lane waits
    FAILED = "failed"  # give up for good (the chat refuses us, the request can never work)
    DONE = "done"  # the wanted effect is already there ("message is not modified")
    TOPIC_GONE = "topic gone"  # the ticket's topic was deleted: make it again, then retry
    BLOCKED = "blocked"  # the customer blocked the bot


@dataclass(frozen=True, slots=True)
class Outcome:
    """A verdict with the delay before a retry and a line for the logs and the row."""

    verdict: Verdict
    delay: timedelta = timedelta(0)
    reason: str = ""


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: about 1 s, 2 s, 4 s ... never more than five minutes."""
    cap = MAX_BACKOFF.total_seconds()
    seconds = 2.0 ** min(max(attempts, 0), 20) * random.uniform(0.8, 1.2)  # jitter, not crypto
    return timedelta(seconds=min(seconds, cap))


def judge(error: TelegramError, attempts: int) -> Outcome:
    """Decide how to settle rows whose send raised ``error``."""
    text = str(error)
    lowered = text.lower()
    if isinstance(error, RetryAfter):
        wait = retry_wait(error) + timedelta(milliseconds=100)
        return Outcome(Verdict.RETRY, wait, f"flood limit: {text}")
    if isinstance(error, Forbidden):
        blocked = "blocked" in lowered or "deactivated" in lowered
        return Outcome(Verdict.BLOCKED if blocked else Verdict.FAILED, reason=text)
    if isinstance(error, BadRequest):
        return Outcome(_bad_request_verdict(lowered), reason=text)
    # Timeouts, network trouble, 5xx, and anything unexpected (InvalidToken, Conflict): keep
    # the row and try again later; never drop it.
    return Outcome(Verdict.RETRY, backoff(attempts), f"{type(error).__name__}: {text}")


def _bad_request_verdict(lowered: str) -> Verdict:
    if "message thread not found" in lowered or "topic_deleted" in lowered:
        return Verdict.TOPIC_GONE
    if "message is not modified" in lowered or "topic_not_modified" in lowered:
        return Verdict.DONE
    return Verdict.FAILED
