"""Where a private chat's conversation stands, and how long each kind of step stays open."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TypeVar

from telegram import Message

from bot.context import DeskContext
from core.flows.states import Flow, FlowState, LoginState, LoginStep, UnknownFlow
from core.views import Conversation

MAX_AGE = {
    Flow.INTAKE: timedelta(days=1),
    Flow.LOGIN: timedelta(minutes=5),
    Flow.OFFER: timedelta(days=1),
}
PASSWORD_GUARD = timedelta(days=1)
"""After a login asked for the password, the next message is treated as one (and deleted)
for this long, even when the login itself has timed out."""

State = TypeVar("State", bound=FlowState)


def is_stale(context: DeskContext, conversation: Conversation) -> bool:
    """Tell whether a conversation has waited longer than its kind allows."""
    age = context.desk.clock.now() - conversation.updated_at
    flow = conversation.flow
    return age > (MAX_AGE[flow] if flow is not None else timedelta(days=1))


async def current(context: DeskContext, chat_id: int) -> Conversation | None:
    """The chat's conversation, unless it has gone stale (then it is ended)."""
    return await fresh(context, await context.desk.conversations.get(chat_id))


async def fresh(context: DeskContext, conversation: Conversation | None) -> Conversation | None:
    """The conversation unless stale or of a flow this version does not know.

    A login waiting for a password is kept for a day.
    """
    if conversation is None:
        return None
    state = conversation.state
    if isinstance(state, LoginState) and state.step is LoginStep.PASSWORD:
        age = context.desk.clock.now() - conversation.updated_at
        if age <= PASSWORD_GUARD:
            return conversation  # the login step itself tells a late password apart
    if isinstance(state, UnknownFlow) or is_stale(context, conversation):
        # A flow this version no longer has (a rating comment once waited here) ends too.
        await context.desk.conversations.clear(conversation.chat_id)
        return None
    return conversation


def already_seen(state: FlowState, message: Message) -> bool:
    """Tell whether this message was taken by the conversation before (a repeated update)."""
    taken = state.last_message_id
    return taken is not None and message.message_id <= taken


def consumed(state: State, message: Message | None) -> State:
    """The conversation's state, noting which message was taken last."""
    if message is None:
        return state
    return replace(state, last_message_id=message.message_id)
