"""Reactions: mirrored between the customer's chat and the staff topic, or a quick rating.

A ``message_reaction`` update says who reacted on which message, with the reactions before and
after. Only emoji reactions are mirrored (custom and paid ones are the reactor's own). The
desk decides what a reaction means; reactions on anything it did not store stay unanswered.
"""

from __future__ import annotations

from telegram import ReactionTypeEmoji, Update
from telegram.constants import ChatType

from bot.context import DeskContext
from bot.inbound import customer_actor
from bot.rendering import customer as customer_text
from bot.rendering.refusals import answer_for
from core.errors import DeskError


async def on_reaction(update: Update, context: DeskContext) -> None:
    """Hand a person's reaction change to the desk; thank them for a quick rating."""
    change = update.message_reaction
    if change is None or change.user is None or change.user.is_bot:
        return  # anonymous admins react as the group: nobody to mirror
    chat = change.chat
    if chat.type != ChatType.PRIVATE and not context.staff.is_staff_chat(chat.id):
        return
    emoji = [r.emoji for r in change.new_reaction if isinstance(r, ReactionTypeEmoji)]
    reacted = await context.desk.reactions.react(chat.id, change.message_id, change.user.id, emoji)
    if reacted.rating is None:
        return
    number = reacted.rating.number
    try:
        await context.desk.tickets.rate_ticket(
            customer_actor(change.user), number, reacted.rating.rating
        )
    except DeskError as exc:
        await context.bot.send_message(chat.id, answer_for(exc), parse_mode="HTML")
        return
    await context.bot.send_message(
        chat.id,
        customer_text.thanks_for_rating(number, reacted.rating.rating),
        parse_mode="HTML",
        reply_markup=customer_text.comment_keyboard(number),
    )
