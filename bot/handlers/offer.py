"""Messages written with no open ticket: held, and turned into a ticket with one tap."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.context import DeskContext
from bot.handlers import flows, human_check
from bot.handlers.common import edit_keyboard, edit_text, say
from bot.inbound import customer_actor, from_json, new_message_from, subject_from, to_json
from bot.rendering import customer as texts
from bot.rendering.html import esc
from core.errors import DuplicateMessage, InvalidInput, TicketNotFound
from core.views import Conversation

MAX_HELD = 50


async def hold(
    update: Update,
    context: DeskContext,
    follow_up_of: int | None,
    conversation: Conversation | None,
) -> None:
    """Keep the message for a ticket not yet opened, and offer to open it."""
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
    new = to_json(new_message_from(message))
    if any(item.get("origin") == new["origin"] for item in held):
        return  # Telegram delivered this update again; it is held already
    held.append(new)
    albums: list[str] = list(data.get("albums", []))
    first_of_album = message.media_group_id is None or message.media_group_id not in albums
    if message.media_group_id:
        albums.append(message.media_group_id)
    data.update(held=held, albums=albums, follow_up_of=follow_up_of)
    await context.desk.conversations.set(
        chat.id, flows.OFFER, "confirm", flows.consumed(data, message)
    )
    if not first_of_album:
        return
    if conversation is None:
        await say(update, texts.offer_text(follow_up_of=follow_up_of), texts.offer_keyboard())
    else:
        await say(update, "Added. Tap “Open a ticket” above to send everything you wrote.")


async def remind(update: Update, conversation: Conversation) -> None:
    """Point at the held messages when something else would throw them away."""
    count = len(conversation.data.get("held", []))
    noun = "message is" if count == 1 else "messages are"
    await say(
        update,
        f"{count} {noun} waiting to become a ticket. Open it or discard first:",
        texts.offer_keyboard(),
    )


async def open_from_offer(update: Update, context: DeskContext, *, accept: bool) -> str:
    """Take the offer's button: open the ticket from the held messages, or discard them."""
    chat, user, query = update.effective_chat, update.effective_user, update.callback_query
    if chat is None or user is None or query is None:
        return ""
    conversation = await flows.current(context, chat.id)
    if conversation is None or conversation.flow != flows.OFFER:
        await edit_keyboard(query, None)
        return "This offer has expired. Just write again."
    if not accept:
        await context.desk.conversations.clear(chat.id)
        await edit_text(query, "✖️ Discarded. Write any time to open a ticket.")
        return "Discarded"
    parts = [from_json(item) for item in conversation.data.get("held", [])]
    follow_up_of = conversation.data.get("follow_up_of")
    subject = subject_from(parts, context.desk.config.subject_max_length)
    try:
        ticket = await context.desk.tickets.report_ticket(
            customer_actor(user), subject, parts, follow_up_of=follow_up_of
        )
    except DuplicateMessage:
        # Opened already (a second tap, or a crash after the ticket was made).
        await context.desk.conversations.clear(chat.id)
        await edit_text(query, "📝 Your ticket is open already; /my lists it.")
        return "Already open"
    except (TicketNotFound, InvalidInput) as exc:
        await edit_text(query, f"⚠️ {esc(str(exc))}")
        return "Not opened"
    await context.desk.conversations.clear(chat.id)  # only now: nothing held is ever lost
    waits = await human_check.ask_if_waiting(update, context, ticket.number)
    await edit_text(query, f"📝 {'Saved' if waits else 'Opening'} ticket #{ticket.number}…")
    return f"Ticket #{ticket.number} opened"
