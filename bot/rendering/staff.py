"""What agents see: the ticket card, its buttons, event lines, relayed replies and notes."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callback_data import encode
from bot.i18n import N_, NP_, format_staff_duration
from bot.i18n import staff_gettext as _
from bot.i18n import staff_pgettext as pgettext
from bot.rendering.html import esc, label_html, plain_label, shorten, subject_html
from bot.rendering.words import priority_label, priority_word, status_label, when, when_local
from core.domain.text import graphemes
from core.domain.values import EventKind, Priority, Status
from core.durations import parse_duration
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


def erased_topic_name(number: int) -> str:
    """The name of an erased ticket's topic kept for the ticket it was merged into."""
    return _("#{number} · erased").format(number=number)


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
    assignee = label_html(ticket.assignee) if ticket.assignee else _("— nobody yet")
    lines = [
        f"🎫 <b>#{ticket.number} {subject_html(ticket.subject)}</b>",
        _("Status: {status} · Priority: {priority}").format(
            status=status_label(ticket.status), priority=priority_label(ticket.priority)
        ),
        _("Customer: {customer}").format(customer=customer_line(ticket)),
        _("Assignee: {assignee}").format(assignee=assignee),
    ]
    if ticket.category:
        lines.append(_("Category: {category}").format(category=label_html(ticket.category)))
    if ticket.follow_up_of:
        lines.append(_("Follow-up of #{number}").format(number=ticket.follow_up_of))
    if ticket.tags:
        tags = " ".join(f"#{esc(tag)}" for tag in ticket.tags)
        lines.append(_("Tags: {tags}").format(tags=tags))
    if ticket.merged_into:
        lines.append(_("🔀 Merged into #{number}").format(number=ticket.merged_into))
    lines.append(_("Opened: {when}").format(when=when(ticket.created_at)))
    if ticket.rating is not None:
        comment = (
            f" — “{esc(shorten(ticket.rating_comment, 200))}”" if ticket.rating_comment else ""
        )
        lines.append(
            _("Rating: {stars} {rating}/5{comment}").format(
                stars="⭐" * ticket.rating, rating=ticket.rating, comment=comment
            )
        )
    for missed, breached in (
        (
            _("⏰ <b>SLA missed</b>: first response (answer overdue since {when})"),
            ticket.sla_first_breached_at,
        ),
        (
            _("⏰ <b>SLA missed</b>: resolution (solution overdue since {when})"),
            ticket.sla_resolution_breached_at,
        ),
    ):
        if breached is not None:
            lines.append(missed.format(when=when(breached)))
    if due is not None:
        for label, moment in (
            (_("⏱ First answer due: {when}"), due.first_response),
            (_("⏱ Resolution due: {when}"), due.resolution),
        ):
            if moment is not None:
                lines.append(label.format(when=when_local(moment, due.timezone)))
    if ticket.customer.unreachable_since is not None:
        lines.append(
            _(
                "⚠️ <b>The customer has blocked the bot</b> since {when}: replies cannot reach them."
            ).format(when=when(ticket.customer.unreachable_since))
        )
    return "\n".join(lines)


def card_keyboard(ticket: TicketView) -> InlineKeyboardMarkup:
    """The buttons under a card: take, status moves, priority (reopen when closed, unless
    it was merged into another)."""
    n = ticket.number
    customer = InlineKeyboardButton(_("👤 Customer"), callback_data=encode("a", "cust", n))
    if ticket.status is Status.CLOSED:
        if ticket.merged_into is not None:  # it stays closed: the work goes on in the other
            return InlineKeyboardMarkup([[customer]])
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(_("↩️ Reopen"), callback_data=encode("t", "st", n, "open"))],
                [customer],
            ]
        )
    moves = [
        (_("⏳ Pending"), Status.PENDING),
        (_("✅ Resolve"), Status.RESOLVED),
        (_("🔒 Close"), Status.CLOSED),
    ]
    first_row = [InlineKeyboardButton(_("🙋 Take"), callback_data=encode("t", "take", n))]
    if ticket.status in (Status.PENDING, Status.RESOLVED):
        first_row.append(
            InlineKeyboardButton(_("🟢 Open"), callback_data=encode("t", "st", n, "open"))
        )
    second_row = [
        InlineKeyboardButton(label, callback_data=encode("t", "st", n, status.value))
        for label, status in moves
        if status is not ticket.status
    ]
    priority = InlineKeyboardButton(
        _("Priority: {priority} ▾").format(priority=priority_label(ticket.priority)),
        callback_data=encode("t", "pm", n),
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
    back = InlineKeyboardButton(_("◂ Back"), callback_data=encode("t", "card", n))
    return InlineKeyboardMarkup([choices[:2], choices[2:], [back]])


_EVENT_LINES = {
    EventKind.ASSIGNED: N_("👤 <b>{actor}</b> assigned the ticket to {target}"),
    EventKind.PRIORITY: N_("⚡ <b>{actor}</b> changed the priority: {detail}"),
    EventKind.RATED: N_("⭐ <b>{actor}</b> rated the ticket {detail}"),
    EventKind.SLA_BREACH: N_("⏰ SLA missed: {detail}"),
    EventKind.REMINDED: N_("🔔 The customer was reminded that we wait for their answer"),
    EventKind.UNDELIVERED: N_("⚠️ A message could not be delivered to the customer: {detail}"),
    EventKind.TAGGED: N_("🏷 <b>{actor}</b> tagged the ticket: {detail}"),
    EventKind.UNTAGGED: N_("🏷 <b>{actor}</b> removed the tag {detail}"),
    EventKind.MERGED_FROM: N_("🔀 <b>{actor}</b> merged {detail} into this ticket"),
}
_SLA_TARGETS = {
    "first response": NP_("sla", "first response"),
    "resolution": NP_("sla", "resolution"),
}
"""Core's names of the SLA targets (``core.services.timers``), as staff read them."""
_UNDELIVERED = {"the customer blocked the bot": N_("the customer blocked the bot")}
"""Why a message did not reach the customer, as the dispatcher records it."""
BUSINESS_HOURS = " of business hours"


def render_event_line(line: EventLine, *, link: str | None = None) -> str:
    """Render one audit event as a line in the topic (``link``: the topic it points to)."""
    actor = label_html(line.actor) if line.actor else _("system")
    kind = line.event_kind
    detail = esc(line.detail or "")
    if kind == EventKind.MERGED_INTO:
        target = f'<a href="{esc(link)}">{detail}</a>' if link else detail
        return _(
            "🔀 <b>{actor}</b> merged this ticket into {target}: the conversation continues there."
        ).format(actor=actor, target=target)
    if kind == EventKind.STATUS and line.from_status and line.to_status:
        frm, to = line.from_status, line.to_status
        why = f" ({detail})" if detail else ""
        return f"🔄 <b>{actor}</b>: {status_label(frm)} → {status_label(to)}{why}"
    template = _EVENT_LINES.get(EventKind(kind)) if kind in set(EventKind) else None
    if template is None:
        return f"• <b>{actor}</b>: {esc(kind)} {detail}".rstrip()
    if kind == EventKind.SLA_BREACH:
        detail = esc(sla_target_name(line.detail or ""))
    elif kind == EventKind.UNDELIVERED and line.detail in _UNDELIVERED:
        detail = esc(_(_UNDELIVERED[line.detail]))
    elif kind == EventKind.PRIORITY:
        detail = esc(" → ".join(_priority_name(part) for part in (line.detail or "").split(" → ")))
    target = _("nobody") if detail == "nobody" else f"<b>{detail}</b>"
    return _(template).format(actor=actor, detail=detail, target=target)


def _priority_name(value: str) -> str:
    """A priority core named (``urgent``) in ``STAFF_LANGUAGE``; anything else as it is."""
    return priority_word(Priority(value)) if value in set(Priority) else value


def sla_target_name(which: str) -> str:
    """An SLA target's name (``first response``) in ``STAFF_LANGUAGE``; others as they are."""
    name = _SLA_TARGETS.get(which)
    return pgettext("sla", name) if name else which


def sla_time(target: str) -> str:
    """The time an SLA target allows (core's ``1h of business hours``), the staff's way."""
    business = target.endswith(BUSINESS_HOURS)
    short = target.removesuffix(BUSINESS_HOURS)
    try:
        span = format_staff_duration(parse_duration(short))
    except ValueError:
        return target
    return _("{duration} of business hours").format(duration=span) if business else span


def sla_alert(number: int, subject: str, which: str, target: str) -> str:
    """Alert staff that a ticket missed an SLA target."""
    if which == "first response":
        text = _(
            "⏰ <b>SLA missed</b> on ticket <b>#{number}</b> “{subject}”: "
            "no first response within {target}."
        )
    elif which == "resolution":
        text = _(
            "⏰ <b>SLA missed</b> on ticket <b>#{number}</b> “{subject}”: "
            "no resolution within {target}."
        )
    else:
        text = _(
            "⏰ <b>SLA missed</b> on ticket <b>#{number}</b> “{subject}”: "
            "no {which} within {target}."
        )
    return text.format(
        number=number, subject=subject_html(subject), which=esc(which), target=esc(sla_time(target))
    )


def relay_header(style: CopyStyle, author: str) -> str:
    """Head a reply or note that was written outside the ticket's topic."""
    if style is CopyStyle.NOTE:
        return _("📝 <b>Note by {author}</b>").format(author=label_html(author))
    return _("💬 <b>{author}</b> replied to the customer").format(author=label_html(author))


def routed_to_merged(number: int, link: str | None) -> str:
    """Tell an agent who wrote in a merged ticket's topic where their message went."""
    target = f'<a href="{esc(link)}">#{number}</a>' if link else f"#{number}"
    return _("↪️ This ticket was merged into {target}: your message went there.").format(
        target=target
    )


def not_agent_hint() -> str:
    """Tell a staff-chat member why their message was not relayed."""
    return _(
        "ℹ️ Only logged-in agents are relayed to customers. "
        "Send /login to me in a private chat to log in."
    )


def swarm_alert() -> str:
    """The one alert of a swarm of new customers, for the staff chat's general topic."""
    return _(
        "⚠️ Many new customers at once: their first tickets wait until each taps a button "
        "to show they are a person; their topics open then. Nothing they wrote is lost."
    )


def assigned_to_you(by: str, number: int, subject: str) -> str:
    """Tell an agent, in private, that someone assigned them a ticket."""
    return _("📌 <b>{by}</b> assigned ticket <b>#{number}</b> “{subject}” to you.").format(
        by=label_html(by), number=number, subject=subject_html(subject)
    )


def open_ticket_button(number: int) -> str:
    """The label of the button that opens a ticket in the console: ``Open #12``."""
    return _("Open #{number}").format(number=number)


def digest_title() -> str:
    """The title of the daily digest in the staff chat's general topic."""
    return _("Daily digest")
