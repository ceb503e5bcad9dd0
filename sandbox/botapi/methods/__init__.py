"""The Bot API methods the fake server answers, one handler each.

A handler takes the shared :class:`~sandbox.botapi.state.BotApiState` and the call's
:class:`~sandbox.botapi.params.RequestParams`, returns the ``result`` and raises
:class:`~sandbox.botapi.errors.ApiError` to refuse. Handlers are synchronous, so a call
is applied all at once. ``getUpdates`` waits, and is served by the server itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.botapi.methods.chats import CHAT_HANDLERS
from sandbox.botapi.methods.copying import COPYING_HANDLERS
from sandbox.botapi.methods.editing import EDITING_HANDLERS
from sandbox.botapi.methods.reactions import REACTION_HANDLERS
from sandbox.botapi.methods.sending import SENDING_HANDLERS
from sandbox.botapi.methods.topics import TOPIC_HANDLERS
from sandbox.botapi.params import RequestParams
from sandbox.botapi.state import BotApiState

Handler = Callable[[BotApiState, RequestParams], Any]

HANDLERS: dict[str, Handler] = {
    **CHAT_HANDLERS,
    **SENDING_HANDLERS,
    **COPYING_HANDLERS,
    **EDITING_HANDLERS,
    **TOPIC_HANDLERS,
    **REACTION_HANDLERS,
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
