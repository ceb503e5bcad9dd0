"""What agents see: the ticket card, its buttons, event lines, relayed replies and notes."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callback_data import encode
from bot.rendering.html import esc, label_html, plain_label, shorten, subject_html
from bot.rendering.words import priority_label, status_label, when, when_local
from core.domain.text import graphemes
from core.domain.values import EventKind, Priority, Status
from core.notices.kinds import CopyStyle, EventLine
from core.sla import SlaDue
from core.views import TicketView

TOPIC_NAME_LIMIT = 128  # UTF-16 code units, as Telegram counts them


def topic_name(ticket: TicketView) -> str:
    """Name the ticket's forum topic: ``#N subject``, within Telegram's 1–128 UTF-16 units.

    The subject is cleaned like every label and cut between graphemes, never inside an
    emoji sequence, a flag or a surrogate pair.
    """
    return cut_utf16(plain_label(f"#{ticket.number} {ticket.subject}"), TOPIC_NAME_LIMIT)


def plain_topic_name(ticket: TicketView) -> str:
    """The name to fall back on when Telegram refuses ``topic_name``: ``#N`` alone."""
    return f"#{ticket.number}"


def utf16_length(text: str) -> int:
    """Count UTF-16 code units, as Telegram measures lengths (an emoji is often two)."""
    return len(text.encode("utf-16-le")) // 2


def cut_utf16(text: str, limit: int) -> str:
    """Cut text to ``limit`` UTF-16 units between graphemes, ending with "…" when cut."""
    if utf16_length(text) <= limit:
        return text
    room = limit - utf16_length("…")
    kept: list[str] = []
    for cluster in graphemes(text):
        room -= utf16_length(cluster)
        if room < 0:
            break
        kept.append(cluster)
    return "".join(kept).rstrip() + "…"


def customer_line(ticket: TicketView) -> str:
    """Describe the customer: name, @username and Telegram id."""
    customer = ticket.customer
    handle = f" (@{label_html(customer.username)})" if customer.username else ""
    name = label_html(customer.display_name)
    return f"{name}{handle} · id <code>{customer.telegram_user_id}</code>"


def render_card(ticket: TicketView, due: SlaDue | None = None) -> str:
    """Render the ticket card that opens (and heads) the ticket's topic.

    Args:
        ticket: the ticket.
        due: when its running SLA targets fall due, shown in the team's time zone.
    """
    lines = [
        f"🎫 <b>#{ticket.number} {subject_html(ticket.subject)}</b>",
        f"Status: {status_label(ticket.status)} · Priority: {priority_label(ticket.priority)}",
        f"Customer: {customer_line(ticket)}",
        f"Assignee: {label_html(ticket.assignee) if ticket.assignee else '— nobody yet'}",
    ]
    if ticket.category:
        lines.append(f"Category: {label_html(ticket.category)}")
    if ticket.follow_up_of:
        lines.append(f"Follow-up of #{ticket.follow_up_of}")
    if ticket.tags:
        lines.append("Tags: " + " ".join(f"#{esc(tag)}" for tag in ticket.tags))
    if ticket.merged_into:
        lines.append(f"🔀 Merged into #{ticket.merged_into}")
    lines.append(f"Opened: {when(ticket.created_at)}")
    if ticket.rating is not None:
        comment = (
            f" — “{esc(shorten(ticket.rating_comment, 200))}”" if ticket.rating_comment else ""
        )
        lines.append(f"Rating: {'⭐' * ticket.rating} {ticket.rating}/5{comment}")
    for which, breached, target in (
        ("first response", ticket.sla_first_breached_at, "answer"),
        ("resolution", ticket.sla_resolution_breached_at, "solution"),
    ):
        if breached is not None:
            lines.append(f"⏰ <b>SLA missed</b>: {which} ({target} overdue since {when(breached)})")
    if due is not None:
        for label, moment in (("First answer", due.first_response), ("Resolution", due.resolution)):
            if moment is not None:
                lines.append(f"⏱ {label} due: {when_local(moment, due.timezone)}")
    if ticket.customer.unreachable_since is not None:
        lines.append(
            "⚠️ <b>The customer has blocked the bot</b> since "
            f"{when(ticket.customer.unreachable_since)}: replies cannot reach them."
        )
    return "\n".join(lines)


def card_keyboard(ticket: TicketView) -> InlineKeyboardMarkup:
    """The buttons under a card: take, status moves, priority (reopen when closed)."""
    n = ticket.number
    customer = InlineKeyboardButton("👤 Customer", callback_data=encode("a", "cust", n))
    if ticket.status is Status.CLOSED:
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton("↩️ Reopen", callback_data=encode("t", "st", n, "open"))],
                [customer],
            ]
        )
    moves = [
        ("⏳ Pending", Status.PENDING),
        ("✅ Resolve", Status.RESOLVED),
        ("🔒 Close", Status.CLOSED),
    ]
    first_row = [InlineKeyboardButton("🙋 Take", callback_data=encode("t", "take", n))]
    if ticket.status in (Status.PENDING, Status.RESOLVED):
        first_row.append(
            InlineKeyboardButton("🟢 Open", callback_data=encode("t", "st", n, "open"))
        )
    second_row = [
        InlineKeyboardButton(label, callback_data=encode("t", "st", n, status.value))
        for label, status in moves
        if status is not ticket.status
    ]
    priority = InlineKeyboardButton(
        f"Priority: {priority_label(ticket.priority)} ▾", callback_data=encode("t", "pm", n)
    )
    return InlineKeyboardMarkup([first_row, second_row, [priority, customer]])


def priority_keyboard(ticket: TicketView) -> InlineKeyboardMarkup:
    """The priority choice that replaces the card's buttons for a moment."""
    n = ticket.number
    choices = [
        InlineKeyboardButton(
            ("• " if p is ticket.priority else "") + priority_label(p),
            callback_data=encode("t", "pr", n, p.value),
        )
        for p in Priority
    ]
    back = InlineKeyboardButton("◂ Back", callback_data=encode("t", "card", n))
    return InlineKeyboardMarkup([choices[:2], choices[2:], [back]])


_EVENT_LINES = {
    EventKind.ASSIGNED: "👤 <b>{actor}</b> assigned the ticket to {target}",
    EventKind.PRIORITY: "⚡ <b>{actor}</b> changed the priority: {detail}",
    EventKind.RATED: "⭐ <b>{actor}</b> rated the ticket {detail}",
    EventKind.SLA_BREACH: "⏰ SLA missed: {detail}",
    EventKind.REMINDED: "🔔 The customer was reminded that we wait for their answer",
    EventKind.UNDELIVERED: "⚠️ A message could not be delivered to the customer: {detail}",
    EventKind.TAGGED: "🏷 <b>{actor}</b> tagged the ticket: {detail}",
    EventKind.UNTAGGED: "🏷 <b>{actor}</b> removed the tag {detail}",
    EventKind.MERGED_FROM: "🔀 <b>{actor}</b> merged {detail} into this ticket",
}


def render_event_line(line: EventLine, *, link: str | None = None) -> str:
    """Render one audit event as a line in the topic (``link``: the topic it points to)."""
    actor = label_html(line.actor or "system")
    kind = line.event_kind
    detail = esc(line.detail or "")
    if kind == EventKind.MERGED_INTO:
        target = f'<a href="{esc(link)}">{detail}</a>' if link else detail
        return (
            f"🔀 <b>{actor}</b> merged this ticket into {target}: the conversation continues there."
        )
    if kind == EventKind.STATUS and line.from_status and line.to_status:
        frm, to = line.from_status, line.to_status
        why = f" ({detail})" if detail else ""
        return f"🔄 <b>{actor}</b>: {status_label(frm)} → {status_label(to)}{why}"
    template = _EVENT_LINES.get(EventKind(kind)) if kind in set(EventKind) else None
    if template is None:
        return f"• <b>{actor}</b>: {esc(kind)} {detail}".rstrip()
    target = "nobody" if detail == "nobody" else f"<b>{detail}</b>"
    return template.format(actor=actor, detail=detail, target=target)


def sla_alert(number: int, subject: str, which: str, target: str) -> str:
    """Alert staff that a ticket missed an SLA target."""
    return (
        f"⏰ <b>SLA missed</b> on ticket <b>#{number}</b> “{subject_html(subject)}”: "
        f"no {esc(which)} within {esc(target)}."
    )


def relay_header(style: CopyStyle, author: str) -> str:
    """Head a reply or note that was written outside the ticket's topic."""
    if style is CopyStyle.NOTE:
        return f"📝 <b>Note by {label_html(author)}</b>"
    return f"💬 <b>{label_html(author)}</b> replied to the customer"


def routed_to_merged(number: int, link: str | None) -> str:
    """Tell an agent who wrote in a merged ticket's topic where their message went."""
    target = f'<a href="{esc(link)}">#{number}</a>' if link else f"#{number}"
    return f"↪️ This ticket was merged into {target}: your message went there."


def not_agent_hint() -> str:
    """Tell a staff-chat member why their message was not relayed."""
    return (
        "ℹ️ Only logged-in agents are relayed to customers. "
        "Send /login to me in a private chat to log in."
    )


def swarm_alert() -> str:
    """The one alert of a swarm of new customers, for the staff chat's general topic."""
    return (
        "⚠️ Many new customers at once: their first tickets wait until each taps a button "
        "to show they are a person; their topics open then. Nothing they wrote is lost."
    )
