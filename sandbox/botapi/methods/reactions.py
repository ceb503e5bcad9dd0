"""setMessageReaction: the bot puts (or takes off) its reaction on a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.botapi.errors import bad_request
from sandbox.botapi.params import RequestParams
from sandbox.botapi.state import ApiObject, BotApiState

MAX_BOT_REACTIONS = 1
"""A bot (not Premium) sets at most one reaction per message."""


def set_message_reaction(state: BotApiState, params: RequestParams) -> bool:
    """setMessageReaction: replace the bot's reactions on a message (an empty list removes).

    Refused like Telegram: a missing message, a service message, more than one reaction, a
    reaction type that is not ``emoji``, ``custom_emoji`` or ``paid``.
    """
    chat = state.chat_to_write(params.chat_id())
    message = state.message(chat.id, params.required_integer("message_id"))
    if message is None:
        raise bad_request("message to react not found")
    if message.is_service:
        raise bad_request("MESSAGE_NOT_MODIFIED")
    reaction = params.json_list("reaction") or []
    if len(reaction) > MAX_BOT_REACTIONS:
        raise bad_request("REACTIONS_TOO_MANY")
    for kind in reaction:
        if not isinstance(kind, dict) or kind.get("type") not in {
            "emoji",
            "custom_emoji",
            "paid",
        }:
            raise bad_request("REACTION_INVALID")
        if kind["type"] == "emoji" and not kind.get("emoji"):
            raise bad_request("REACTION_INVALID")
    reactions: list[ApiObject] = [dict(kind) for kind in reaction]
    state.reactions[(chat.id, message.message_id, state.bot.id)] = reactions
    return True


REACTION_HANDLERS: dict[str, Callable[[BotApiState, RequestParams], Any]] = {
    "setMessageReaction": set_message_reaction,
}
