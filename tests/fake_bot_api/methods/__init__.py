"""The Bot API methods the fake server answers, one handler each.

A handler takes the shared :class:`~tests.fake_bot_api.state.BotApiState` and the call's
:class:`~tests.fake_bot_api.params.RequestParams`, returns the ``result`` and raises
:class:`~tests.fake_bot_api.errors.ApiError` to refuse. Handlers are synchronous, so a call
is applied all at once. ``getUpdates`` waits, and is served by the server itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.fake_bot_api.methods.chats import CHAT_HANDLERS
from tests.fake_bot_api.methods.copying import COPYING_HANDLERS
from tests.fake_bot_api.methods.editing import EDITING_HANDLERS
from tests.fake_bot_api.methods.sending import SENDING_HANDLERS
from tests.fake_bot_api.methods.topics import TOPIC_HANDLERS
from tests.fake_bot_api.params import RequestParams
from tests.fake_bot_api.state import BotApiState

Handler = Callable[[BotApiState, RequestParams], Any]

HANDLERS: dict[str, Handler] = {
    **CHAT_HANDLERS,
    **SENDING_HANDLERS,
    **COPYING_HANDLERS,
    **EDITING_HANDLERS,
    **TOPIC_HANDLERS,
}
"""Every method by its Bot API name."""

MESSAGE_SENDING_METHODS = frozenset(
    name for name in (*SENDING_HANDLERS, *COPYING_HANDLERS) if name != "sendChatAction"
)
"""Methods that post messages: these count against flood limits (one call, one message)."""

_BY_LOWER_NAME = {name.lower(): name for name in HANDLERS}


def canonical_method_name(name: str) -> str | None:
    """The Bot API spelling of a method name (Telegram ignores case), or None if unknown."""
    if name.lower() == "getupdates":
        return "getUpdates"
    return _BY_LOWER_NAME.get(name.lower())


__all__ = ["HANDLERS", "MESSAGE_SENDING_METHODS", "Handler", "canonical_method_name"]
