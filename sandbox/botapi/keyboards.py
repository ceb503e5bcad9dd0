"""Checks on ``reply_markup`` and the button lookups used by simulated presses."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from sandbox.botapi.errors import bad_request

MAX_CALLBACK_DATA_BYTES = 64
BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
REPLY_MARKUP_KINDS = frozenset({"inline_keyboard", "keyboard", "remove_keyboard", "force_reply"})


def checked_reply_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Validate ``reply_markup`` like Telegram and return what the sent Message echoes.

    Only inline keyboards are echoed in the resulting Message; reply keyboards, keyboard
    removal and force-reply are accepted but not part of the Message object.

    Raises:
        ApiError: 400 ``BUTTON_DATA_INVALID`` for callback data of 0 or more than 64 bytes,
            and the other keyboard errors Telegram gives for malformed markup.
    """
    if markup is None:
        return None
    if not REPLY_MARKUP_KINDS & markup.keys():
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard markup JSON object")
    for row in rows:
        for button in row:
            _check_inline_button(button)
    return copy.deepcopy({"inline_keyboard": rows})


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Text must be a String")
    if not button["text"]:
        raise bad_request("BUTTON_TEXT_EMPTY")
    actions = BUTTON_ACTIONS & button.keys()
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if "callback_data" in button:
        size = len(str(data).encode("utf-8"))
        if not isinstance(data, str) or size == 0 or size > MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not str(button["url"]).startswith(("http://", "https://", "tg://")):
        raise bad_request("BUTTON_URL_INVALID")


def inline_buttons(message: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every button of a message's inline keyboard, row by row."""
    markup = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        yield from row
