"""Opening a ticket step by step (/new): category, subject, description.

The step lives in the database, so a restart in the middle resumes where the customer was.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace

from telegram import Update

from bot.context import DeskContext
from bot.handlers import flows, offer
from bot.handlers.common import edit_text, say
from bot.inbound import customer_actor, new_message_from, unsupported_kind
from bot.rendering import customer as texts
from bot.rendering.html import esc
from bot.rendering.refusals import answer_for
from core.errors import DuplicateMessage, InvalidInput
from core.flows.states import IntakeState, IntakeStep, OfferState
from core.views import Conversation

DESCRIPTION_PROMPT = (
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
        await say(update, "Which area is it about?", texts.category_keyboard(categories))
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
        return "This question is no longer open. Send /new to start again."
    state = conversation.state
    if not isinstance(state, IntakeState) or state.step is not IntakeStep.CATEGORY:
        return "This question is no longer open. Send /new to start again."
    if not 0 <= index < len(categories):
        return "That category no longer exists. Send /new to start again."
    chosen = replace(state, step=IntakeStep.SUBJECT, category=categories[index])
    await context.desk.conversations.set(conversation.chat_id, chosen)
    query = update.callback_query
    if query is not None and query.message is not None:
        await edit_text(query, f"Category: <b>{esc(categories[index])}</b>")
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
        await say(update, "Tap one of the categories above, or send /cancel.")
        return
    if state.step is IntakeStep.SUBJECT:
        await _take_subject(update, context, conversation, state)
        return
    kind = unsupported_kind(message)
    if kind is not None:
        await say(
            update, f"I cannot pass on {kind}. Describe the problem in text, a photo or a file."
        )
        return
    # Telegram may deliver this update twice: the second time, the ticket exists already.
    with contextlib.suppress(DuplicateMessage):
        await context.desk.tickets.report_ticket(
            customer_actor(user),
            state.subject or "",
            new_message_from(message),
            category=state.category,
            follow_up_of=state.follow_up_of,
        )
    await context.desk.conversations.clear(conversation.chat_id)
    # The confirmation with the ticket number comes through the outbox.


async def _take_subject(
    update: Update, context: DeskContext, conversation: Conversation, state: IntakeState
) -> None:
    message = update.effective_message
    if message is None:
        return
    if not message.text:
        await say(update, "Please send the subject as text (a few words), or /cancel.")
        return
    try:
        subject = context.desk.tickets.clean_subject(message.text)
    except InvalidInput as exc:
        await say(update, f"{answer_for(exc)} Try again, or send /cancel.")
        return
    described = replace(state, step=IntakeStep.DESCRIPTION, subject=subject)
    await context.desk.conversations.set(conversation.chat_id, flows.consumed(described, message))
    await say(update, DESCRIPTION_PROMPT)
