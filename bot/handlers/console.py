"""The agents' console in a private chat, and the ticket buttons (card and console).

Every command answers anyone who is not a logged-in agent with a clear refusal; every button
press is checked again against who pressed it and the ticket's current state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from typing import TypeVar

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.callback_data import Press, StaleButton
from bot.context import DeskContext
from bot.handlers.common import (
    Handler,
    agent_actor,
    answers_staff_refusals,
    edit_keyboard,
    edit_text,
    parse_number,
    say,
)
from bot.handlers.saved import saved_name_in, send_saved
from bot.i18n import N_
from bot.i18n import staff_gettext as _
from bot.inbound import command_argument
from bot.rendering import console as views
from bot.rendering import staff as staff_text
from bot.rendering.figures import render_figures
from bot.rendering.html import esc, shorten
from bot.rendering.refusals import staff_answer_for
from bot.rendering.words import priority_word, status_label, status_word
from core.domain.actors import Actor, NewMessage
from core.domain.search_text import normalise_tag
from core.domain.values import ACTIVE_STATUSES, Priority, Status
from core.errors import DeskError, DuplicateMessage, TicketClosed
from core.services.queries import UNASSIGNED, TicketFilter
from core.sla import sla_due
from core.views import TicketPage

AGENT_HELP = N_(
    "<b>Agent commands</b> (in this private chat)\n"
    "/queue [status] — tickets, most recent activity first. Status: active (default), new, "
    "open, pending, resolved, closed, all, mine, unassigned, or tag:word. "
    "Example: <code>/queue pending</code>\n"
    "/ticket 12 — the card, the history and the buttons\n"
    "/reply 12 text — answer the customer (long texts are split)\n"
    "/note 12 text — internal note, never shown to the customer\n"
    "/status 12 pending — new status: open, pending, resolved, closed\n"
    "/take 12 — assign #12 to yourself and open it\n"
    "/assign 12 alice — assign to an agent (<code>/assign 12 -</code> to unassign)\n"
    "/priority 12 high — low, normal, high, urgent\n"
    "/stats [today|7d|30d] — the desk's figures (default: 7d)\n"
    "/tag 12 word… · /untag 12 word — tags (<code>/queue tag:billing</code>)\n"
    "/customer 12 (or @username) — the customer's card\n"
    "/saved — saved replies; <code>/saved add thanks Hi {customer}!</code>, "
    "<code>/saved del thanks</code>; send one with <code>/reply 12 !thanks</code>\n"
    "/search words… [status:open tag:x customer:@ann agent:alice] — find tickets\n"
    "/merge 12 15 — merge #12 into #15 (same customer; asks first)\n"
    "/logout — log out\n\n"
    "In the staff group, write in a ticket's topic to answer the customer; "
    "<code>/note text</code> there is an internal note."
)
NOT_AGENT = N_("This command is for agents. Agents log in first with /login.")


def agent_help() -> str:
    """The agents' /help, in ``STAFF_LANGUAGE``."""
    return _(AGENT_HELP)


Action = Callable[[Update, DeskContext, Actor, list[str]], Awaitable[None]]


def agent_command(usage: str, arguments: int, *, rest: bool = False) -> Callable[[Action], Handler]:
    """Wrap a console command: private chat only, logged-in agents only, argument count."""

    def wrap(action: Action) -> Handler:
        async def handler(update: Update, context: DeskContext) -> None:
            chat = update.effective_chat
            if chat is None or chat.type != ChatType.PRIVATE:
                return
            actor = await agent_actor(update, context)
            if actor is None:
                await say(update, _(NOT_AGENT))
                return
            args = list(context.args or [])
            if len(args) < arguments or (not rest and len(args) > arguments):
                await say(update, _("Usage: {usage}").format(usage=_(usage)))
                return
            try:
                await action(update, context, actor, args)
            except DeskError as error:
                await say(update, staff_answer_for(error))

        handler.__doc__ = action.__doc__
        return answers_staff_refusals(handler)

    return wrap


def _number(text: str, usage: str) -> int:
    number = parse_number(text)
    if number is None:
        raise _Usage(
            _("“{text}” is not a ticket number. Usage: {usage}").format(
                text=_quoted(text), usage=usage
            )
        )
    return number


class _Usage(DeskError):
    """A malformed argument; the message says what was expected."""


QUOTED_LIMIT = 40


def _quoted(text: str) -> str:
    """What the agent wrote, cut short for quoting in an answer (a message holds 4,096
    characters; an argument can nearly fill one)."""
    return shorten(text, QUOTED_LIMIT)


_Choice = TypeVar("_Choice", Status, Priority)
REQUESTABLE_STATUSES = tuple(status for status in Status if status is not Status.NEW)
"""The statuses an agent may ask for: no move leads back to new."""


def _named(kind: type[_Choice], text: str, choices: tuple[_Choice, ...]) -> _Choice:
    """Read one of ``choices`` by its name, or say which names there are."""
    try:
        return kind(text.lower())
    except ValueError:
        names = ", ".join(choice.value for choice in choices)
        unknown = (
            _("Unknown status “{text}”. Use one of: {names}.")
            if kind is Status
            else _("Unknown priority “{text}”. Use one of: {names}.")
        )
        raise _Usage(unknown.format(text=_quoted(text), names=names)) from None


@agent_command("/queue [active|new|open|pending|resolved|closed|all|mine|unassigned]", 0, rest=True)
async def queue_command(
    update: Update, context: DeskContext, actor: Actor, args: list[str]
) -> None:
    """Show the first page of the queue."""
    if args and args[0].lower().startswith("tag:"):
        await _tag_queue(update, context, actor, args)
        return
    label = (args[0] if args else "active").lower()
    if label not in views.QUEUE_FILTERS or len(args) > 1:
        raise _Usage(
            _("Unknown queue “{queue}”. Use one of: {names}.").format(
                queue=_quoted(" ".join(args)), names=", ".join(views.QUEUE_FILTERS)
            )
        )
    page = await _queue_page(context, actor, label, None)
    await say(
        update, views.queue_text(page, label, first_page=True), views.queue_keyboard(page, label)
    )


async def _tag_queue(update: Update, context: DeskContext, actor: Actor, args: list[str]) -> None:
    """Show the first page of the tickets carrying a tag (any status)."""
    if len(args) > 1:
        raise _Usage(_("Name one tag: /queue tag:billing"))
    tag = normalise_tag(args[0][len("tag:") :])
    page = await context.desk.queries.list_tickets(actor, TicketFilter(tag=tag), limit=8)
    await say(
        update,
        views.queue_text(page, f"tag:{tag}", first_page=True),
        _first_page_buttons(page),
    )


def _first_page_buttons(page: TicketPage) -> InlineKeyboardMarkup | None:
    # The "More" button pages by queue name; a tag's list shows its first page only.
    return views.queue_keyboard(TicketPage(page.tickets, None), "all")


async def _queue_page(
    context: DeskContext, actor: Actor, label: str, cursor: str | None
) -> TicketPage:
    statuses: Sequence[Status] | None = ACTIVE_STATUSES
    assignee = None
    if label == "all":
        statuses = None
    elif label in ("mine", "unassigned"):
        assignee = actor.ref if label == "mine" else UNASSIGNED
    elif label != "active":
        statuses = [Status(label)]
    return await context.desk.queries.view_tickets(
        actor, statuses=statuses, assignee_id=assignee, cursor=cursor, limit=8
    )


@agent_command("/ticket 12", 1)
async def ticket_command(
    update: Update, context: DeskContext, actor: Actor, args: list[str]
) -> None:
    """Show a ticket with its history and buttons."""
    number = _number(args[0], "/ticket 12")
    detail = await context.desk.queries.get_ticket(actor, number, history=30)
    due = sla_due(detail.ticket, context.desk.config)
    await say(update, views.ticket_text(detail, due), views.ticket_keyboard(detail))


async def _post(
    update: Update, context: DeskContext, actor: Actor, args: list[str], *, internal: bool
) -> None:
    usage = "/note 12 text" if internal else "/reply 12 text"
    number = _number(args[0], usage)
    message = update.effective_message
    if message is None:
        return
    text = command_argument(message)
    # Drop the ticket number from the front of the argument, keeping its formatting.
    body = text.text[len(args[0]) :].lstrip()
    if not body:
        raise _Usage(_("Write the text after the number. Usage: {usage}").format(usage=usage))
    saved = None if internal else saved_name_in(body)
    if saved is not None:  # "/reply 12 !name": a saved reply, filled in
        posted = await send_saved(update, context, actor, number, saved)
        if posted is not None:
            await say(
                update,
                _("✅ Reply sent on ticket #{number} ({status}).").format(
                    number=number, status=status_label(posted.ticket.status)
                ),
            )
        return
    formatted = text.formatted
    if formatted is not None and formatted.startswith(args[0]):
        formatted = formatted[len(args[0]) :].lstrip()
    else:
        formatted = None
    part = NewMessage(text=body, formatted=formatted, origin=text.origin, copyable=False)
    try:
        posted = await context.desk.messages.send_message(actor, number, part, internal=internal)
    except DuplicateMessage:
        return
    done = (
        _("✅ Note added to ticket #{number} ({status}).")
        if internal
        else _("✅ Reply sent on ticket #{number} ({status}).")
    )
    await say(update, done.format(number=number, status=status_label(posted.ticket.status)))


@agent_command("/reply 12 text", 2, rest=True)
async def reply_command(
    update: Update, context: DeskContext, actor: Actor, args: list[str]
) -> None:
    """Send a public reply to the customer."""
    await _post(update, context, actor, args, internal=False)


@agent_command("/note 12 text", 2, rest=True)
async def note_command(update: Update, context: DeskContext, actor: Actor, args: list[str]) -> None:
    """Add an internal note."""
    await _post(update, context, actor, args, internal=True)


@agent_command("/status 12 open|pending|resolved|closed", 2)
async def status_command(
    update: Update, context: DeskContext, actor: Actor, args: list[str]
) -> None:
    """Change a ticket's status."""
    number = _number(args[0], "/status 12 pending")
    status = _named(Status, args[1], REQUESTABLE_STATUSES)
    ticket = await context.desk.tickets.change_status(actor, number, status)
    await say(
        update,
        _("✅ Ticket #{number} is now {status}.").format(
            number=number, status=status_label(ticket.status)
        ),
    )


@agent_command("/take 12", 1)
async def take_command(update: Update, context: DeskContext, actor: Actor, args: list[str]) -> None:
    """Take a ticket."""
    number = _number(args[0], "/take 12")
    ticket = await context.desk.tickets.take(actor, number)
    await say(
        update,
        _("✅ Ticket #{number} is yours ({status}).").format(
            number=number, status=status_label(ticket.status)
        ),
    )


@agent_command(N_("/assign 12 alice (or - to unassign)"), 2)
async def assign_command(
    update: Update, context: DeskContext, actor: Actor, args: list[str]
) -> None:
    """Assign a ticket to an agent, or to nobody."""
    number = _number(args[0], "/assign 12 alice")
    username = None if args[1] == "-" else args[1]
    ticket = await context.desk.tickets.assign(actor, number, username)
    assignee = esc(ticket.assignee) if ticket.assignee else _("nobody")
    await say(
        update,
        _("✅ Ticket #{number} is assigned to {assignee}.").format(
            number=number, assignee=assignee
        ),
    )


@agent_command("/priority 12 low|normal|high|urgent", 2)
async def priority_command(
    update: Update, context: DeskContext, actor: Actor, args: list[str]
) -> None:
    """Change a ticket's priority."""
    number = _number(args[0], "/priority 12 high")
    priority = _named(Priority, args[1], tuple(Priority))
    await context.desk.tickets.set_priority(actor, number, priority)
    await say(
        update,
        _("✅ Ticket #{number} now has {priority} priority.").format(
            number=number, priority=priority_word(priority)
        ),
    )


@agent_command("/stats [today|7d|30d]", 0, rest=True)
async def stats_command(
    update: Update, context: DeskContext, actor: Actor, args: list[str]
) -> None:
    """Show the desk's figures for today, the last 7 days (default) or the last 30 days."""
    period = (args[0] if args else "7d").lower()
    if period not in PERIODS or len(args) > 1:
        raise _Usage(
            _("Unknown period “{period}”. Use today, 7d or 30d.").format(
                period=_quoted(" ".join(args))
            )
        )
    since = context.desk.stats.period_start(period)
    figures = await context.desk.stats.figures(actor, since)
    await say(update, render_figures(figures, _(PERIODS[period])))


PERIODS = {
    "today": N_("Figures for today"),
    "7d": N_("Figures for the last 7 days"),
    "30d": N_("Figures for the last 30 days"),
}


# --- buttons ------------------------------------------------------------------------------


async def on_ticket_button(update: Update, context: DeskContext, press: Press) -> str | None:
    """Handle a ticket button (card or console); return the answer shown to the presser."""
    query = update.callback_query
    if query is None:
        return None
    actor = await agent_actor(update, context)
    if actor is None:
        return _(
            "Only logged-in agents can use these buttons. Send /login to me in a private chat."
        )
    n = press.number
    if n is None:
        raise StaleButton
    try:
        answer = await _ticket_action(query, context, actor, press, n)
    except DeskError:
        if _is_private(query):  # a stale view: show what the ticket is now, then refuse
            with suppress(DeskError):
                await _render_in_place(query, context, actor, n)
        raise
    if press.action not in ("pm", "card") and _is_private(query):
        await _render_in_place(query, context, actor, n)
    return answer


async def _ticket_action(
    query: CallbackQuery, context: DeskContext, actor: Actor, press: Press, n: int
) -> str | None:
    action = _TICKET_BUTTONS.get(press.action)
    if action is None:
        raise StaleButton
    return await action(query, context, actor, press, n)


async def _show(
    query: CallbackQuery, context: DeskContext, actor: Actor, press: Press, n: int
) -> str | None:
    await context.desk.queries.find_ticket(actor, n)
    if _is_private(query):
        return None
    return _("Open it in a private chat with me: /ticket {number}").format(number=n)


async def _take(
    query: CallbackQuery, context: DeskContext, actor: Actor, press: Press, n: int
) -> str:
    # The card shows Take only while the ticket is not closed: this press is older than the
    # close (or a merge), and taking would reopen what the agent never saw closed.
    if (await context.desk.queries.find_ticket(actor, n)).is_closed:
        raise TicketClosed(n)
    await context.desk.tickets.take(actor, n)
    return _("Ticket #{number} is yours.").format(number=n)


async def _status(
    query: CallbackQuery, context: DeskContext, actor: Actor, press: Press, n: int
) -> str:
    status = _parse(Status, press.argument)
    ticket = await context.desk.tickets.change_status(actor, n, status)
    return _("Ticket #{number} is now {status}.").format(
        number=n, status=status_word(ticket.status)
    )


async def _priority_menu(
    query: CallbackQuery, context: DeskContext, actor: Actor, press: Press, n: int
) -> None:
    ticket = await context.desk.queries.find_ticket(actor, n)
    await edit_keyboard(query, staff_text.priority_keyboard(ticket))


async def _priority(
    query: CallbackQuery, context: DeskContext, actor: Actor, press: Press, n: int
) -> str:
    priority = _parse(Priority, press.argument)
    ticket = await context.desk.queries.find_ticket(actor, n)
    if ticket.priority is not priority:
        ticket = await context.desk.tickets.set_priority(actor, n, priority)
    await edit_keyboard(query, staff_text.card_keyboard(ticket))
    return _("Priority of #{number}: {priority}.").format(
        number=n, priority=priority_word(priority)
    )


async def _back_to_card(
    query: CallbackQuery, context: DeskContext, actor: Actor, press: Press, n: int
) -> None:
    ticket = await context.desk.queries.find_ticket(actor, n)
    await edit_keyboard(query, staff_text.card_keyboard(ticket))


def _parse(kind: type[_Choice], value: str | None) -> _Choice:
    try:
        return kind(value or "")
    except ValueError:
        raise StaleButton from None


TicketButton = Callable[[CallbackQuery, DeskContext, Actor, Press, int], Awaitable[str | None]]
_TICKET_BUTTONS: dict[str, TicketButton] = {
    "show": _show,
    "take": _take,
    "st": _status,
    "pm": _priority_menu,
    "pr": _priority,
    "card": _back_to_card,
}


def _is_private(query: CallbackQuery) -> bool:
    return query.message is not None and query.message.chat.type == ChatType.PRIVATE


async def _render_in_place(
    query: CallbackQuery, context: DeskContext, actor: Actor, n: int
) -> None:
    detail = await context.desk.queries.get_ticket(actor, n, history=30)
    due = sla_due(detail.ticket, context.desk.config)
    await edit_text(query, views.ticket_text(detail, due), views.ticket_keyboard(detail))


async def on_queue_button(update: Update, context: DeskContext, press: Press) -> str | None:
    """Page through the queue."""
    query = update.callback_query
    if query is None:
        return None
    actor = await agent_actor(update, context)
    if actor is None:
        return _("Only logged-in agents can see the queue. Send /login first.")
    label = press.action
    if label not in views.QUEUE_FILTERS:
        raise StaleButton
    page = await _queue_page(context, actor, label, press.argument)
    await edit_text(
        query, views.queue_text(page, label, first_page=False), views.queue_keyboard(page, label)
    )
    return None
