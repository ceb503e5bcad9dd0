"""What customers see: welcome, confirmations, status news, lists and rating buttons."""

from __future__ import annotations

import re
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callback_data import encode
from bot.i18n import _, format_short_when, format_span, format_when, ngettext
from bot.rendering.html import TEXT_LIMIT, esc, label_html, plain_label, shorten, subject_html
from bot.rendering.words import STATUS_MARK, customer_status_label, customer_status_word
from core.domain.values import Role, Status
from core.durations import parse_duration
from core.views import MessageView, TicketDetail, TicketPage, TicketView


def help_text() -> str:
    """How the bot works, for customers."""
    return _(
        "<b>How this works</b>\n"
        "Write to me and your message goes to our support team; their answers arrive here.\n\n"
        "/new — open a new ticket\n"
        "/my — your tickets (open one to make it active or close it)\n"
        "/close — close your active ticket (or /close 12)\n"
        "/language — choose the language I write in\n"
        "/cancel — stop what you are doing\n"
        "/help — this message\n\n"
        "Plain messages, photos, files, voice notes and stickers go to your active ticket. "
        "Reply to one of my messages to write to that message's ticket."
    )


def welcome(name: str) -> str:
    """Greet a customer on /start."""
    return _(
        "👋 Hello, {name}! This is our support desk.\n"
        "Tell us what is wrong and we will answer right here. "
        "Tap <b>New ticket</b> to start, or just write your message."
    ).format(name=esc(name))


def start_keyboard() -> InlineKeyboardMarkup:
    """The /start buttons."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("📝 New ticket"), callback_data=encode("c", "new")),
                InlineKeyboardButton(_("📂 My tickets"), callback_data=encode("c", "my")),
            ]
        ]
    )


def ticket_title(ticket: TicketView) -> str:
    """``#12 “Printer on fire”`` with the subject escaped."""
    return f"#{ticket.number} “{subject_html(ticket.subject)}”"


def confirmation(number: int, subject: str) -> str:
    """Confirm a new ticket to its customer."""
    return _(
        "✅ Your ticket <b>#{number}</b> “{subject}” is open (status: {status}).\n"
        "We will answer here. Anything else you write now is added to it."
    ).format(number=number, subject=subject_html(subject), status=customer_status_label(Status.NEW))


def status_news(
    number: int,
    subject: str,
    to: Status,
    reopen_window: timedelta,
    *,
    by_system: bool = False,
    reason: str | None = None,
) -> str:
    """Tell a customer, in plain words, that their ticket changed status."""
    title = f"<b>#{number}</b> “{subject_html(subject)}”"
    if to is Status.CLOSED:
        return _closed_news(title, by_system=by_system, reason=reason)
    if to is Status.OPEN:
        return _("🟢 Your ticket {title} is being worked on.").format(title=title)
    if to is Status.PENDING:
        return _("⏳ Your ticket {title} is waiting for your answer. Just reply here.").format(
            title=title
        )
    if to is Status.RESOLVED:
        return _(
            "✅ Your ticket {title} has been resolved.\n"
            "Not solved after all? Reply within {window} and we reopen it."
        ).format(title=title, window=format_span(reopen_window))
    return _("Your ticket {title} is now {status}.").format(
        title=title, status=customer_status_label(to)
    )


def _closed_news(title: str, *, by_system: bool, reason: str | None) -> str:
    if (reason or "").startswith("merged into #"):
        target = esc((reason or "").removeprefix("merged into "))
        return _(
            "🔀 Your ticket {title} is the same matter as ticket <b>{target}</b>, so we merged "
            "them: we continue in {target}. Just write here as before."
        ).format(title=title, target=target)
    if by_system:
        if reason == "no answer from the customer":
            why = _("🔒 Your ticket {title} was closed because we did not hear back from you.")
        elif reason == "resolved and not answered":
            why = _(
                "🔒 Your ticket {title} was closed automatically, "
                "as it was resolved and you did not reply."
            )
        else:
            why = _("🔒 Your ticket {title} was closed automatically.")
        return why.format(title=title) + " " + _("Write any time to open a new one.")
    return _("🔒 Your ticket {title} is closed. Write any time to open a new one.").format(
        title=title
    )


def pending_reminder(number: int, subject: str, closes_in: str) -> str:
    """Remind a customer that a ticket waits for their answer."""
    return _(
        "🔔 We are still waiting for your answer on ticket <b>#{number}</b> “{subject}”. "
        "Just reply here. Without news, we close it in {closes_in}."
    ).format(number=number, subject=subject_html(subject), closes_in=esc(_span_of(closes_in)))


def _span_of(written: str) -> str:
    """A duration the desk wrote short (``3d``) in the customer's words (``3 дня``)."""
    try:
        return format_span(parse_duration(written))
    except ValueError:
        return written


def rating_prompt() -> str:
    """Ask for a rating under a status message."""
    return _("How did we do? Tap a rating:")


def rating_keyboard(number: int) -> InlineKeyboardMarkup:
    """Five buttons, 1 to 5 stars."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"{score}⭐", callback_data=encode("c", "rate", number, str(score))
                )
                for score in range(1, 6)
            ]
        ]
    )


def thanks_for_rating(number: int, rating: int) -> str:
    """Thank the customer and point at the optional comment."""
    return _(
        "🙏 Thank you! You rated ticket #{number} {stars} ({rating}/5).\n"
        "Anything to add? Tap <b>Add a comment</b>."
    ).format(number=number, stars="⭐" * rating, rating=rating)


def comment_keyboard(number: int) -> InlineKeyboardMarkup:
    """The button that asks for a rating comment."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("✍️ Add a comment"), callback_data=encode("c", "cmt", number))]]
    )


_COMMENT_PROMPT = re.compile(r"✍️\D*#(\d{1,18})\b")


def comment_prompt(number: int) -> str:
    """Ask for the comment; the customer answers by replying to this very message."""
    return _("✍️ Your comment on ticket #{number}: write it as a reply to this message.").format(
        number=number
    )


def comment_placeholder(number: int) -> str:
    """The hint in the customer's input field while they reply to the prompt."""
    return _("Your comment on #{number}").format(number=number)


def commented_ticket(prompt_text: str | None) -> int | None:
    """The ticket a comment prompt (by its text) asks about; None for any other message."""
    found = _COMMENT_PROMPT.match(prompt_text or "")
    return int(found.group(1)) if found else None


def ticket_list(page: TicketPage, *, first_page: bool) -> str:
    """List a customer's tickets (one page)."""
    if not page.tickets and first_page:
        return _("You have no tickets yet. Send /new or just write your message.")
    count = len(page.tickets)
    lines = [
        ngettext(
            "<b>Your tickets</b>, most recent first ({count} ticket on this page):",
            "<b>Your tickets</b>, most recent first ({count} tickets on this page):",
            count,
        ).format(count=count)
    ]
    for t in page.tickets:
        subject = label_html(t.subject, 60)
        status = customer_status_word(t.status)
        lines.append(f"{STATUS_MARK[t.status]} <b>#{t.number}</b> {subject} — {status}")
    return "\n".join(lines)


def ticket_list_keyboard(page: TicketPage) -> InlineKeyboardMarkup | None:
    """One button per ticket, and one for the next page."""
    rows = [
        [
            InlineKeyboardButton(
                f"#{t.number} {plain_label(t.subject, 40)}",
                callback_data=encode("c", "show", t.number),
            )
        ]
        for t in page.tickets
    ]
    if page.next_cursor:
        rows.append([InlineKeyboardButton(_("More ▸"), callback_data=f"c:my:0:{page.next_cursor}")])
    return InlineKeyboardMarkup(rows) if rows else None


def _history_line(message: MessageView) -> str:
    who = _("You") if message.author_role is Role.CUSTOMER else _("Support")
    body = message.text or (f"[{message.attachment.kind.value}]" if message.attachment else "")
    if message.attachment and message.text:
        body = f"[{message.attachment.kind.value}] {body}"
    return f"• <i>{who}, {format_short_when(message.created_at)}</i>: {esc(shorten(body, 300))}"


def ticket_detail(detail: TicketDetail, *, active: bool) -> str:
    """Show one ticket to its customer, with its latest messages."""
    ticket = detail.ticket
    lines = [
        f"<b>#{ticket.number} {subject_html(ticket.subject)}</b>",
        _("Status: {status}").format(status=customer_status_label(ticket.status))
        + (_(" · ✳️ active") if active else ""),
        _("Opened: {when}").format(when=format_when(ticket.created_at)),
    ]
    budget = TEXT_LIMIT - 100 - sum(len(line) + 1 for line in lines)
    history: list[str] = []
    for message in reversed(detail.messages[-8:]):
        line = _history_line(message)
        if len(line) + 1 > budget:
            break
        history.append(line)
        budget -= len(line) + 1
    if history:
        lines += ["", *reversed(history)]
    return "\n".join(lines)


def ticket_detail_keyboard(ticket: TicketView, *, active: bool) -> InlineKeyboardMarkup:
    """Buttons under a customer's ticket: make active, close, back to the list."""
    rows = []
    if ticket.status is not Status.CLOSED:
        if not active:
            rows.append(
                [
                    InlineKeyboardButton(
                        _("✳️ Make active"), callback_data=encode("c", "act", ticket.number)
                    )
                ]
            )
        rows.append(
            [
                InlineKeyboardButton(
                    _("🔒 Close ticket"), callback_data=encode("c", "close", ticket.number)
                )
            ]
        )
    rows.append(
        [InlineKeyboardButton(_("◂ My tickets"), callback_data=encode("c", "my", None, "back"))]
    )
    return InlineKeyboardMarkup(rows)


def close_question(ticket: TicketView) -> str:
    """Ask a customer to confirm closing."""
    return _("Close ticket {title}? You can always open a new one.").format(
        title=ticket_title(ticket)
    )


def close_keyboard(number: int) -> InlineKeyboardMarkup:
    """Yes / no for closing."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("🔒 Yes, close #{number}").format(number=number),
                    callback_data=encode("c", "closeok", number),
                ),
                InlineKeyboardButton(_("No, keep it"), callback_data=encode("c", "keep", number)),
            ]
        ]
    )


def offer_text(*, follow_up_of: int | None) -> str:
    """Offer to open a ticket from what the customer just wrote."""
    if follow_up_of is not None:
        return _(
            "Ticket #{number} is closed, so your message was not added to it. "
            "Open a new ticket, linked to it, with what you just wrote?"
        ).format(number=follow_up_of)
    return _("You have no open ticket. Open one with what you just wrote?")


def offer_keyboard() -> InlineKeyboardMarkup:
    """One tap to open a ticket from held messages."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("📝 Open a ticket"), callback_data=encode("c", "offer", None, "go")
                ),
                InlineKeyboardButton(
                    _("✖️ Discard"), callback_data=encode("c", "offer", None, "drop")
                ),
            ]
        ]
    )


def category_keyboard(categories: tuple[str, ...]) -> InlineKeyboardMarkup:
    """One button per configured category."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(name, callback_data=encode("c", "cat", index))]
            for index, name in enumerate(categories)
        ]
    )


def subject_prompt(max_length: int) -> str:
    """Ask for the new ticket's subject, saying how long it may be."""
    return _(
        "📝 What is the problem, in a few words? This is the ticket's subject "
        "(up to {limit} characters). Send /cancel to stop."
    ).format(limit=max_length)


def tag(number: int) -> str:
    """The marker put before replies when a customer has several open tickets."""
    return f"<b>#{number}</b> · "
