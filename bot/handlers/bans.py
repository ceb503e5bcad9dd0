"""Agents' ban commands: ``/ban``, ``/unban`` (privately or in a ticket's topic), ``/banned``.

``/ban 12 spam`` bans the customer of ticket #12, ``/ban @ann`` a customer by username,
``/ban id:7001`` by Telegram user id; in a ticket's topic a plain ``/ban [reason]`` bans
that ticket's customer.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.context import DeskContext
from bot.handlers.common import agent_actor, say
from bot.handlers.staff import ticket_of
from bot.i18n import N_
from bot.i18n import staff_gettext as _
from bot.i18n import staff_ngettext as ngettext
from bot.rendering.desk_errors import staff_error
from bot.rendering.html import esc
from core.domain.actors import Actor
from core.errors import DeskError, InvalidInput
from core.services.bans import BanView
from core.services.customer_refs import CustomerRef

NOT_AGENT = N_("This command is for agents. Agents log in first with /login.")
BAN_USAGE = N_(
    "Usage: /ban 12|@username|id:TELEGRAM_ID [reason] — or /ban [reason] in a ticket's topic"
)
UNBAN_USAGE = N_("Usage: /unban 12|@username|id:TELEGRAM_ID — or /unban in a ticket's topic")


async def ban_command(update: Update, context: DeskContext) -> None:
    """Ban a customer: their messages are kept, not relayed; their open tickets close."""
    actor = await _agent_or_refuse(update, context)
    if actor is None:
        return
    try:
        target, reason = await _target(update, context, actor, BAN_USAGE)
        ban = await context.desk.bans.ban(actor, target, reason)
    except DeskError as exc:
        await say(update, f"⚠️ {esc(staff_error(exc))}")
        return
    closed = ", ".join(f"#{number}" for number in ban.closed_tickets) or _("none were open")
    await say(
        update,
        _(
            "🚫 Banned {who}. Tickets closed: {closed}. Their messages are kept but not "
            "passed on. Undo: <code>/unban id:{id}</code>"
        ).format(who=_who(ban), closed=closed, id=ban.telegram_user_id),
    )


async def unban_command(update: Update, context: DeskContext) -> None:
    """Lift a ban."""
    actor = await _agent_or_refuse(update, context)
    if actor is None:
        return
    try:
        target, _reason = await _target(update, context, actor, UNBAN_USAGE)
        ban = await context.desk.bans.unban(actor, target)
    except DeskError as exc:
        await say(update, f"⚠️ {esc(staff_error(exc))}")
        return
    await say(
        update,
        _("✅ {who} is no longer banned; their next message is served.").format(who=_who(ban)),
    )


async def banned_command(update: Update, context: DeskContext) -> None:
    """List the bans."""
    if await _agent_or_refuse(update, context) is None:
        return
    bans = await context.desk.bans.list_bans()
    if not bans:
        await say(update, _("Nobody is banned."))
        return
    lines = [
        _("• {who} — {day} by {agent}").format(
            who=_who(ban), day=f"{ban.banned_at:%Y-%m-%d}", agent=esc(ban.banned_by)
        )
        + (f": {esc(ban.reason)}" if ban.reason else "")
        for ban in bans[:50]
    ]
    more = (
        "\n"
        + ngettext("…and {count} more.", "…and {count} more.", len(bans) - 50).format(
            count=len(bans) - 50
        )
        if len(bans) > 50
        else ""
    )
    await say(
        update,
        _("<b>Banned ({count})</b>").format(count=len(bans)) + "\n" + "\n".join(lines) + more,
    )


async def _agent_or_refuse(update: Update, context: DeskContext) -> Actor | None:
    actor = await agent_actor(update, context)
    if actor is None:
        await say(update, _(NOT_AGENT))
    return actor


async def _target(
    update: Update, context: DeskContext, actor: Actor, usage: str
) -> tuple[CustomerRef, str | None]:
    """Who is meant, and the rest of the line (the reason).

    Raises:
        InvalidInput: no target given outside a ticket's topic, or an unreadable one.
    """
    args = list(context.args or [])
    message = update.effective_message
    in_group = message is not None and message.chat.type != ChatType.PRIVATE
    if args:
        try:
            return CustomerRef.parse(args[0]), " ".join(args[1:]) or None
        except InvalidInput:
            if not in_group:
                raise
    ticket = await ticket_of(context, message, actor) if in_group and message else None
    if ticket is None:
        raise InvalidInput(_(usage))
    return CustomerRef(ticket=ticket.number), " ".join(args) or None


def _who(ban: BanView) -> str:
    name = esc(ban.name)
    return f"{name} (@{esc(ban.username)})" if ban.username else name
