"""Plain messages in a private chat: a step of a conversation, or a message on a ticket.

A message goes to the ticket it replies to, else to the customer's active ticket. With no
open ticket (or a closed one), it is held and the customer is offered, with one tap, a new
ticket made from it: nothing anyone writes is ever dropped.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Update

from bot.context import DeskContext
from bot.handlers import intake, login
from bot.handlers.common import edit_keyboard, edit_text, say
from bot.inbound import (
    customer_actor,
    from_json,
    new_message_from,
    subject_from,
    to_json,
    unsupported_kind,
)
from bot.rendering import customer as texts
from bot.rendering.html import esc
from core.domain.actors import ChatRef
from core.errors import DuplicateMessage, InvalidInput, TicketClosed, TicketNotFound
from core.views import Conversation, TicketView

OFFER = "offer"
COMMENT = "comment"
MAX_HELD = 50
MAX_AGE = {
    intake.FLOW: timedelta(days=1),
    login.FLOW: timedelta(minutes=5),
    COMMENT: timedelta(minutes=10),
    OFFER: timedelta(days=1),
}


async def current_conversation(context: DeskContext, chat_id: int) -> Conversation | None:
    """Return the chat's conversation unless it has gone stale."""
    return await _fresh(context, await context.desk.conversations.get(chat_id))


async def _fresh(context: DeskContext, conversation: Conversation | None) -> Conversation | None:
    if conversation is None:
        return None
    age = context.desk.clock.now() - conversation.updated_at
    if age > MAX_AGE.get(conversation.flow, timedelta(days=1)):
        await context.desk.conversations.clear(conversation.chat_id)
        return None
    return conversation


async def on_private_message(update: Update, context: DeskContext) -> None:
    """Route a plain (non-command) private message."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None:
        return
    replied = message.reply_to_message
    where = await context.desk.queries.private_context(
        user.id, reply_to=ChatRef(chat.id, replied.message_id) if replied else None
    )
    conversation = await _fresh(context, where.conversation)
    if conversation is not None:
        if conversation.flow == login.FLOW:
            await login.on_step(update, context, conversation)
            return
        if conversation.flow == intake.FLOW:
            await intake.on_step(update, context, conversation)
            return
        if conversation.flow == COMMENT and message.text:
            await _take_comment(update, context, conversation)
            return
    if where.agent is not None:
        await say(
            update,
            f"You are logged in as agent <b>{esc(where.agent.username)}</b>, so I do not open "
            "tickets for you. Use /reply 12 text to answer a customer, /queue to see tickets, "
            "or /logout to write as a customer.",
        )
        return
    await route_to_ticket(update, context, conversation, where.ticket)


async def route_to_ticket(
    update: Update,
    context: DeskContext,
    conversation: Conversation | None,
    ticket: TicketView | None,
) -> None:
    """Add the message to its ticket, or hold it and offer a new ticket."""
    message = update.effective_message
    if message is None:
        return
    kind = unsupported_kind(message)
    if kind is not None:
        await say(
            update,
            f"I cannot pass on {kind}. Send text, a photo, a file, a voice message or a sticker.",
        )
        return
    if conversation is not None and conversation.flow == OFFER:
        await _hold(update, context, conversation.data.get("follow_up_of"), conversation)
        return
    if ticket is None or ticket.is_closed:
        await _hold(update, context, ticket.number if ticket else None, None)
        return
    await _post(update, context, ticket)


async def _post(update: Update, context: DeskContext, ticket: TicketView) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    try:
        posted = await context.desk.messages.send_message(
            customer_actor(user), ticket.number, new_message_from(message)
        )
    except TicketClosed:
        await _hold(update, context, ticket.number, None)
    except DuplicateMessage:
        pass  # delivered twice by Telegram; stored once already
    except InvalidInput as exc:
        await say(update, f"⚠️ {esc(str(exc))}")
    else:
        if posted.reopened:
            await say(
                update, f"↩️ Ticket <b>#{ticket.number}</b> is open again; we will get back to you."
            )


async def _hold(
    update: Update,
    context: DeskContext,
    follow_up_of: int | None,
    conversation: Conversation | None,
) -> None:
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    data: dict[str, Any] = dict(conversation.data) if conversation else {"held": [], "albums": []}
    held: list[dict[str, Any]] = list(data.get("held", []))
    if len(held) >= MAX_HELD:
        await say(
            update,
            f"I am holding {MAX_HELD} messages for you already. Tap “Open a ticket” above first.",
        )
        return
    held.append(to_json(new_message_from(message)))
    albums: list[str] = list(data.get("albums", []))
    first_of_album = message.media_group_id is None or message.media_group_id not in albums
    if message.media_group_id:
        albums.append(message.media_group_id)
    data.update(held=held, albums=albums, follow_up_of=follow_up_of)
    await context.desk.conversations.set(chat.id, OFFER, "confirm", data)
    if not first_of_album:
        return
    if conversation is None:
        await say(update, texts.offer_text(follow_up_of=follow_up_of), texts.offer_keyboard())
    else:
        await say(update, "Added. Tap “Open a ticket” above to send everything you wrote.")


async def open_from_offer(update: Update, context: DeskContext, *, accept: bool) -> str:
    """Take the offer's button: open the ticket from the held messages, or discard them."""
    chat, user, query = update.effective_chat, update.effective_user, update.callback_query
    if chat is None or user is None or query is None:
        return ""
    conversation = await current_conversation(context, chat.id)
    if conversation is None or conversation.flow != OFFER:
        await edit_keyboard(query, None)
        return "This offer has expired. Just write again."
    await context.desk.conversations.clear(chat.id)
    if not accept:
        await edit_text(query, "✖️ Discarded. Write any time to open a ticket.")
        return "Discarded"
    parts = [from_json(item) for item in conversation.data.get("held", [])]
    follow_up_of = conversation.data.get("follow_up_of")
    subject = subject_from(parts, context.desk.config.subject_max_length)
    try:
        ticket = await context.desk.tickets.report_ticket(
            customer_actor(user), subject, parts, follow_up_of=follow_up_of
        )
    except (DuplicateMessage, TicketNotFound, InvalidInput) as exc:
        await edit_text(query, f"⚠️ {esc(str(exc))}")
        return "Not opened"
    await edit_text(query, f"📝 Opening ticket #{ticket.number}…")
    return f"Ticket #{ticket.number} opened"


async def start_comment(context: DeskContext, chat_id: int, number: int) -> None:
    """Wait for an optional comment on a rating."""
    await context.desk.conversations.set(chat_id, COMMENT, "comment", {"ticket": number})


async def _take_comment(update: Update, context: DeskContext, conversation: Conversation) -> None:
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
