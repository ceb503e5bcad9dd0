"""Refusals: the one place where a domain error becomes what the user reads.

Every ``DeskError`` already carries a complete sentence (in English, as core writes it);
here it is put in the reader's language where a translation exists
(``bot.rendering.desk_errors``), then gets its sign (a chat answer, in HTML) or stays plain
(the short alert of a button press).
"""

from __future__ import annotations

from bot.rendering.desk_errors import customer_error, staff_error
from bot.rendering.html import cut_graphemes, esc
from core.errors import AccountLocked, AuthenticationFailed, DeskError

_SIGNS: tuple[tuple[type[DeskError], str], ...] = (
    (AuthenticationFailed, "❌"),
    (AccountLocked, "🔒"),
)
_DEFAULT_SIGN = "⚠️"
REFUSAL_LIMIT = 1000
"""The longest refusal shown, in characters: a sentence may quote what was typed (a name, a
word), and that can be nearly a whole message long."""


def _kept_short(sentence: str) -> str:
    if len(sentence) <= REFUSAL_LIMIT:
        return sentence
    return cut_graphemes(sentence, REFUSAL_LIMIT - 1) + "…"


def answer_for(error: DeskError) -> str:
    """The chat answer (HTML) to a refused request: a sign, then the error's sentence."""
    sign = next((sign for kind, sign in _SIGNS if isinstance(error, kind)), _DEFAULT_SIGN)
    return f"{sign} {esc(_kept_short(customer_error(error)))}"


def staff_answer_for(error: DeskError) -> str:
    """``answer_for`` for agents: the sentence in ``STAFF_LANGUAGE``."""
    sign = next((sign for kind, sign in _SIGNS if isinstance(error, kind)), _DEFAULT_SIGN)
    return f"{sign} {esc(_kept_short(staff_error(error)))}"


def alert_for(error: DeskError) -> str:
    """The answer (plain text) to a refused button press: the error's sentence."""
    return _kept_short(customer_error(error))


def staff_alert_for(error: DeskError) -> str:
    """``alert_for`` for agents' buttons: the sentence in ``STAFF_LANGUAGE``."""
    return _kept_short(staff_error(error))
