"""Agents' daily tools, in a private chat and in a ticket's topic: tags, the customer's
card, saved replies, search and merges.

In a ticket's topic the ticket is the topic's, so its number is left out
(``/tag billing``); in a private chat it comes first (``/tag 12 billing``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType

from bot.callback_data import Press, StaleButton
from bot.context import DeskContext
from bot.handlers.common import (
    agent_actor,
    edit_text,
    is_ascii_number,
    parse_number,
    say,
    say_all,
)
from bot.handlers.staff import ticket_of
from bot.i18n import N_
from bot.i18n import staff_gettext as _
from bot.i18n import staff_ngettext as ngettext
from bot.inbound import command_argument
from bot.rendering import agent_tools as views
from bot.rendering.html import cut_graphemes, esc
from bot.rendering.refusals import staff_answer_for
from bot.rendering.staff import not_agent_hint
from bot.rendering.words import status_label
from core.domain.actors import Actor
from core.errors import DeskError
from core.services.saved_replies import SavedReplyInput

NOT_AGENT = N_("This command is for agents. Agents log in first with /login.")
SAVED_PAGE = 8


@dataclass(frozen=True, slots=True)
class Where:
    """Who asked, and the ticket of the topic they asked in (None in a private chat)."""

    actor: Actor
    topic_ticket: int | None
    in_private: bool


Tool = Callable[[Update, DeskContext, Where, list[str]], Awaitable[None]]


def agent_tool(
    usage: str,
) -> Callable[[Tool], Callable[[Update, DeskContext], Coroutine[Any, Any, None]]]:
    """Wrap a tool command: logged-in agents only; refusals answered in one clear line."""

    def wrap(tool: Tool) -> Callable[[Update, DeskContext], Coroutine[Any, Any, None]]:
        async def handler(update: Update, context: DeskContext) -> None:
            message, chat = update.effective_message, update.effective_chat
            if message is None or chat is None:
                return
            actor = await agent_actor(update, context)
            in_private = chat.type == ChatType.PRIVATE
            if actor is None:
                await say(update, _(NOT_AGENT) if in_private else not_agent_hint())
                return
            try:
                topic = None if in_private else await ticket_of(context, message, actor)
                where = Where(actor, topic.number if topic else None, in_private)
                await tool(update, context, where, list(context.args or []))
            except _Usage as exc:
                await say(
                    update,
                    _("{problem}\nUsage: {usage}").format(
                        problem=esc(str(exc)), usage=esc(_(usage))
                    ),
                )
            except DeskError as exc:
                await say(update, staff_answer_for(exc))

        handler.__doc__ = tool.__doc__
        return handler

    return wrap


class _Usage(DeskError):
    """The command was not written as its usage line says."""


def _ticket_and_rest(where: Where, args: list[str]) -> tuple[int, list[str]]:
    if where.topic_ticket is not None:
        return where.topic_ticket, args
    if not args:
        raise _Usage(_("Name the ticket first."))
    number = parse_number(args[0])
    if number is None:
        raise _Usage(_("“{text}” is not a ticket number.").format(text=cut_graphemes(args[0], 20)))
    return number, args[1:]


# --- tags -------------------------------------------------------------------------------


@agent_tool(N_("/tag 12 word… (in a ticket's topic: /tag word…)"))
async def tag_command(update: Update, context: DeskContext, where: Where, args: list[str]) -> None:
    """Put tags on a ticket."""
    number, words = _ticket_and_rest(where, args)
    if not words:
        raise _Usage(_("Name at least one tag."))
    ticket = await context.desk.tags.tag(where.actor, number, words)
    await say(update, f"🏷 #{number}: {views.tags_html(ticket.tags) or _('no tags')}")


@agent_tool(N_("/untag 12 word (in a ticket's topic: /untag word)"))
async def untag_command(
    update: Update, context: DeskContext, where: Where, args: list[str]
) -> None:
    """Take a tag off a ticket."""
    number, words = _ticket_and_rest(where, args)
    if len(words) != 1:
        raise _Usage(_("Name one tag."))
    ticket = await context.desk.tags.untag(where.actor, number, words[0])
    await say(update, f"🏷 #{number}: {views.tags_html(ticket.tags) or _('no tags left')}")


# --- the customer's card ----------------------------------------------------------------


@agent_tool(N_("/customer 12, /customer @username or /customer 123456789 (a Telegram id)"))
async def customer_command(
    update: Update, context: DeskContext, where: Where, args: list[str]
) -> None:
    """Show a customer's card."""
    if len(args) > 1:
        raise _Usage(_("Name one ticket or one customer."))
    if not args:
        if where.topic_ticket is None:
            raise _Usage(_("Name a ticket or a customer."))
        card = await context.desk.customers.card_of_ticket(where.actor, where.topic_ticket)
    elif args[0].startswith("@") or (is_ascii_number(args[0]) and len(args[0]) > 7):
        card = await context.desk.customers.card(where.actor, args[0])
    else:
        number = parse_number(args[0])
        if number is None:
            raise _Usage(
                _("“{text}” is neither a ticket number nor a @username.").format(
                    text=cut_graphemes(args[0], 20)
                )
            )
        card = await context.desk.customers.card_of_ticket(where.actor, number)
    await say(update, views.customer_card(card), views.customer_keyboard(card))


# --- saved replies ----------------------------------------------------------------------


@agent_tool("/saved · /saved add NAME text… · /saved del NAME · /saved NAME")
async def saved_command(
    update: Update, context: DeskContext, where: Where, args: list[str]
) -> None:
    """List, add, delete or show saved replies."""
    message = update.effective_message
    if message is None:
        return
    if not args:
        page = await context.desk.saved_replies.page(where.actor, limit=SAVED_PAGE)
        await say(update, views.saved_list(page, 0), views.saved_keyboard(page))
        return
    verb = args[0].lower()
    if verb == "add":
        if len(args) < 3:
            raise _Usage(_("Give the reply a name and a text."))
        name, reply = _saved_text(message, args[1])
        saved = await context.desk.saved_replies.add(where.actor, name, reply)
        await say(
            update,
            _("💾 Saved. Send it with <code>!{name}</code>.").format(name=esc(saved.name)),
        )
    elif verb in ("del", "delete"):
        if len(args) != 2:
            raise _Usage(_("Name the reply to delete."))
        await context.desk.saved_replies.delete(where.actor, args[1])
        await say(
            update,
            _("🗑 The saved reply “{name}” is deleted.").format(
                name=esc(args[1].lstrip("!").lower())
            ),
        )
    elif len(args) == 1:
        reply_view = await context.desk.saved_replies.get(where.actor, args[0])
        await say_all(update, views.saved_reply(reply_view))
    else:
        raise _Usage(_("Unknown action “{action}”.").format(action=cut_graphemes(args[0], 20)))


def _saved_text(message: Message, name: str) -> tuple[str, SavedReplyInput]:
    """The text after ``add NAME``, with its formatting (HTML), and the name."""
    argument = command_argument(message)
    plain = argument.text.split(maxsplit=2)
    if len(plain) < 3:
        raise _Usage(_("Write the reply's text after its name."))
    text = plain[2]
    formatted = argument.formatted
    html_text = None
    if formatted is not None:
        # The formatted form starts with the same two words (they carry no formatting).
        pieces = formatted.split(maxsplit=2)
        if len(pieces) == 3 and pieces[0].lower() == "add" and pieces[1] == esc(name):
            html_text = pieces[2]
    return name, SavedReplyInput(text, html_text)


# --- search -----------------------------------------------------------------------------


@agent_tool("/search words… [status:open] [tag:billing] [customer:@ann] [agent:alice]")
async def search_command(
    update: Update, context: DeskContext, where: Where, args: list[str]
) -> None:
    """Search tickets by their words."""
    message = update.effective_message
    raw = command_argument(message).text if message is not None else " ".join(args)
    hits = await context.desk.search.search(where.actor, raw)
    keyboard = views.tickets_keyboard([hit.ticket for hit in hits]) if hits else None
    await say(update, views.search_results(raw, hits), keyboard)


# --- merge ------------------------------------------------------------------------------


@agent_tool(N_("/merge 12 15 — merge #12 into #15 (in #12's topic: /merge 15)"))
async def merge_command(
    update: Update, context: DeskContext, where: Where, args: list[str]
) -> None:
    """Ask to confirm merging one ticket into another."""
    numbers = [parse_number(arg) for arg in args]
    if where.topic_ticket is not None and len(numbers) == 1:
        numbers = [where.topic_ticket, *numbers]
    if len(numbers) != 2 or None in numbers:
        raise _Usage(_("Name the ticket to merge and the ticket it goes into."))
    source, target = int(numbers[0] or 0), int(numbers[1] or 0)
    a, b = await context.desk.merge.check(where.actor, source, target)
    await say(update, views.merge_question(a, b), views.merge_keyboard(source, target))


# --- buttons ----------------------------------------------------------------------------


async def on_tool_button(update: Update, context: DeskContext, press: Press) -> str | None:
    """Handle a button of the agents' tools; return the answer shown to the presser."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return None
    actor = await agent_actor(update, context)
    if actor is None:
        return _(
            "Only logged-in agents can use these buttons. Send /login to me in a private chat."
        )
    action = _TOOL_BUTTONS.get(press.action)
    if action is None:
        raise StaleButton
    return await action(query, query.message, context, actor, press)


ToolButton = Callable[[CallbackQuery, Message, DeskContext, Actor, Press], Awaitable[str | None]]


async def _customer_button(
    query: CallbackQuery, message: Message, context: DeskContext, actor: Actor, press: Press
) -> str | None:
    card = await context.desk.customers.card_of_ticket(actor, _pressed_number(press))
    await message.reply_html(views.customer_card(card), reply_markup=views.customer_keyboard(card))
    return None


async def _saved_button(
    query: CallbackQuery, message: Message, context: DeskContext, actor: Actor, press: Press
) -> str | None:
    reply = await context.desk.saved_replies.get(actor, press.argument or "")
    for part in views.saved_reply(reply):
        await message.reply_html(part, do_quote=False)
    return None


async def _saved_page_button(
    query: CallbackQuery, message: Message, context: DeskContext, actor: Actor, press: Press
) -> str | None:
    offset = _pressed_number(press)
    page = await context.desk.saved_replies.page(actor, offset=offset, limit=SAVED_PAGE)
    await edit_text(query, views.saved_list(page, offset), views.saved_keyboard(page))
    return None


async def _merge_button(
    query: CallbackQuery, message: Message, context: DeskContext, actor: Actor, press: Press
) -> str | None:
    target = parse_number(press.argument or "")
    if target is None:
        raise StaleButton
    merged = await context.desk.merge.merge(actor, _pressed_number(press), target)
    await edit_text(
        query,
        ngettext(
            "🔀 #{source} is merged into #{target} ({count} message moved; #{target} is {status}).",
            "🔀 #{source} is merged into #{target} "
            "({count} messages moved; #{target} is {status}).",
            merged.messages_moved,
        ).format(
            source=merged.source.number,
            target=merged.target.number,
            count=merged.messages_moved,
            status=status_label(merged.target.status),
        ),
    )
    return _("Merged into #{number}.").format(number=merged.target.number)


async def _merge_cancel_button(
    query: CallbackQuery, message: Message, context: DeskContext, actor: Actor, press: Press
) -> str | None:
    await edit_text(query, _("Merge cancelled: nothing changed."))
    return None


def _pressed_number(press: Press) -> int:
    if press.number is None:
        raise StaleButton
    return press.number


_TOOL_BUTTONS: dict[str, ToolButton] = {
    "cust": _customer_button,
    "sv": _saved_button,
    "svp": _saved_page_button,
    "mg": _merge_button,
    "mgx": _merge_cancel_button,
}

COMMANDS = (
    ("tag", tag_command),
    ("untag", untag_command),
    ("customer", customer_command),
    ("saved", saved_command),
    ("search", search_command),
    ("merge", merge_command),
)
"""The tools' commands, each registered for private chats and for the staff chat."""
