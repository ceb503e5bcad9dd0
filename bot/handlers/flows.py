"""Where a private chat's conversation stands, and how long each kind of step stays open."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Message

from bot.context import DeskContext
from core.views import Conversation

INTAKE = "intake"
LOGIN = "login"
OFFER = "offer"

MAX_AGE = {
    INTAKE: timedelta(days=1),
    LOGIN: timedelta(minutes=5),
    OFFER: timedelta(days=1),
}
PASSWORD_GUARD = timedelta(days=1)
"""After a login asked for the password, the next message is treated as one (and deleted)
for this long, even when the login itself has timed out."""


def is_stale(context: DeskContext, conversation: Conversation) -> bool:
    """Tell whether a conversation has waited longer than its kind allows."""
    age = context.desk.clock.now() - conversation.updated_at
    return age > MAX_AGE.get(conversation.flow, timedelta(days=1))


async def current(context: DeskContext, chat_id: int) -> Conversation | None:
    """The chat's conversation, unless it has gone stale (then it is ended)."""
    return await fresh(context, await context.desk.conversations.get(chat_id))


async def fresh(context: DeskContext, conversation: Conversation | None) -> Conversation | None:
    """The conversation unless stale or of a flow this version does not know.

    A login waiting for a password is kept for a day.
    """
    if conversation is None:
        return None
    if conversation.flow == LOGIN and conversation.step == "password":
        age = context.desk.clock.now() - conversation.updated_at
        if age <= PASSWORD_GUARD:
            return conversation  # the login step itself tells a late password apart
    if conversation.flow not in MAX_AGE or is_stale(context, conversation):
        # A flow this version no longer has (a rating comment once waited here) ends too.
        await context.desk.conversations.clear(conversation.chat_id)
        return None
    return conversation


def already_seen(conversation: Conversation, message: Message) -> bool:
    """Tell whether this message was taken by the conversation before (a repeated update)."""
    return message.message_id <= int(conversation.data.get("last_message_id", -1))


def consumed(data: dict[str, Any], message: Message | None) -> dict[str, Any]:
    """The conversation's data, noting which message was taken last."""
    if message is None:
        return data
    return {**data, "last_message_id": message.message_id}
