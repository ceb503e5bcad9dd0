"""Opening a ticket step by step (/new): category, subject, description.

The step lives in the database, so a restart in the middle resumes where the customer was.
"""

from __future__ import annotations

from telegram import Update

from bot.context import DeskContext
from bot.handlers import flows, human_check, offer
from bot.handlers.common import edit_text, say
from bot.inbound import customer_actor, new_message_from, profile_of, unsupported_kind
from bot.rendering import customer as texts
from bot.rendering.html import esc
from core.errors import DuplicateMessage, InvalidInput
from core.services.floods import TicketLimitReached
from core.views import Conversation

FLOW = flows.INTAKE
SUBJECT_PROMPT = (
    "📝 What is the problem, in a few words? This is the ticket's subject "
    "(up to 120 characters). Send /cancel to stop."
)
DESCRIPTION_PROMPT = (
    "Now describe it in detail. You can send text, or a photo or a file with a caption."
)


async def begin(update: Update, context: DeskContext, *, follow_up_of: int | None = None) -> None:
    """Start the questions (category first, if categories are configured)."""
    chat = update.effective_chat
    if chat is None:
        return
    held = await flows.current(context, chat.id)
    if held is not None and held.flow == flows.OFFER:
        await offer.remind(update, held)  # /new must not throw the held messages away
        return
    categories = context.settings.category_list
    data = {"follow_up_of": follow_up_of}
    if categories:
        await context.desk.conversations.set(chat.id, FLOW, "category", data)
        await say(update, "Which area is it about?", texts.category_keyboard(categories))
        return
    await context.desk.conversations.set(chat.id, FLOW, "subject", data)
    await say(update, SUBJECT_PROMPT)


async def choose_category(
    update: Update, context: DeskContext, conversation: Conversation | None, index: int
) -> str:
    """Take a category button press; return the answer for the button."""
    categories = context.settings.category_list
    if conversation is None or conversation.flow != FLOW or conversation.step != "category":
        return "This question is no longer open. Send /new to start again."
    if not 0 <= index < len(categories):
        return "That category no longer exists. Send /new to start again."
    data = {**conversation.data, "category": categories[index]}
    await context.desk.conversations.set(conversation.chat_id, FLOW, "subject", data)
    query = update.callback_query
    if query is not None and query.message is not None:
        await edit_text(query, f"Category: <b>{esc(categories[index])}</b>")
    await say(update, SUBJECT_PROMPT)
    return categories[index]


async def on_step(update: Update, context: DeskContext, conversation: Conversation) -> None:
    """Take the customer's answer for the current step."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    if conversation.step == "category":
        await say(update, "Tap one of the categories above, or send /cancel.")
        return
    if conversation.step == "subject":
        await _take_subject(update, context, conversation)
        return
    kind = unsupported_kind(message)
    if kind is not None:
        await say(
            update, f"I cannot pass on {kind}. Describe the problem in text, a photo or a file."
        )
        return
    data = conversation.data
    try:
        ticket = await context.desk.tickets.report_ticket(
            customer_actor(user),
            str(data.get("subject", "")),
            new_message_from(message),
            category=data.get("category"),
            follow_up_of=data.get("follow_up_of"),
        )
    except DuplicateMessage:
        ticket = None  # Telegram delivered this update twice; the ticket exists already
    except TicketLimitReached as exc:
        await context.desk.floods.keep(profile_of(user), new_message_from(message), "ticket_limit")
        await context.desk.conversations.clear(conversation.chat_id)
        await say(update, f"⚠️ {esc(str(exc))}")
        return
    except InvalidInput as exc:
        await say(update, f"⚠️ {esc(str(exc))}")
        return
    await context.desk.conversations.clear(conversation.chat_id)
    if ticket is not None:
        await human_check.ask_if_waiting(update, context, ticket.number)
    # The confirmation with the ticket number comes through the outbox.


async def _take_subject(update: Update, context: DeskContext, conversation: Conversation) -> None:
    message = update.effective_message
    if message is None:
        return
    if not message.text:
        await say(update, "Please send the subject as text (a few words), or /cancel.")
        return
    try:
        subject = context.desk.tickets.clean_subject(message.text)
    except InvalidInput as exc:
        await say(update, f"⚠️ {esc(str(exc))} Try again, or send /cancel.")
        return
    data = flows.consumed({**conversation.data, "subject": subject}, message)
    await context.desk.conversations.set(conversation.chat_id, FLOW, "description", data)
    await say(update, DESCRIPTION_PROMPT)
