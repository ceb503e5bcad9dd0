"""Opening a ticket step by step (/new): category, subject, description.

The step lives in the database, so a restart in the middle resumes where the customer was.
"""

from __future__ import annotations

from dataclasses import replace

from telegram import Update

from bot.context import DeskContext
from bot.handlers import flows, human_check, offer
from bot.handlers.common import edit_text, say
from bot.i18n import N_, _
from bot.inbound import customer_actor, new_message_from, profile_of, unsupported_kind
from bot.rendering import customer as texts
from bot.rendering.html import esc
from bot.rendering.refusals import answer_for
from core.errors import DuplicateMessage, InvalidInput
from core.flows.states import IntakeState, IntakeStep, OfferState
from core.services.floods import TicketLimitReached
from core.views import Conversation

DESCRIPTION_PROMPT = N_(
    "Now describe it in detail. You can send text, or a photo or a file with a caption."
)


async def begin(update: Update, context: DeskContext, *, follow_up_of: int | None = None) -> None:
    """Start the questions (category first, if categories are configured)."""
    chat = update.effective_chat
    if chat is None:
        return
    held = await flows.current(context, chat.id)
    if held is not None and isinstance(held.state, OfferState):
        await offer.remind(update, held.state)  # /new must not throw the held messages away
        return
    categories = context.settings.category_list
    if categories:
        state = IntakeState(IntakeStep.CATEGORY, follow_up_of=follow_up_of)
        await context.desk.conversations.set(chat.id, state)
        await say(update, _("Which area is it about?"), texts.category_keyboard(categories))
        return
    state = IntakeState(IntakeStep.SUBJECT, follow_up_of=follow_up_of)
    await context.desk.conversations.set(chat.id, state)
    await say(update, texts.subject_prompt(context.desk.config.subject_max_length))


async def choose_category(
    update: Update, context: DeskContext, conversation: Conversation | None, index: int
) -> str:
    """Take a category button press; return the answer for the button."""
    categories = context.settings.category_list
    if conversation is None:
        return _("This question is no longer open. Send /new to start again.")
    state = conversation.state
    if not isinstance(state, IntakeState) or state.step is not IntakeStep.CATEGORY:
        return _("This question is no longer open. Send /new to start again.")
    if not 0 <= index < len(categories):
        return _("That category no longer exists. Send /new to start again.")
    chosen = replace(state, step=IntakeStep.SUBJECT, category=categories[index])
    await context.desk.conversations.set(conversation.chat_id, chosen)
    query = update.callback_query
    if query is not None and query.message is not None:
        await edit_text(
            query, _("Category: <b>{category}</b>").format(category=esc(categories[index]))
        )
    await say(update, texts.subject_prompt(context.desk.config.subject_max_length))
    return categories[index]


async def on_step(
    update: Update, context: DeskContext, conversation: Conversation, state: IntakeState
) -> None:
    """Take the customer's answer for the current step."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    if state.step is IntakeStep.CATEGORY:
        if context.bot_data.albums.first_answer(message.media_group_id):
            await say(update, _("Tap one of the categories above, or send /cancel."))
        return
    if state.step is IntakeStep.SUBJECT:
        await _take_subject(update, context, conversation, state)
        return
    kind = unsupported_kind(message)
    if kind is not None:
        await say(
            update,
            _("I cannot pass on {kind}. Describe the problem in text, a photo or a file.").format(
                kind=_(kind)
            ),
        )
        return
    try:
        ticket = await context.desk.tickets.report_ticket(
            customer_actor(user),
            state.subject or "",
            new_message_from(message),
            category=state.category,
            follow_up_of=state.follow_up_of,
        )
    except DuplicateMessage:
        ticket = None  # Telegram delivered this update twice; the ticket exists already
    except TicketLimitReached as exc:
        await context.desk.floods.keep(profile_of(user), new_message_from(message), "ticket_limit")
        await context.desk.conversations.clear(conversation.chat_id)
        await say(update, answer_for(exc))
        return
    await context.desk.conversations.clear(conversation.chat_id)
    if ticket is not None:
        await human_check.ask_if_waiting(update, context, ticket.number)
    # The confirmation with the ticket number comes through the outbox.


async def _take_subject(
    update: Update, context: DeskContext, conversation: Conversation, state: IntakeState
) -> None:
    message = update.effective_message
    if message is None:
        return
    if not message.text:
        if context.bot_data.albums.first_answer(message.media_group_id):
            await say(update, _("Please send the subject as text (a few words), or /cancel."))
        return
    try:
        subject = context.desk.tickets.clean_subject(message.text)
    except InvalidInput as exc:
        await say(update, f"{answer_for(exc)} " + _("Try again, or send /cancel."))
        return
    described = replace(state, step=IntakeStep.DESCRIPTION, subject=subject)
    await context.desk.conversations.set(conversation.chat_id, flows.consumed(described, message))
    await say(update, _(DESCRIPTION_PROMPT))
