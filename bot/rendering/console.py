"""What agents see in their private chat: the queue and a ticket with its history."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callback_data import encode
from bot.i18n import staff_day_month
from bot.i18n import staff_gettext as _
from bot.rendering.forwarded import forwarded_from
from bot.rendering.html import TEXT_LIMIT, esc, label_html, plain_label, shorten
from bot.rendering.staff import card_keyboard, render_card, render_event_line
from bot.rendering.words import PRIORITY_MARK, STATUS_MARK
from core.domain.values import Role
from core.notices.events import event_line
from core.sla import SlaDue
from core.views import EventView, MessageView, TicketDetail, TicketPage

QUEUE_FILTERS = (
    "active",
    "new",
    "open",
    "pending",
    "resolved",
    "closed",
    "all",
    "mine",
    "unassigned",
)


def queue_text(page: TicketPage, label: str, *, first_page: bool) -> str:
    """List one page of the queue."""
    if not page.tickets:
        if first_page:
            return _("No tickets in “{queue}”.").format(queue=esc(label))
        return _("No more tickets.")
    lines = [_("<b>Queue: {queue}</b> (most recent activity first)").format(queue=esc(label))]
    for t in page.tickets:
        who = label_html(t.assignee) if t.assignee else "—"
        lines.append(
            f"{STATUS_MARK[t.status]}{PRIORITY_MARK[t.priority]} <b>#{t.number}</b> "
            f"{label_html(t.subject, 50)} · {label_html(t.customer.display_name, 30)} · {who}"
        )
    return "\n".join(lines)


def queue_keyboard(page: TicketPage, label: str) -> InlineKeyboardMarkup | None:
    """A button per ticket and one for the next page."""
    rows = [
        [
            InlineKeyboardButton(
                f"#{t.number} {plain_label(t.subject, 40)}",
                callback_data=encode("t", "show", t.number),
            )
        ]
        for t in page.tickets
    ]
    if page.next_cursor:
        rows.append(
            [InlineKeyboardButton(_("More ▸"), callback_data=f"q:{label}:0:{page.next_cursor}")]
        )
    return InlineKeyboardMarkup(rows) if rows else None


def _history_line(item: MessageView | EventView) -> str:
    if isinstance(item, EventView):
        line = render_event_line(event_line(item))
        return f"<i>{_stamp(item.at)}</i> {line}"
    if item.internal:
        who = _("📝 {author} (note)").format(author=label_html(item.author_name))
    elif item.author_role is Role.CUSTOMER:
        who = f"👤 {label_html(item.author_name)}"
    else:
        who = f"💬 {label_html(item.author_name)}"
    body = item.text
    if item.attachment:
        body = f"[{item.attachment.kind.value}] {body}".strip()
    line = f"<i>{_stamp(item.created_at)}</i> {who}: {esc(shorten(body, 400))}"
    if item.forwarded_from is not None:
        line += f"\n    {forwarded_from(item.forwarded_from)}"
    return line


def _stamp(moment: datetime) -> str:
    """When a history line happened: ``26 Nov 09:05`` (the month in ``STAFF_LANGUAGE``)."""
    return f"{staff_day_month(moment)} {moment:%H:%M}"


def ticket_text(detail: TicketDetail, due: SlaDue | None = None) -> str:
    """The card (with ``due``: when its SLA targets fall due) and recent history that fits."""
    head = render_card(detail.ticket, due) + "\n\n" + _("<b>History</b> (latest last)")
    lines: list[str] = []
    budget = TEXT_LIMIT - len(head) - 200
    for item in reversed(detail.timeline()):
        line = _history_line(item)
        if len(line) + 1 > budget:
            lines.append("…")
            break
        lines.append(line)
        budget -= len(line) + 1
    return head + "\n" + "\n".join(reversed(lines))


def ticket_keyboard(detail: TicketDetail) -> InlineKeyboardMarkup:
    """The card's buttons plus a refresh."""
    number = detail.ticket.number
    refresh = InlineKeyboardButton(_("🔄 Refresh"), callback_data=encode("t", "show", number))
    return InlineKeyboardMarkup([*card_keyboard(detail.ticket).inline_keyboard, (refresh,)])
