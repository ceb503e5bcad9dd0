"""How a failed send is settled: ``judge`` turns Telegram's errors into verdicts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.delivery.outcome import MAX_BACKOFF, Verdict, backoff, judge

SAMPLES = 200  # enough draws that the jitter's whole range shows up


@pytest.fixture(name="timedelta_periods", autouse=True)
def fixture_timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB 22's timedelta periods; reading ``retry_after`` as int warns otherwise."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


def delays(error: TelegramError, attempts: int) -> list[timedelta]:
    """The delays ``judge`` picks for the same failure, drawn many times."""
    return [judge(error, attempts).delay for _ in range(SAMPLES)]


class TestFloodLimit:
    @pytest.mark.parametrize("retry_after", [1, 5, 37, timedelta(seconds=12)])
    def test_retries_no_sooner_than_telegram_asks(self, retry_after: int | timedelta) -> None:
        error = RetryAfter(retry_after)
        wanted = (
            retry_after if isinstance(retry_after, timedelta) else timedelta(seconds=retry_after)
        )

        outcome = judge(error, attempts=0)

        assert outcome.verdict is Verdict.RETRY
        assert outcome.delay >= wanted
        assert outcome.delay <= wanted + timedelta(seconds=1)

    def test_the_wait_does_not_grow_with_attempts(self) -> None:
        first = judge(RetryAfter(5), attempts=0)
        tenth = judge(RetryAfter(5), attempts=10)

        assert first.delay == tenth.delay

    def test_reason_names_the_flood_limit(self) -> None:
        outcome = judge(RetryAfter(5), attempts=0)

        assert outcome.reason.startswith("flood limit: Flood control exceeded")


class TestForbidden:
    @pytest.mark.parametrize(
        "message",
        ["Forbidden: bot was blocked by the user", "Forbidden: user is deactivated"],
    )
    def test_a_customer_who_shut_the_bot_out_is_blocked(self, message: str) -> None:
        outcome = judge(Forbidden(message), attempts=0)

        assert outcome.verdict is Verdict.BLOCKED
        assert outcome.delay == timedelta(0)
        assert outcome.reason == message

    @pytest.mark.parametrize(
        "message",
        [
            "Forbidden: bot is not a member of the supergroup chat",
            "Forbidden: bot was kicked from the supergroup chat",
            "Forbidden: bot can't initiate conversation with a user",
        ],
    )
    def test_other_refusals_fail_for_good(self, message: str) -> None:
        outcome = judge(Forbidden(message), attempts=0)

        assert outcome.verdict is Verdict.FAILED
        assert outcome.delay == timedelta(0)


class TestBadRequest:
    @pytest.mark.parametrize(
        "message", ["Bad Request: message thread not found", "Bad Request: TOPIC_DELETED"]
    )
    def test_a_deleted_topic_is_topic_gone(self, message: str) -> None:
        assert judge(BadRequest(message), attempts=0).verdict is Verdict.TOPIC_GONE

    @pytest.mark.parametrize(
        "message",
        [
            "Bad Request: message is not modified: specified new message content and reply "
            "markup are exactly the same as a current content and reply markup of the message",
            "Bad Request: TOPIC_NOT_MODIFIED",
        ],
    )
    def test_an_edit_that_changes_nothing_is_done(self, message: str) -> None:
        assert judge(BadRequest(message), attempts=0).verdict is Verdict.DONE

    @pytest.mark.parametrize(
        "message",
        [
            'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0',
            "Bad Request: message is too long",
            "Bad Request: chat not found",
            "Bad Request: BUTTON_DATA_INVALID",
        ],
    )
    def test_other_bad_requests_fail_for_good(self, message: str) -> None:
        outcome = judge(BadRequest(message), attempts=3)

        assert outcome.verdict is Verdict.FAILED
        assert outcome.delay == timedelta(0)
        assert outcome.reason == str(BadRequest(message))


class TestTransientTrouble:
    @pytest.mark.parametrize(
        "error",
        [
            TimedOut(),
            NetworkError("httpx.ConnectError: connection refused"),
            NetworkError("Bad Gateway"),
            Conflict("terminated by other getUpdates request"),
            ChatMigrated(-1001234),
        ],
    )
    def test_is_retried_later(self, error: TelegramError) -> None:
        outcome = judge(error, attempts=0)

        assert outcome.verdict is Verdict.RETRY
        assert outcome.delay > timedelta(0)
        assert outcome.reason.startswith(type(error).__name__ + ": ")

    def test_first_retry_comes_after_about_a_second(self) -> None:
        assert all(
            timedelta(seconds=0.8) <= d <= timedelta(seconds=1.2)
            for d in delays(TimedOut(), attempts=0)
        )

    @pytest.mark.parametrize("attempts", range(8))
    def test_every_attempt_waits_longer_than_the_one_before(self, attempts: int) -> None:
        before = delays(NetworkError("down"), attempts)
        after = delays(NetworkError("down"), attempts + 1)

        assert min(after) > max(before)

    def test_backoff_levels_off_near_five_minutes(self) -> None:
        late = delays(TimedOut(), attempts=30)

        assert min(late) >= MAX_BACKOFF * 0.8
        assert max(late) <= MAX_BACKOFF * 1.2

    def test_a_thousand_attempts_still_get_a_capped_delay(self) -> None:
        assert backoff(1023) <= MAX_BACKOFF * 1.2

    def test_a_row_that_failed_1024_times_is_still_retried(self) -> None:
        outcome = judge(TimedOut(), attempts=1024)

        assert outcome.verdict is Verdict.RETRY
        assert outcome.delay <= MAX_BACKOFF * 1.2

    def test_backoff_never_exceeds_five_minutes(self) -> None:
        assert max(delays(TimedOut(), attempts=30)) <= MAX_BACKOFF
