"""The optional comment after a rating: asked for with a button, given as a reply.

Nothing waits for "the next message": the button sends a prompt the customer's app answers
as a reply (ForceReply), and only a text reply to that prompt is taken as the comment. So an
ordinary message always goes to the ticket, and a reply that is no comment any more (the
ticket was reopened, a comment was given already) or clearly a new message (media, a text
too long for a comment) is added to the ticket like any other message.
"""

from __future__ import annotations

from telegram import CallbackQuery, ForceReply, Message, Update

from bot.context import DeskContext
from bot.handlers.common import say
from bot.i18n import _
from bot.inbound import customer_actor
from bot.rendering import customer as texts
from bot.rendering.desk_errors import customer_error
from core.errors import InvalidInput
from core.services.tickets import comment_refusal


async def ask(query: CallbackQuery, context: DeskContext, number: int) -> str:
    """Send the comment prompt for a press of "Add a comment"; return the press's answer."""
    ticket = await context.desk.queries.find_ticket(customer_actor(query.from_user), number)
    refusal = comment_refusal(number, ticket.status, ticket.rating, ticket.rating_comment)
    if refusal is not None:
        return customer_error(InvalidInput(refusal))
    if isinstance(query.message, Message):
        await query.message.reply_text(
            texts.comment_prompt(number),
            reply_markup=ForceReply(input_field_placeholder=texts.comment_placeholder(number)),
            do_quote=False,
        )
    return _("Write your comment as a reply.")


def prompt_answered(message: Message, bot_id: int) -> int | None:
    """The ticket whose comment prompt this message replies to, else None."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
        return None
    return texts.commented_ticket(replied.text)


async def take(update: Update, context: DeskContext, number: int) -> bool:
    """Add a reply to the prompt as the rating's comment; tell whether it was one."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or not message.text:
        return False
    try:
        await context.desk.tickets.comment_on_rating(customer_actor(user), number, message.text)
    except InvalidInput:
        return False  # no comment any more (or too long for one): it is a message instead
    await say(update, _("🙏 Thank you, your comment was added."))
    return True
