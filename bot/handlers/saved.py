"""Saved replies sent by name: ``!name`` in a ticket's topic, ``/reply 12 !name`` in private."""

from __future__ import annotations

import re

from telegram import Update

from bot.context import DeskContext
from bot.handlers.common import say
from bot.rendering.html import esc
from bot.rendering.refusals import staff_answer_for
from core.domain.actors import Actor, ChatRef
from core.errors import DeskError, DuplicateMessage
from core.views import PostedMessages

SAVED_NAME = re.compile(r"^!([A-Za-z0-9][A-Za-z0-9_\-]{0,31})$")


async def send_saved(
    update: Update, context: DeskContext, actor: Actor, number: int, name: str
) -> PostedMessages | None:
    """Send a saved reply on a ticket; say what went wrong if it did not go."""
    message = update.effective_message
    if message is None:
        return None
    try:
        return await context.desk.saved_replies.send(
            actor,
            number,
            name,
            escape=esc,
            origin=ChatRef(message.chat.id, message.message_id),
        )
    except DuplicateMessage:
        return None
    except DeskError as exc:
        await say(update, staff_answer_for(exc))
        return None


def saved_name_in(text: str | None) -> str | None:
    """The name in a message that is only ``!name``; None for anything else."""
    found = SAVED_NAME.match((text or "").strip())
    return found.group(1) if found else None
