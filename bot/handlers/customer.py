"""Customer commands and buttons: /start, /help, /new, /my, /close, /cancel, ratings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Message, Update

from bot.callback_data import Press, StaleButton
from bot.context import DeskContext
from bot.handlers import comment, flows, intake, offer
from bot.handlers.common import answers_refusals, edit_keyboard, edit_text, parse_number, say
from bot.handlers.language import on_language_button
from bot.i18n import _
from bot.inbound import customer_actor
from bot.rendering import customer as texts
from core.domain.values import Status


async def start_command(update: Update, context: DeskContext) -> None:
    """Greet the customer and offer the two main buttons."""
    user = update.effective_user
    if user is None:
        return
    await say(update, texts.welcome(user.first_name), texts.start_keyboard())


async def help_command(update: Update, context: DeskContext) -> None:
    """List the commands (agents get theirs)."""
    user = update.effective_user
    if user is not None and await context.desk.accounts.agent_for(user.id) is not None:
        from bot.handlers.console import agent_help  # noqa: PLC0415 - avoids an import cycle

        await say(update, agent_help())
        return
    await say(update, texts.help_text())


async def new_command(update: Update, context: DeskContext) -> None:
    """Start opening a ticket."""
    await intake.begin(update, context)


async def cancel_command(update: Update, context: DeskContext) -> None:
    """Leave whatever conversation is going on."""
    chat = update.effective_chat
    if chat is None:
        return
    had_one = await context.desk.conversations.clear(chat.id)
    await say(update, _("Cancelled.") if had_one else _("There is nothing to cancel."))


async def my_command(update: Update, context: DeskContext) -> None:
    """List the customer's tickets."""
    user = update.effective_user
    if user is None:
        return
    page = await context.desk.queries.tickets_of_customer(customer_actor(user))
    await say(update, texts.ticket_list(page, first_page=True), texts.ticket_list_keyboard(page))


@answers_refusals
async def close_command(update: Update, context: DeskContext) -> None:
    """Ask to confirm closing a ticket: the topic's or the active one, or ``/close N``."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    actor = customer_actor(user)
    if context.args:
        number = parse_number(context.args[0])
        if number is None or len(context.args) > 1:
            await say(
                update,
                _("Usage: /close to close your active ticket, or /close 12 for ticket #12."),
            )
            return
        ticket = await context.desk.queries.find_ticket(actor, number)
    else:
        thread_id = message.message_thread_id if message.is_topic_message else None
        current = await context.desk.queries.current_ticket_of(actor, thread_id=thread_id)
        if current is None or current.is_closed:
            await say(update, _("You have no open ticket. /my lists all of yours."))
            return
        ticket = current
    if ticket.is_closed:
        await say(update, _("Ticket #{number} is already closed.").format(number=ticket.number))
        return
    await say(update, texts.close_question(ticket), texts.close_keyboard(ticket.number))


ButtonAction = Callable[[Update, DeskContext, Press], Awaitable[str | None]]


async def on_customer_button(update: Update, context: DeskContext, press: Press) -> str | None:
    """Handle a customer's button; return the short answer shown on the button press."""
    action = _CUSTOMER_BUTTONS.get(press.action)
    if action is None or update.callback_query is None:
        raise StaleButton
    return await action(update, context, press)


def _number(press: Press) -> int:
    if press.number is None:
        raise StaleButton
    return press.number


def _query(update: Update) -> CallbackQuery:
    if update.callback_query is None:
        raise StaleButton
    return update.callback_query


async def _new_button(update: Update, context: DeskContext, press: Press) -> None:
    await intake.begin(update, context)


async def _category_button(update: Update, context: DeskContext, press: Press) -> str:
    chat = update.effective_chat
    conversation = await flows.current(context, chat.id) if chat else None
    return await intake.choose_category(update, context, conversation, _number(press))


async def _offer_button(update: Update, context: DeskContext, press: Press) -> str:
    return await offer.open_from_offer(update, context, accept=press.argument == "go")


async def _list_button(update: Update, context: DeskContext, press: Press) -> None:
    await _show_list(_query(update), context, press.argument)


async def _show_button(update: Update, context: DeskContext, press: Press) -> None:
    await _show_ticket(_query(update), context, _number(press))


async def _activate_button(update: Update, context: DeskContext, press: Press) -> str:
    query, n = _query(update), _number(press)
    await context.desk.tickets.set_active_ticket(customer_actor(query.from_user), n)
    await _show_ticket(query, context, n)
    return _("Ticket #{number} is now active: your messages go to it.").format(number=n)


async def _close_button(update: Update, context: DeskContext, press: Press) -> str | None:
    query, n = _query(update), _number(press)
    ticket = await context.desk.queries.find_ticket(customer_actor(query.from_user), n)
    if ticket.is_closed:
        return _("Ticket #{number} is already closed.").format(number=n)
    await edit_text(query, texts.close_question(ticket), texts.close_keyboard(n))
    return None


async def _close_confirmed(update: Update, context: DeskContext, press: Press) -> str:
    query, n = _query(update), _number(press)
    actor = customer_actor(query.from_user)
    ticket = await context.desk.tickets.change_status(actor, n, Status.CLOSED)
    keyboard = texts.rating_keyboard(n) if ticket.rating is None else None
    text = _("🔒 Ticket {title} is closed.").format(title=texts.ticket_title(ticket))
    if keyboard is not None:
        text += "\n\n" + texts.rating_prompt()
    await edit_text(query, text, keyboard)
    return _("Closed")


async def _keep_button(update: Update, context: DeskContext, press: Press) -> None:
    query, n = _query(update), _number(press)
    await context.desk.queries.find_ticket(customer_actor(query.from_user), n)
    await edit_text(query, _("OK, ticket #{number} stays open.").format(number=n))


async def _rate_button(update: Update, context: DeskContext, press: Press) -> str:
    query, n = _query(update), _number(press)
    if press.argument is None or not press.argument.isdigit():
        raise StaleButton
    actor = customer_actor(query.from_user)
    ticket = await context.desk.tickets.rate_ticket(actor, n, int(press.argument))
    await edit_keyboard(query, None)
    if isinstance(query.message, Message):
        await query.message.reply_html(
            texts.thanks_for_rating(n, ticket.rating or 0),
            reply_markup=texts.comment_keyboard(n),
            do_quote=False,
        )
    return _("Rated {rating}/5").format(rating=press.argument)


async def _comment_button(update: Update, context: DeskContext, press: Press) -> str:
    return await comment.ask(_query(update), context, _number(press))


_CUSTOMER_BUTTONS: dict[str, ButtonAction] = {
    "new": _new_button,
    "cat": _category_button,
    "offer": _offer_button,
    "my": _list_button,
    "show": _show_button,
    "act": _activate_button,
    "close": _close_button,
    "closeok": _close_confirmed,
    "keep": _keep_button,
    "rate": _rate_button,
    "cmt": _comment_button,
    "lang": on_language_button,
}


async def _show_list(query: CallbackQuery, context: DeskContext, argument: str | None) -> None:
    """Show the ticket list: as a new message from /start, in place when paging or going back."""
    actor = customer_actor(query.from_user)
    cursor = argument if argument not in (None, "back") else None
    page = await context.desk.queries.tickets_of_customer(actor, cursor=cursor)
    text = texts.ticket_list(page, first_page=cursor is None)
    keyboard = texts.ticket_list_keyboard(page)
    if argument is None and isinstance(query.message, Message):
        await query.message.reply_html(text, reply_markup=keyboard, do_quote=False)
        return
    await edit_text(query, text, keyboard)


async def _show_ticket(query: CallbackQuery, context: DeskContext, n: int) -> None:
    actor = customer_actor(query.from_user)
    detail = await context.desk.queries.get_ticket(actor, n, history=8)
    current = await context.desk.queries.current_ticket_of(actor)
    active = current is not None and current.number == n
    await edit_text(
        query,
        texts.ticket_detail(detail, active=active),
        texts.ticket_detail_keyboard(detail.ticket, active=active),
    )
