"""The optional comment after a rating."""

from __future__ import annotations

from telegram import Update

from bot.context import DeskContext
from bot.handlers import flows
from bot.handlers.common import say
from bot.inbound import customer_actor
from bot.rendering.html import esc
from core.errors import InvalidInput, TicketNotFound
from core.views import Conversation


async def start(context: DeskContext, chat_id: int, number: int) -> bool:
    """Wait for a comment on a rating, unless another conversation is going on."""
    if await flows.current(context, chat_id) is not None:
        return False
    await context.desk.conversations.set(chat_id, flows.COMMENT, "comment", {"ticket": number})
    return True


async def take(update: Update, context: DeskContext, conversation: Conversation) -> None:
    """Add the text as the rating's comment."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or not message.text:
        return
    number = int(conversation.data.get("ticket", 0))
    await context.desk.conversations.clear(conversation.chat_id)
    try:
        await context.desk.tickets.rate_ticket(customer_actor(user), number, None, message.text)
    except (InvalidInput, TicketNotFound) as exc:
        await say(update, f"⚠️ {esc(str(exc))}")
        return
    await say(update, "🙏 Thank you, your comment was added.")
