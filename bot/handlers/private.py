"""Plain messages in a private chat: a step of a conversation, or a message on a ticket.

A message written in a ticket's topic of the customer's chat (private-chat topics) goes to
that ticket; else to the ticket it replies to, else to the customer's active ticket. With no
open ticket (or a closed one), it is held and the customer is offered, with one tap, a new
ticket made from it: nothing anyone writes is ever dropped.
"""

from __future__ import annotations

from telegram import Update

from bot.context import DeskContext
from bot.handlers import comment, flows, intake, login, offer
from bot.handlers.common import answers_refusals, say
from bot.i18n import N_, _, staff_gettext
from bot.inbound import customer_actor, new_message_from, profile_of, unsupported_kind
from bot.rendering.html import esc
from core.domain.actors import ChatRef
from core.errors import DuplicateMessage, InvalidInput, TicketClosed, TicketNotFound
from core.flows.states import IntakeState, LoginState, OfferState, UnknownFlow
from core.views import Conversation, PostedMessages, TicketView

LOGGED_IN_AS_AGENT = N_(
    "You are logged in as agent <b>{name}</b>, so I do not open tickets for you. Use /reply 12 "
    "text to answer a customer, /queue to see tickets, or /logout to write as a customer."
)
SLOW_DOWN = N_(
    "🐢 You are writing faster than our team can read. Everything you send is kept and "
    "reaches them at the end of this minute."
)


@answers_refusals
async def on_private_message(update: Update, context: DeskContext) -> None:
    """Route a plain (non-command) private message."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None:
        return
    prompted = comment.prompt_answered(message, context.bot.id)
    if prompted is not None and await _answer_prompt(update, context, prompted):
        return
    replied = message.reply_to_message
    reply_to = ChatRef(chat.id, replied.message_id) if replied else None
    thread_id = message.message_thread_id if message.is_topic_message else None
    if await _stored_at_once(update, context, reply_to, thread_id):
        return
    where = await context.desk.queries.private_context(
        user.id, reply_to=reply_to, thread_id=thread_id
    )
    conversation = await flows.fresh(context, where.conversation)
    if conversation is not None and await _continue(update, context, conversation):
        return
    if where.agent is not None:
        await say(
            update,
            staff_gettext(LOGGED_IN_AS_AGENT).format(name=esc(where.agent.username)),
        )
        return
    await route_to_ticket(update, context, conversation, where.ticket)


async def _answer_prompt(update: Update, context: DeskContext, number: int) -> bool:
    """Take a reply to a comment prompt as the comment, else as a message on that ticket.

    Tell whether it is dealt with (False: the ticket is gone from the customer's view, so
    the message takes the ordinary route).
    """
    user = update.effective_user
    if user is None:
        return False
    if await comment.take(update, context, number):
        return True
    try:
        ticket = await context.desk.queries.find_ticket(customer_actor(user), number)
    except TicketNotFound:
        return False
    await route_to_ticket(update, context, None, ticket)
    return True


async def _stored_at_once(
    update: Update, context: DeskContext, reply_to: ChatRef | None, thread_id: int | None
) -> bool:
    """The common case in one transaction: route the message and store it on its ticket.

    Tell whether the message is dealt with; if not, the slower path decides what to do.
    """
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or unsupported_kind(message) is not None:
        return False
    try:
        written = await context.desk.messages.customer_writes(
            profile_of(user), new_message_from(message), reply_to=reply_to, thread_id=thread_id
        )
    except DuplicateMessage:
        return True  # delivered twice by Telegram; stored once already
    except TicketClosed:
        return False  # resolved too long ago: the slower path offers a follow-up
    except InvalidInput:
        return False  # nothing to store (an empty message): the slower path says so
    if written.posted is None:
        return False
    await tell_posted(update, written.posted)
    return True


async def _continue(update: Update, context: DeskContext, conversation: Conversation) -> bool:
    """Give the message to the conversation going on; tell whether it took it."""
    message = update.effective_message
    state = conversation.state
    if isinstance(state, UnknownFlow):
        return False  # ``flows.fresh`` ends these; nothing to continue
    if message is None or flows.already_seen(state, message):
        return True  # Telegram delivered this update again; it was taken already
    if isinstance(state, LoginState):
        await login.on_step(update, context, conversation, state)
        return True
    if isinstance(state, IntakeState):
        await intake.on_step(update, context, conversation, state)
        return True
    return False


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
            _(
                "I cannot pass on {kind}. Send text, a photo, a file, a voice message or a sticker."
            ).format(kind=_(kind)),
        )
        return
    if conversation is not None and isinstance(conversation.state, OfferState):
        await offer.hold(update, context, conversation.state.follow_up_of, conversation.state)
        return
    if ticket is None or ticket.is_closed:
        await offer.hold(update, context, ticket.number if ticket else None, None)
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
        await offer.hold(update, context, ticket.number, None)
    except DuplicateMessage:
        pass  # delivered twice by Telegram; stored once already
    else:
        await tell_posted(update, posted)


async def tell_posted(update: Update, posted: PostedMessages) -> None:
    """Say what the customer must know about a message just stored: slow down, reopened."""
    if posted.slowed:
        await say(update, _(SLOW_DOWN))
    if posted.reopened:
        number = posted.ticket.number
        await say(
            update,
            _("↩️ Ticket <b>#{number}</b> is open again; we will get back to you.").format(
                number=number
            ),
        )
