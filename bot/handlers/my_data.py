"""A customer's own data: ``/mydata`` sends it as JSON files, ``/forgetme`` erases it.

``/forgetme`` asks first; only the button (pressed by the same person, in their private chat)
erases. Both keep working for a banned customer.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callback_data import Press, encode
from bot.context import DeskContext
from bot.handlers.common import edit_text, say
from bot.i18n import N_, _, ngettext
from bot.rendering.refusals import answer_for
from core.domain.actors import Actor
from core.domain.values import Role
from core.errors import CustomerNotFound, DeskError
from core.services.customer_refs import CustomerRef

FORGET, KEEP = encode("d", "forget"), encode("d", "keep")
NOTHING_HELD = N_("The desk holds nothing about you: you have not written to it yet.")
ASK_TO_FORGET = N_(
    "⚠️ This erases what the desk holds about you: your name, username, every message and "
    "file you sent and the replies on your tickets. Your tickets stay only as anonymous "
    "numbers for statistics, closed. This cannot be undone. Send /mydata first for a copy."
)


async def mydata_command(update: Update, context: DeskContext) -> None:
    """Send the customer everything the desk holds about them, as JSON files."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    try:
        documents = await context.desk.customer_data.export(CustomerRef(reference=str(user.id)))
    except CustomerNotFound:
        await say(update, _(NOTHING_HELD))
        return
    for index, document in enumerate(documents, start=1):
        suffix = f"-part{index}" if len(documents) > 1 else ""
        await context.bot.send_document(
            chat.id,
            document=document,
            filename=f"helpdesk-data-{user.id}{suffix}.json",
            caption=_("Everything the desk holds about you (JSON).")
            if index == 1
            else _("Part {index} of {count}.").format(index=index, count=len(documents)),
        )


async def forgetme_command(update: Update, context: DeskContext) -> None:
    """Ask the customer to confirm the erasure of their data."""
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("Erase my data"), callback_data=FORGET),
                InlineKeyboardButton(_("Keep it"), callback_data=KEEP),
            ]
        ]
    )
    await say(update, _(ASK_TO_FORGET), keyboard)


async def on_data_press(update: Update, context: DeskContext, press: Press) -> str | None:
    """Erase (or not) on the confirmation button; return the answer for the press."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return None
    if press.action != "forget":
        await edit_text(query, _("Nothing was erased."))
        return None
    me = Actor(Role.CUSTOMER, user.id, "the customer")  # the trail never names them
    try:
        erasure = await context.desk.customer_data.erase(me, CustomerRef(reference=str(user.id)))
    except CustomerNotFound:
        answer = _(NOTHING_HELD)
    except DeskError as exc:
        answer = answer_for(exc)
    else:
        answer = ngettext(
            "🗑 Erased. {count} ticket now holds nothing about you; "
            "the desk keeps only that it existed.",
            "🗑 Erased. {count} tickets now hold nothing about you; "
            "the desk keeps only that they existed.",
            erasure.tickets,
        ).format(count=erasure.tickets)
    await edit_text(query, answer)
    return None
