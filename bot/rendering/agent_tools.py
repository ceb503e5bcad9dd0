"""What agents see of their daily tools: tags, the customer's card, saved replies, search
results and the merge question. Pure functions from views to HTML and keyboards."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callback_data import encode
from bot.i18n import staff_gettext as _
from bot.i18n import staff_ngettext as ngettext
from bot.rendering.html import TEXT_LIMIT, esc, label_html, plain_label, shorten, split_text
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
    shown = esc(shorten(query, 80))
    if not hits:
        return _("🔎 Nothing found for “{query}”.").format(query=shown)
    lines = [
        ngettext(
            "🔎 <b>{count} found</b> for “{query}” (best first)",
            "🔎 <b>{count} found</b> for “{query}” (best first)",
            len(hits),
        ).format(count=len(hits), query=shown)
    ]
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
        _("Username: {username}").format(
            username="@" + label_html(c.username) if c.username else "—"
        ),
        _("Telegram id: <code>{id}</code>").format(id=c.telegram_user_id),
        _("Language: {language}").format(language=esc(c.language_code) if c.language_code else "—"),
        _("First seen: {when}").format(when=when(card.first_seen)),
        ngettext(
            "Tickets: {count} ({open} open shown, {past} past shown)",
            "Tickets: {count} ({open} open shown, {past} past shown)",
            card.ticket_count,
        ).format(count=card.ticket_count, open=len(card.open_tickets), past=len(card.past_tickets)),
    ]
    if card.average_rating is not None:
        lines.append(
            ngettext(
                "Average rating: {average}/5 ({count} rated)",
                "Average rating: {average}/5 ({count} rated)",
                card.ratings,
            ).format(average=f"{card.average_rating:.1f}", count=card.ratings)
        )
    else:
        lines.append(_("Average rating: — (none rated)"))
    if c.unreachable_since is not None:
        lines.append(
            _("⚠️ <b>Has blocked the bot</b> since {when}").format(when=when(c.unreachable_since))
        )
    else:
        lines.append(_("Bot blocked: no"))
    if card.tags:
        lines.append(_("Tags on their tickets: {tags}").format(tags=tags_html(card.tags)))
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
            _(
                "No saved replies yet. Add one: <code>/saved add thanks Hi {customer}, "
                "thank you for writing!</code>"
            )
            if offset == 0
            else _("No more saved replies.")
        )
    lines = [
        _("💾 <b>Saved replies</b> ({count}) — send one with <code>!name</code>").format(
            count=page.total
        )
    ]
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
            [
                InlineKeyboardButton(
                    _("More ▸"), callback_data=encode(SCOPE, "svp", page.next_offset)
                )
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


def saved_reply(reply: SavedReplyView) -> list[str]:
    """A saved reply whole, as it will be sent (placeholders still in): one message, or,
    when the head and the text do not fit in one, the text in plain pieces (as a long
    reply is relayed), the head on the first."""
    head = _saved_head(reply)
    body = reply.formatted if reply.formatted is not None else esc(reply.text)
    if len(head) + 2 + len(body) <= TEXT_LIMIT:
        return [f"{head}\n\n{body}"]
    pieces = [esc(piece) for piece in split_text(reply.text, TEXT_LIMIT - SAVED_HEAD_ROOM)]
    return [f"{head}\n\n{pieces[0]}", *pieces[1:]]


SAVED_HEAD_ROOM = 300
"""Room left for the head in the first piece of a long saved reply (its visible text is
under 200 characters: a name of 32, an author's name, a date)."""


def _saved_head(reply: SavedReplyView) -> str:
    name = esc(reply.name)
    if reply.author:
        head = _("💾 <code>!{name}</code> by {author}, updated {when}:").format(
            name=name, author=label_html(reply.author), when=when(reply.updated_at)
        )
    else:
        head = _("💾 <code>!{name}</code>, updated {when}:").format(
            name=name, when=when(reply.updated_at)
        )
    return head


def merge_question(source: TicketView, target: TicketView) -> str:
    """Ask before a merge, which cannot be undone."""
    return _(
        "🔀 Merge <b>#{source}</b> {source_subject} into <b>#{target}</b> {target_subject}?\n"
        "#{source}'s messages, notes and history move to #{target}, and "
        "#{source} is closed. The customer is told once. This cannot be undone."
    ).format(
        source=source.number,
        source_subject=label_html(source.subject, 60),
        target=target.number,
        target_subject=label_html(target.subject, 60),
    )


def merge_keyboard(source: int, target: int) -> InlineKeyboardMarkup:
    """Confirm or cancel a merge."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("🔀 Merge #{source} into #{target}").format(source=source, target=target),
                    callback_data=encode(SCOPE, "mg", source, str(target)),
                ),
                InlineKeyboardButton(_("Cancel"), callback_data=encode(SCOPE, "mgx", source)),
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
