"""What agents see of their daily tools: tags, the customer's card, saved replies, search
results and the merge question. Pure functions from views to HTML and keyboards."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callback_data import encode
from bot.rendering.html import esc, label_html, plain_label, shorten
from bot.rendering.words import STATUS_MARK, when
from core.domain.search_text import MARK_END, MARK_START
from core.views import CustomerCard, SavedReplyPage, SavedReplyView, SearchHit, TicketView

SCOPE = "a"


def tags_html(tags: tuple[str, ...]) -> str:
    """Tags as the card shows them: ``#billing #refund``."""
    return " ".join(f"#{esc(tag)}" for tag in tags)


def snippet_html(snippet: str) -> str:
    """A search snippet: escaped, its matches in bold, on one line."""
    text = shorten(snippet, 300)
    parts: list[str] = []
    bold = False
    for piece in text.replace(MARK_END, MARK_START).split(MARK_START):
        if piece:
            parts.append(f"<b>{esc(piece)}</b>" if bold else esc(piece))
        bold = not bold
    return "".join(parts)


def search_results(query: str, hits: list[SearchHit]) -> str:
    """List the tickets found, best first, each with where the words matched."""
    if not hits:
        return f"🔎 Nothing found for “{esc(shorten(query, 80))}”."
    lines = [f"🔎 <b>{len(hits)} found</b> for “{esc(shorten(query, 80))}” (best first)"]
    for hit in hits:
        t = hit.ticket
        lines.append(
            f"\n{STATUS_MARK[t.status]} <b>#{t.number}</b> {label_html(t.subject, 60)} · "
            f"{label_html(t.customer.display_name, 30)}\n{snippet_html(hit.snippet)}"
        )
    return "\n".join(lines)


def tickets_keyboard(tickets: list[TicketView] | tuple[TicketView, ...]) -> InlineKeyboardMarkup:
    """A button per ticket, opening it in the console."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"#{t.number} {plain_label(t.subject, 40)}",
                    callback_data=encode("t", "show", t.number),
                )
            ]
            for t in tickets
        ]
    )


def customer_card(card: CustomerCard) -> str:
    """The customer's card: who they are, their tickets, ratings and tags."""
    c = card.customer
    lines = [
        f"👤 <b>{label_html(c.display_name)}</b>",
        f"Username: {'@' + label_html(c.username) if c.username else '—'}",
        f"Telegram id: <code>{c.telegram_user_id}</code>",
        f"Language: {esc(c.language_code) if c.language_code else '—'}",
        f"First seen: {when(card.first_seen)}",
        f"Tickets: {card.ticket_count} ({len(card.open_tickets)} open shown, "
        f"{len(card.past_tickets)} past shown)",
    ]
    if card.average_rating is not None:
        lines.append(f"Average rating: {card.average_rating:.1f}/5 ({card.ratings} rated)")
    else:
        lines.append("Average rating: — (none rated)")
    if c.unreachable_since is not None:
        lines.append(f"⚠️ <b>Has blocked the bot</b> since {when(c.unreachable_since)}")
    else:
        lines.append("Bot blocked: no")
    if card.tags:
        lines.append(f"Tags on their tickets: {tags_html(card.tags)}")
    return "\n".join(lines)


def customer_keyboard(card: CustomerCard) -> InlineKeyboardMarkup | None:
    """The customer's tickets as buttons: open ones first, then past ones."""
    rows = [
        [
            InlineKeyboardButton(
                f"{STATUS_MARK[t.status]} #{t.number} {plain_label(t.subject, 40)}",
                callback_data=encode("t", "show", t.number),
            )
        ]
        for t in (*card.open_tickets, *card.past_tickets)
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def saved_list(page: SavedReplyPage, offset: int) -> str:
    """One page of saved replies: name, author and the start of the text."""
    if not page.replies:
        return (
            "No saved replies yet. Add one: <code>/saved add thanks Hi {customer}, "
            "thank you for writing!</code>"
            if offset == 0
            else "No more saved replies."
        )
    lines = [f"💾 <b>Saved replies</b> ({page.total}) — send one with <code>!name</code>"]
    for reply in page.replies:
        by = f" · {label_html(reply.author)}" if reply.author else ""
        lines.append(f"<code>!{esc(reply.name)}</code>{by}: {esc(shorten(reply.text, 60))}")
    return "\n".join(lines)


def saved_keyboard(page: SavedReplyPage) -> InlineKeyboardMarkup | None:
    """A button per reply (shows it whole) and one for the next page."""
    rows = [
        [InlineKeyboardButton(f"📄 {reply.name}", callback_data=encode(SCOPE, "sv", 0, reply.name))]
        for reply in page.replies
    ]
    if page.next_offset is not None:
        rows.append(
            [InlineKeyboardButton("More ▸", callback_data=encode(SCOPE, "svp", page.next_offset))]
        )
    return InlineKeyboardMarkup(rows) if rows else None


def saved_reply(reply: SavedReplyView) -> str:
    """A saved reply whole, as it will be sent (placeholders still in)."""
    body = reply.formatted if reply.formatted is not None else esc(reply.text)
    by = f" by {label_html(reply.author)}" if reply.author else ""
    return f"💾 <code>!{esc(reply.name)}</code>{by}, updated {when(reply.updated_at)}:\n\n{body}"


def merge_question(source: TicketView, target: TicketView) -> str:
    """Ask before a merge, which cannot be undone."""
    return (
        f"🔀 Merge <b>#{source.number}</b> {label_html(source.subject, 60)} into "
        f"<b>#{target.number}</b> {label_html(target.subject, 60)}?\n"
        f"#{source.number}'s messages, notes and history move to #{target.number}, and "
        f"#{source.number} is closed. The customer is told once. This cannot be undone."
    )


def merge_keyboard(source: int, target: int) -> InlineKeyboardMarkup:
    """Confirm or cancel a merge."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"🔀 Merge #{source} into #{target}",
                    callback_data=encode(SCOPE, "mg", source, str(target)),
                ),
                InlineKeyboardButton("Cancel", callback_data=encode(SCOPE, "mgx", source)),
            ]
        ]
    )


def topic_link(staff_chat_id: int | None, topic_id: int | None) -> str | None:
    """A link to a forum topic of the staff supergroup, when both are known."""
    if staff_chat_id is None or topic_id is None:
        return None
    internal = str(staff_chat_id).removeprefix("-100")
    if not internal.isdigit():
        return None
    return f"https://t.me/c/{internal}/{topic_id}"
