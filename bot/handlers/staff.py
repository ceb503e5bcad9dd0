"""The staff chat: agents' messages in a ticket's topic go to the customer; /note stays.

In a forum, a ticket is its topic. In a group without topics, replying to any bot message of
a ticket (its card, a copy, an event line) routes the same way.
"""

from __future__ import annotations

import re

from telegram import Message, Update

from bot.context import DeskContext
from bot.handlers.common import agent_actor, answers_staff_refusals, say
from bot.handlers.saved import saved_name_in, send_saved
from bot.i18n import N_
from bot.i18n import staff_gettext as _
from bot.inbound import attachment_of, command_argument, new_message_from, unsupported_kind
from bot.rendering import staff as staff_text
from bot.rendering.agent_tools import topic_link
from bot.rendering.refusals import staff_answer_for
from core.domain.actors import Actor, ChatRef, NewMessage
from core.errors import DuplicateMessage, TicketClosed
from core.views import TicketView


async def ticket_of(context: DeskContext, message: Message, actor: Actor) -> TicketView | None:
    """Find the ticket a staff-chat message belongs to (its topic, or what it replies to)."""
    if context.staff.is_forum:
        # In a forum a ticket is its topic; the general topic is team talk, even a reply to
        # a bot message about a ticket there (an SLA alert) never reaches a customer.
        if message.is_topic_message and message.message_thread_id:
            return await context.desk.queries.ticket_for_topic(actor, message.message_thread_id)
        return None
    replied = message.reply_to_message
    if replied is not None and replied.forum_topic_created is None:
        return await context.desk.queries.ticket_for_reference(
            actor, ChatRef(message.chat.id, replied.message_id)
        )
    return None


def _moved_on(context: DeskContext, message: Message, ticket: TicketView) -> bool:
    """Tell whether a message in a topic belongs to another ticket's (it was merged there)."""
    return bool(
        context.staff.is_forum
        and message.message_thread_id
        and ticket.staff_topic_id != message.message_thread_id
    )


async def _say_moved_on(update: Update, context: DeskContext, ticket: TicketView) -> None:
    link = topic_link(context.staff.chat_id, ticket.staff_topic_id)
    await say(update, staff_text.routed_to_merged(ticket.number, link))


def _is_about_a_ticket(context: DeskContext, message: Message) -> bool:
    if context.staff.is_forum:
        return bool(message.is_topic_message)
    replied = message.reply_to_message
    return (
        replied is not None
        and replied.from_user is not None
        and replied.from_user.id == context.bot.id
    )


@answers_staff_refusals
async def on_staff_message(update: Update, context: DeskContext) -> None:
    """Relay a logged-in agent's message in a ticket's topic to the customer."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or user.is_bot:
        return
    actor = await agent_actor(update, context)
    if actor is None:
        await _hint_once(update, context, message)
        return
    ticket = await ticket_of(context, message, actor)
    if ticket is None:
        return  # team talk outside any ticket
    if await _caption_command_taken(update, context, actor, message, ticket):
        return
    kind = unsupported_kind(message)
    if kind is not None:
        await say(update, _("⚠️ I cannot relay {kind} to the customer.").format(kind=_(kind)))
        return
    saved = saved_name_in(message.text)
    if saved is not None:  # "!name": a saved reply, filled in, to the customer
        await send_saved(update, context, actor, ticket.number, saved)
        return
    await _relay(update, context, actor, message, ticket)


async def _relay(
    update: Update, context: DeskContext, actor: Actor, message: Message, ticket: TicketView
) -> None:
    """Send an agent's message on ``ticket``, saying so when it went to a merged-into one."""
    moved_on = _moved_on(context, message, ticket)
    try:
        await context.desk.messages.send_message(
            actor, ticket.number, new_message_from(message), written_in_topic=not moved_on
        )
    except TicketClosed as exc:
        if context.bot_data.albums.first_answer(message.media_group_id):
            await say(
                update,
                # The refusal is a sentence with its full stop; the template adds one.
                _("{refusal}. Not sent.").format(refusal=staff_answer_for(exc).rstrip(".")),
                staff_text.card_keyboard(ticket),
            )
        return
    except DuplicateMessage:
        return
    if moved_on and context.bot_data.albums.first_answer(message.media_group_id):
        await _say_moved_on(update, context, ticket)


CAPTION_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@\w+)?(?=\s|$)")
"""A caption that starts with a command (``/note text``); ``/etc/hosts`` is no command."""
NOTE, HELD = "note", "held"
CAPTION_NOT_RUN = N_(
    "⚠️ A command in a caption is not run, and this was not sent to the customer: send the "
    "command as text. A caption starting with /note makes an internal note."
)


async def _caption_command_taken(
    update: Update, context: DeskContext, actor: Actor, message: Message, ticket: TicketView
) -> bool:
    """Keep a media message whose caption is a command from the customer; tell whether it did.

    A caption is no command to Telegram's bots, so ``/note`` under a screenshot would reach
    the customer: it is a note, with the media (and so is the rest of its album). Any other
    command in a caption is not run and nothing is sent.
    """
    routes = context.bot_data.album_routes
    album = message.media_group_id
    found = CAPTION_COMMAND.match(message.caption or "")
    route = routes.route(album)
    if found is None and route is None:
        return False
    if route == NOTE or (found is not None and found.group(1).lower() == "note"):
        routes.note(album, NOTE)
        caption = message.caption or ""
        text = caption[found.end() :].strip() if found is not None else caption
        await _note_with_media(update, context, actor, message, ticket, text=text)
        return True
    routes.note(album, HELD)
    if context.bot_data.albums.first_answer(album):
        await say(update, _(CAPTION_NOT_RUN))
    return True


async def _note_with_media(
    update: Update,
    context: DeskContext,
    actor: Actor,
    message: Message,
    ticket: TicketView,
    *,
    text: str,
) -> None:
    note = NewMessage(
        text=text,
        attachment=attachment_of(message),
        origin=ChatRef(message.chat.id, message.message_id),
        album=message.media_group_id,
        copyable=False,  # the original's caption holds the command
    )
    moved_on = _moved_on(context, message, ticket)
    try:
        await context.desk.messages.send_message(
            actor, ticket.number, note, internal=True, written_in_topic=not moved_on
        )
    except DuplicateMessage:
        return
    if moved_on and context.bot_data.albums.first_answer(message.media_group_id):
        await _say_moved_on(update, context, ticket)


@answers_staff_refusals
async def note_command(update: Update, context: DeskContext) -> None:
    """Add an internal note to the ticket of this topic: ``/note text``."""
    message = update.effective_message
    if message is None:
        return
    actor = await agent_actor(update, context)
    if actor is None:
        await say(update, staff_text.not_agent_hint())
        return
    ticket = await ticket_of(context, message, actor)
    if ticket is None:
        where = (
            _("Use /note text in a ticket's topic.")
            if context.staff.is_forum
            else _("Use /note text as a reply to a ticket's message.")
        )
        await say(update, where)
        return
    note = command_argument(message)
    if not note.text.strip():
        await say(update, _("Usage: /note text — an internal note the customer never sees."))
        return
    moved_on = _moved_on(context, message, ticket)
    try:
        await context.desk.messages.send_message(
            actor, ticket.number, note, internal=True, written_in_topic=not moved_on
        )
    except DuplicateMessage:
        return
    if moved_on:
        await _say_moved_on(update, context, ticket)


async def _hint_once(update: Update, context: DeskContext, message: Message) -> None:
    user = update.effective_user
    if user is None or not _is_about_a_ticket(context, message):
        return
    if user.id in context.staff.hinted_users:
        return
    context.staff.hinted_users.add(user.id)
    await say(update, staff_text.not_agent_hint())
