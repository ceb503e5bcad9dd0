"""Refusals: a domain error becomes the answer the user reads, the same way everywhere."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.rendering.refusals import REFUSAL_LIMIT, alert_for, answer_for
from core.errors import (
    AccountLocked,
    AgentNotFound,
    AuthenticationFailed,
    DeskError,
    InvalidInput,
    TicketClosed,
    TicketNotFound,
)
from sandbox.botapi import parse_html


class TestAnswerFor:
    @pytest.mark.parametrize(
        ("error", "answer"),
        [
            (TicketNotFound(12), "⚠️ Ticket #12 was not found."),
            (TicketClosed(12), "⚠️ Ticket #12 is closed."),
            (AuthenticationFailed(), "❌ Wrong username or password."),
            (
                AccountLocked(datetime(2026, 1, 2, 3, 4, tzinfo=UTC)),
                "🔒 Too many failed logins. Try again after 03:04 UTC (2026-01-02).",
            ),
        ],
    )
    def test_the_answer_is_a_sign_and_the_errors_sentence(
        self, error: DeskError, answer: str
    ) -> None:
        assert answer_for(error) == answer

    def test_the_sentence_cannot_break_the_html(self) -> None:
        error = InvalidInput("No category <b>“Billing & co”</b>.")

        text = parse_html(answer_for(error)).text

        assert text == "⚠️ No category <b>“Billing & co”</b>."

    def test_a_sentence_quoting_a_huge_argument_is_cut_short(self) -> None:
        error = AgentNotFound("<&>" * 1400)

        text = parse_html(answer_for(error)).text

        assert text.startswith("⚠️ No agent is called '<&><&>")
        assert len(text) == len("⚠️ ") + REFUSAL_LIMIT
        assert text.endswith("…")


class TestAlertFor:
    def test_a_button_alert_is_the_plain_sentence(self) -> None:
        assert alert_for(InvalidInput("Billing & <co>")) == "Billing & <co>"
