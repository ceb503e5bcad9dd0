"""Messages written with no open ticket: held, and turned into a ticket with one tap."""

from __future__ import annotations

from telegram import Update

from bot.context import DeskContext
from bot.handlers import flows, human_check
from bot.handlers.common import edit_keyboard, edit_text, say
from bot.i18n import _, ngettext
from bot.inbound import customer_actor, new_message_from, subject_from
from bot.rendering import customer as texts
from bot.rendering.refusals import answer_for
from core.errors import DuplicateMessage, InvalidInput, TicketNotFound
from core.flows.states import OfferState

MAX_HELD = 50


async def hold(
    update: Update,
    context: DeskContext,
    follow_up_of: int | None,
    offered: OfferState | None,
) -> None:
    """Keep the message for a ticket not yet opened, and offer to open it.

    Args:
        follow_up_of: the closed ticket a new one would follow up, if any.
        offered: the messages held already, or None when this is the first one.
    """
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    state = offered or OfferState()
    if len(state.held) >= MAX_HELD:
        await say(
            update,
            _(
                "I am holding {count} messages for you already. Tap “Open a ticket” above first."
            ).format(count=MAX_HELD),
        )
        return
    new = new_message_from(message)
    if any(item.origin == new.origin for item in state.held):
        return  # Telegram delivered this update again; it is held already
    album = message.media_group_id
    first_of_album = album is None or album not in state.albums
    held = OfferState(
        held=(*state.held, new),
        albums=(*state.albums, album) if album else state.albums,
        follow_up_of=follow_up_of,
        last_message_id=state.last_message_id,
    )
    await context.desk.conversations.set(chat.id, flows.consumed(held, message))
    if not first_of_album:
        return
    if offered is None:
        await say(update, texts.offer_text(follow_up_of=follow_up_of), texts.offer_keyboard())
    else:
        await say(update, _("Added. Tap “Open a ticket” above to send everything you wrote."))


async def remind(update: Update, offered: OfferState) -> None:
    """Point at the held messages when something else would throw them away."""
    count = len(offered.held)
    await say(
        update,
        ngettext(
            "{count} message is waiting to become a ticket. Open it or discard first:",
            "{count} messages are waiting to become a ticket. Open it or discard first:",
            count,
        ).format(count=count),
        texts.offer_keyboard(),
    )


async def open_from_offer(update: Update, context: DeskContext, *, accept: bool) -> str:
    """Take the offer's button: open the ticket from the held messages, or discard them."""
    chat, user, query = update.effective_chat, update.effective_user, update.callback_query
    if chat is None or user is None or query is None:
        return ""
    conversation = await flows.current(context, chat.id)
    offered = conversation.state if conversation is not None else None
    if not isinstance(offered, OfferState):
        await edit_keyboard(query, None)
        return _("This offer has expired. Just write again.")
    if not accept:
        await context.desk.conversations.clear(chat.id)
        await edit_text(query, _("✖️ Discarded. Write any time to open a ticket."))
        return _("Discarded")
    parts = list(offered.held)
    follow_up_of = offered.follow_up_of
    subject = subject_from(parts, context.desk.config.subject_max_length)
    try:
        ticket = await context.desk.tickets.report_ticket(
            customer_actor(user), subject, parts, follow_up_of=follow_up_of
        )
    except DuplicateMessage:
        # Opened already (a second tap, or a crash after the ticket was made).
        await context.desk.conversations.clear(chat.id)
        await edit_text(query, _("📝 Your ticket is open already; /my lists it."))
        return _("Already open")
    except (TicketNotFound, InvalidInput) as exc:
        await edit_text(query, answer_for(exc))
        return _("Not opened")
    await context.desk.conversations.clear(chat.id)  # only now: nothing held is ever lost
    waits = await human_check.ask_if_waiting(update, context, ticket.number)
    opening = _("📝 Saved ticket #{number}…") if waits else _("📝 Opening ticket #{number}…")
    await edit_text(query, opening.format(number=ticket.number))
    return _("Ticket #{number} opened").format(number=ticket.number)
