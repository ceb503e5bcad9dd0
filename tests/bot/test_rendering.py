"""The pure renderers: views in, Telegram HTML and keyboards out.

Every text is run through the fake Bot API's HTML checker, which parses like Telegram does
(and, stricter than Telegram, refuses a bare ``&``), so an unescaped user string shows up as a
parse error or as visible text that differs from what the user wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram import InlineKeyboardMarkup

from bot.callback_data import MAX_BYTES, Press, decode
from bot.rendering import console, customer, forwarded, staff
from bot.rendering.html import CAPTION_LIMIT, TEXT_LIMIT, esc, shorten, split_text
from core.domain.actors import Attachment, ForwardOrigin
from core.domain.lifecycle import Mover, allowed_moves
from core.domain.values import AttachmentKind, EventKind, ForwardKind, Priority, Role, Status
from core.notices.kinds import CopyStyle, EventLine
from core.views import CustomerView, EventView, MessageView, TicketDetail, TicketPage, TicketView
from sandbox.botapi import parse_html
from sandbox.botapi.keyboards import checked_reply_markup

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CURSOR = "1793610000000000.9999999999"  # what QueryService.encode_cursor writes, at its longest

SUBJECT = "Printer <b>& fire"
NAME = "Zoë <Ann> & Co 🐱"
USERNAME = "ann_<b>&"
CATEGORY = "Billing & <refunds>"
AGENT = "alice</b><i>"
COMMENT = "Fast & kind </i> <3"
TEXT = "if a < b && c > d: print('<html>') 🔥"
NOTE = "Check <logs> & call back"


# --- views, built by hand ------------------------------------------------------------


def customer_view(**changes: Any) -> CustomerView:
    """Ann, a customer with a plain name."""
    base = CustomerView(
        id=1, telegram_user_id=7001, display_name="Ann Lee", username="ann", language_code="en"
    )
    return replace(base, **changes)


def ticket_view(**changes: Any) -> TicketView:
    """Ticket #12, open, normal priority, nobody assigned."""
    base = TicketView(
        number=12,
        subject="Printer on fire",
        status=Status.OPEN,
        priority=Priority.NORMAL,
        category=None,
        customer=customer_view(),
        assignee=None,
        assignee_id=None,
        follow_up_of=None,
        created_at=START,
        updated_at=START,
        status_changed_at=START,
        first_response_at=None,
        resolved_at=None,
        closed_at=None,
        rating=None,
        rating_comment=None,
        staff_topic_id=None,
        staff_card_message_id=None,
    )
    return replace(base, **changes)


def message_view(
    number: int,
    text: str,
    *,
    role: Role = Role.CUSTOMER,
    author: str = "Ann Lee",
    internal: bool = False,
    attachment: Attachment | None = None,
    ticket: int = 12,
) -> MessageView:
    """The ``number``-th message of a ticket, written ``number`` minutes after it opened."""
    return MessageView(
        id=number,
        ticket_number=ticket,
        author_role=role,
        author_name=author,
        text=text,
        formatted=None,
        attachment=attachment,
        album=None,
        internal=internal,
        created_at=START + timedelta(minutes=number),
        origin=None,
    )


def event_view(
    number: int,
    kind: EventKind,
    *,
    actor: str = "alice",
    from_status: Status | None = None,
    to_status: Status | None = None,
    detail: str | None = None,
) -> EventView:
    """An audit entry, ``number`` minutes after the ticket opened (and just before messages)."""
    return EventView(
        id=number,
        ticket_number=12,
        actor_role=Role.AGENT,
        actor_name=actor,
        kind=kind.value,
        from_status=from_status,
        to_status=to_status,
        detail=detail,
        at=START + timedelta(minutes=number),
    )


def nasty_ticket() -> TicketView:
    """Every user-supplied field full of markup characters and emoji."""
    return ticket_view(
        subject=SUBJECT,
        status=Status.RESOLVED,
        priority=Priority.URGENT,
        category=CATEGORY,
        customer=customer_view(
            display_name=NAME, username=USERNAME, unreachable_since=START + timedelta(days=1)
        ),
        assignee=AGENT,
        assignee_id=3,
        follow_up_of=7,
        rating=4,
        rating_comment=COMMENT,
    )


def nasty_detail() -> TicketDetail:
    """The nasty ticket with one of every kind of history entry."""
    return TicketDetail(
        ticket=nasty_ticket(),
        messages=(
            message_view(1, TEXT, author=NAME),
            message_view(2, "On it <3 & soon", role=Role.AGENT, author=AGENT),
            message_view(3, NOTE, role=Role.AGENT, author=AGENT, internal=True),
            message_view(
                4,
                "see <attached>",
                author=NAME,
                attachment=Attachment(AttachmentKind.DOCUMENT, "doc-1", "log <1>.txt"),
            ),
            message_view(5, "", author=NAME, attachment=Attachment(AttachmentKind.PHOTO, "p")),
        ),
        events=(
            event_view(0, EventKind.CREATED, actor=NAME),
            event_view(1, EventKind.ASSIGNED, actor=AGENT, detail=AGENT),
            event_view(2, EventKind.PRIORITY, actor=AGENT, detail="normal → <urgent>"),
            event_view(
                6, EventKind.STATUS, actor=AGENT, from_status=Status.OPEN, to_status=Status.RESOLVED
            ),
            event_view(7, EventKind.RATED, actor=NAME, detail="4/5 & <fine>"),
            event_view(8, EventKind.UNDELIVERED, detail="Forbidden: <bot> was blocked & gone"),
            event_view(9, EventKind.SLA_BREACH, actor="system", detail="first response > 1h"),
        ),
    )


def longest_fields_detail() -> TicketDetail:
    """Every stored field at its column's length (subject 256, name 256, category 64...)."""
    ticket = ticket_view(
        number=9_999_999_999,
        subject=("<&>" * 86)[:256],
        priority=Priority.HIGH,
        category=("&<" * 32),
        customer=customer_view(
            telegram_user_id=9_999_999_999,
            display_name=(NAME * 20)[:256],
            username="u" * 64,
            unreachable_since=START,
        ),
        assignee="a" * 32,
        assignee_id=3,
        follow_up_of=9_999_999_998,
        rating=5,
        rating_comment=COMMENT * 300,
    )
    long_text = ("A page of words & one <tag> per line. " * 140)[:5000]
    return TicketDetail(
        ticket=ticket,
        messages=(message_view(1, long_text), message_view(2, long_text, role=Role.AGENT)),
        events=(event_view(3, EventKind.UNDELIVERED, detail="<&>" * 1700),),
    )


def long_history_detail() -> TicketDetail:
    """Three hundred 5,000-character messages and a hundred events."""
    words = ("Still broken, tried again & again: " + "lorem ipsum " * 420)[:5000]
    messages = tuple(
        message_view(
            n,
            f"{n}: {words}",
            role=Role.CUSTOMER if n % 2 else Role.AGENT,
            author=NAME if n % 2 else AGENT,
            internal=n % 7 == 0,
        )
        for n in range(1, 301)
    )
    events = tuple(
        event_view(n * 3, EventKind.PRIORITY, actor=AGENT, detail="low → <high>")
        for n in range(1, 101)
    )
    return TicketDetail(ticket=nasty_ticket(), messages=messages, events=events)


SCENARIOS: dict[str, Callable[[], TicketDetail]] = {
    "nasty strings": nasty_detail,
    "longest stored fields": longest_fields_detail,
    "long history": long_history_detail,
}


# --- checks --------------------------------------------------------------------------


def visible(html: str, limit: int = TEXT_LIMIT) -> str:
    """Parse ``html`` like Telegram; check its length and return what the reader sees."""
    text = parse_html(html).text
    assert text.strip(), "Telegram refuses an empty message"
    assert len(text) <= limit
    return text


def presses(markup: InlineKeyboardMarkup | None) -> list[tuple[str, Press]]:
    """Every button as (label, decoded press), checking each one as Telegram would."""
    assert markup is not None
    checked_reply_markup(markup.to_dict())
    found = []
    for row in markup.inline_keyboard:
        for button in row:
            data = button.callback_data
            assert isinstance(data, str)
            assert 0 < len(data.encode("utf-8")) <= MAX_BYTES
            press = decode(data)
            assert press is not None, f"{data!r} does not decode"
            found.append((button.text, press))
    return found


def formatting(html: str) -> list[tuple[str, str]]:
    """Each entity Telegram would make of ``html``, as (type, the text it covers)."""
    parsed = parse_html(html)
    units = parsed.text.encode("utf-16-le")
    return [
        (e["type"], units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le"))
        for e in parsed.entities
    ]


def decoded(markup: InlineKeyboardMarkup | None) -> list[Press]:
    """Every button's decoded press, in order."""
    return [press for _, press in presses(markup)]


def labels(markup: InlineKeyboardMarkup | None) -> list[str]:
    """Every button's label, in order."""
    return [label for label, _ in presses(markup)]


def status_news_about(to: Status) -> Callable[[TicketDetail], str]:
    """Render the customer's news that their ticket moved to ``to``."""

    def render(detail: TicketDetail) -> str:
        ticket = detail.ticket
        return customer.status_news(ticket.number, ticket.subject, to, timedelta(days=7))

    return render


TEXTS: dict[str, Callable[[TicketDetail], str]] = {
    "staff card": lambda d: staff.render_card(d.ticket),
    "console ticket": console.ticket_text,
    "console queue": lambda d: console.queue_text(
        TicketPage((d.ticket,) * 8, CURSOR), "unassigned", first_page=True
    ),
    "customer welcome": lambda d: customer.welcome(d.ticket.customer.display_name),
    "customer confirmation": lambda d: customer.confirmation(d.ticket.number, d.ticket.subject),
    "customer ticket list": lambda d: customer.ticket_list(
        TicketPage((d.ticket,) * 5, CURSOR), first_page=True
    ),
    "customer ticket detail": lambda d: customer.ticket_detail(d, active=True),
    "customer close question": lambda d: customer.close_question(d.ticket),
    **{f"customer status news ({to})": status_news_about(to) for to in Status},
}

KEYBOARDS: dict[str, Callable[[TicketDetail], InlineKeyboardMarkup | None]] = {
    "card": lambda d: staff.card_keyboard(d.ticket),
    "priority": lambda d: staff.priority_keyboard(d.ticket),
    "console ticket": console.ticket_keyboard,
    "console queue": lambda d: console.queue_keyboard(
        TicketPage((d.ticket,) * 8, CURSOR), "unassigned"
    ),
    "customer start": lambda _: customer.start_keyboard(),
    "customer rating": lambda d: customer.rating_keyboard(d.ticket.number),
    "customer ticket list": lambda d: customer.ticket_list_keyboard(
        TicketPage((d.ticket,) * 5, CURSOR)
    ),
    "customer ticket detail": lambda d: customer.ticket_detail_keyboard(d.ticket, active=False),
    "customer close": lambda d: customer.close_keyboard(d.ticket.number),
    "customer offer": lambda _: customer.offer_keyboard(),
    "customer categories": lambda d: customer.category_keyboard(
        tuple(f"{d.ticket.category} {n}" for n in range(12))
    ),
}


# --- html.py -------------------------------------------------------------------------


class TestEsc:
    def test_escapes_the_three_markup_characters(self) -> None:
        assert esc(SUBJECT) == "Printer &lt;b&gt;&amp; fire"

    def test_leaves_quotes_and_emoji_alone(self) -> None:
        assert esc('"Zoë\'s" 🐱') == '"Zoë\'s" 🐱'

    def test_none_is_empty(self) -> None:
        assert esc(None) == ""

    @pytest.mark.parametrize("text", [SUBJECT, NAME, USERNAME, CATEGORY, AGENT, COMMENT, TEXT])
    def test_telegram_shows_escaped_text_verbatim(self, text: str) -> None:
        assert parse_html(f"<b>{esc(text)}</b>").text == text


class TestShorten:
    def test_short_text_is_kept(self) -> None:
        assert shorten("Printer on fire", 15) == "Printer on fire"

    def test_whitespace_runs_become_single_spaces(self) -> None:
        assert shorten("  Printer \n\n on\tfire ", 40) == "Printer on fire"

    def test_long_text_ends_with_an_ellipsis_within_the_limit(self) -> None:
        assert shorten("Printer on fire", 10) == "Printer o…"

    def test_no_space_is_left_before_the_ellipsis(self) -> None:
        assert shorten("Printer on fire", 9) == "Printer…"

    def test_5000_characters_are_cut_to_the_limit(self) -> None:
        cut = shorten("ä" * 5000, 300)

        assert len(cut) == 300
        assert cut.endswith("…")

    def test_a_flag_is_never_cut_in_half(self) -> None:
        # 49 characters before the ellipsis would end in the first half of the 25th flag.
        assert shorten("🇺🇦" * 40, 50) == "🇺🇦" * 24 + "…"

    def test_an_emoji_sequence_is_never_cut_in_half(self) -> None:
        family = "👨‍👩‍👧‍👦"  # seven characters, one picture
        assert shorten("ab" + family * 3, 12) == "ab" + family + "…"

    def test_a_cluster_longer_than_the_limit_is_cut_all_the_same(self) -> None:
        assert shorten("e" + "\u0301" * 50, 10) == "e" + "\u0301" * 8 + "…"


class TestSplitText:
    def test_short_text_is_one_piece(self) -> None:
        assert split_text("Printer on fire") == ["Printer on fire"]

    def test_empty_text_is_one_empty_piece(self) -> None:
        assert split_text("") == [""]

    @pytest.mark.parametrize("limit", [40, 100, 3896, TEXT_LIMIT])
    def test_pieces_fit_and_join_back_to_the_same_words(self, limit: int) -> None:
        text = " ".join(f"word{n} <&> 🔥" for n in range(3000))

        pieces = split_text(text, limit)

        assert all(0 < len(piece) <= limit for piece in pieces)
        assert " ".join(pieces).split() == text.split()

    def test_prefers_a_line_end_to_a_later_space(self) -> None:
        first, second = "first paragraph " * 5, "second paragraph " * 5
        text = f"{first}\n{second}\nthird"

        pieces = split_text(text, 120)

        assert pieces == [first.rstrip(), f"{second}\nthird"]

    def test_a_word_longer_than_the_limit_is_cut_at_the_limit(self) -> None:
        word = "x" * 10_000

        pieces = split_text(word, TEXT_LIMIT)

        assert [len(p) for p in pieces] == [4096, 4096, 1808]
        assert "".join(pieces) == word

    def test_5000_character_message_becomes_two_pieces(self) -> None:
        text = ("Still broken & <again> " * 250)[:5000]

        pieces = split_text(text)

        assert len(pieces) == 2
        assert " ".join(pieces).split() == text.split()
        for piece in pieces:
            assert visible(esc(piece)) == piece


# --- staff.py ------------------------------------------------------------------------


class TestTopicName:
    def test_is_number_and_subject(self) -> None:
        assert staff.topic_name(ticket_view()) == "#12 Printer on fire"

    def test_is_plain_text_not_html(self) -> None:
        assert staff.topic_name(ticket_view(subject=SUBJECT)) == "#12 Printer <b>& fire"

    @pytest.mark.parametrize("subject", ["x" * 256, "🔥" * 5000, "word " * 1000, "😀" * 120])
    def test_fits_telegrams_128_utf16_units(self, subject: str) -> None:
        name = staff.topic_name(ticket_view(subject=subject, number=9_999_999_999))

        assert staff.utf16_length(name) <= 128
        assert name.startswith("#9999999999 ")
        assert name.endswith("…")

    def test_a_subject_of_120_emoji_is_cut_to_128_units_between_emoji(self) -> None:
        name = staff.topic_name(ticket_view(subject="😀" * 120, number=1))

        assert staff.utf16_length("#1 " + "😀" * 120) == 243  # what Telegram refused
        assert name == "#1 " + "😀" * 62 + "…"  # 3 + 124 + 1 units
        name.encode("utf-16", "strict")  # no lone surrogate

    @pytest.mark.parametrize(
        "cluster",
        [
            "👩🏽\u200d💻",  # ZWJ sequence with a skin tone
            "👨\u200d👩\u200d👧\u200d👦",  # a family: four people, three joiners
            "🇫🇷",  # a flag: two regional indicators
            "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # Scotland
            "e\u0301\u0302",  # a letter with two combining accents
            "👍🏿",  # an emoji with a skin tone
            "각",  # a Hangul syllable from its jamo
        ],
    )
    def test_never_cuts_inside_a_grapheme(self, cluster: str) -> None:
        for padding in range(12):
            subject = "x" * padding + cluster * 40
            name = staff.topic_name(ticket_view(subject=subject, number=1))

            kept = name.removeprefix("#1 " + "x" * padding).removesuffix("…")
            assert staff.utf16_length(name) <= 128
            assert kept == cluster * (len(kept) // len(cluster)), (padding, kept)

    def test_a_single_cluster_too_long_for_the_name_is_left_out_whole(self) -> None:
        name = staff.topic_name(ticket_view(subject="a" + "\u0301" * 300, number=1))

        assert name == "#1…"

    def test_spoofing_characters_are_removed(self) -> None:
        name = staff.topic_name(ticket_view(subject="\u202egnp.exe\u200b invoice", number=1))

        assert name == "#1 gnp.exe invoice"

    def test_the_fallback_is_the_number_alone(self) -> None:
        assert staff.plain_topic_name(ticket_view(number=42)) == "#42"


class TestLabels:
    def test_card_fields_lose_bidi_controls_and_invisible_characters(self) -> None:
        ticket = ticket_view(
            subject="Refund \u202egnp.exe",
            category="Bil\u200bling",
            customer=customer_view(display_name="A\u2066nn\u2069 \ufeffLee", username="a\u200dnn"),
            assignee="ali\u200fce",
        )

        shown = visible(staff.render_card(ticket)).splitlines()

        assert shown[0] == "🎫 #12 Refund gnp.exe"
        assert shown[2] == "Customer: Ann Lee (@ann) · id 7001"
        assert shown[3] == "Assignee: alice"
        assert shown[4] == "Category: Billing"

    def test_agent_names_in_event_lines_and_headers_are_cleaned(self) -> None:
        line = staff.render_event_line(
            event_line(EventKind.PRIORITY, actor="bo\u202eb", detail="normal → high")
        )

        assert visible(line).startswith("⚡ bob changed")
        assert visible(staff.relay_header(CopyStyle.NOTE, "\u200bbob\u2060")) == "📝 Note by bob"

    def test_emoji_sequences_in_a_name_survive(self) -> None:
        ticket = ticket_view(customer=customer_view(display_name="Ann 👩🏽\u200d💻"))

        assert "Customer: Ann 👩🏽\u200d💻 (@ann)" in visible(staff.render_card(ticket))


class TestRenderCard:
    def test_shows_every_user_string_verbatim(self) -> None:
        shown = visible(staff.render_card(nasty_ticket()))

        assert shown.splitlines() == [
            f"🎫 #12 {SUBJECT}",
            "Status: ✅ resolved · Priority: 🔴 urgent",
            f"Customer: {NAME} (@{USERNAME}) · id 7001",
            f"Assignee: {AGENT}",
            f"Category: {CATEGORY}",
            "Follow-up of #7",
            "Opened: 2026-11-02 09:00 UTC",
            f"Rating: ⭐⭐⭐⭐ 4/5 — “{COMMENT}”",
            "⚠️ The customer has blocked the bot since 2026-11-03 09:00 UTC: "
            "replies cannot reach them.",
        ]

    def test_leaves_out_what_the_ticket_does_not_have(self) -> None:
        shown = visible(staff.render_card(ticket_view(customer=customer_view(username=None))))

        assert shown.splitlines() == [
            "🎫 #12 Printer on fire",
            "Status: 🟢 open · Priority: 🔵 normal",
            "Customer: Ann Lee · id 7001",
            "Assignee: — nobody yet",
            "Opened: 2026-11-02 09:00 UTC",
        ]

    def test_rating_without_comment(self) -> None:
        shown = visible(staff.render_card(ticket_view(rating=1)))

        assert "Rating: ⭐ 1/5" in shown.splitlines()

    def test_long_rating_comment_is_shortened(self) -> None:
        shown = visible(staff.render_card(ticket_view(rating=2, rating_comment="& " * 2500)))

        rating_line = shown.splitlines()[-1]
        assert rating_line.startswith("Rating: ⭐⭐ 2/5 — “& & ")
        assert len(rating_line) < 220

    def test_only_our_own_markup_becomes_formatting(self) -> None:
        assert formatting(staff.render_card(nasty_ticket())) == [
            ("bold", f"#12 {SUBJECT}"),
            ("code", "7001"),
            ("bold", "The customer has blocked the bot"),
        ]


class TestCardKeyboard:
    @pytest.mark.parametrize(
        ("status", "moves"),
        [
            (Status.NEW, ["pending", "resolved", "closed"]),
            (Status.OPEN, ["pending", "resolved", "closed"]),
            (Status.PENDING, ["open", "resolved", "closed"]),
            (Status.RESOLVED, ["open", "pending", "closed"]),
            (Status.CLOSED, ["open"]),
        ],
    )
    def test_offers_the_moves_of_the_current_status(self, status: Status, moves: list[str]) -> None:
        keyboard = staff.card_keyboard(ticket_view(status=status))

        offered = [p.argument for p in decoded(keyboard) if p.action == "st"]
        assert offered == moves

    @pytest.mark.parametrize("status", list(Status))
    def test_never_offers_the_current_status(self, status: Status) -> None:
        keyboard = staff.card_keyboard(ticket_view(status=status))

        assert status.value not in [p.argument for p in decoded(keyboard) if p.action == "st"]

    @pytest.mark.parametrize("status", list(Status))
    def test_every_offered_move_is_one_agents_may_make(self, status: Status) -> None:
        keyboard = staff.card_keyboard(ticket_view(status=status))

        offered = {Status(p.argument or "") for p in decoded(keyboard) if p.action == "st"}
        assert offered <= set(allowed_moves(status, Mover.AGENT))

    def test_a_merged_ticket_offers_only_the_customer(self) -> None:
        keyboard = staff.card_keyboard(ticket_view(status=Status.CLOSED, merged_into=13))

        assert presses(keyboard) == [("👤 Customer", Press("a", "cust", 12))]

    def test_closed_ticket_only_offers_reopen_and_the_customer(self) -> None:
        keyboard = staff.card_keyboard(ticket_view(status=Status.CLOSED))

        assert presses(keyboard) == [
            ("↩️ Reopen", Press("t", "st", 12, "open")),
            ("👤 Customer", Press("a", "cust", 12)),
        ]

    @pytest.mark.parametrize(
        ("status", "first_row"),
        [
            (Status.NEW, ["🙋 Take"]),
            (Status.OPEN, ["🙋 Take"]),
            (Status.PENDING, ["🙋 Take", "🟢 Open"]),
            (Status.RESOLVED, ["🙋 Take", "🟢 Open"]),
        ],
    )
    def test_open_button_only_for_pending_and_resolved(
        self, status: Status, first_row: list[str]
    ) -> None:
        keyboard = staff.card_keyboard(ticket_view(status=status))

        assert [b.text for b in keyboard.inline_keyboard[0]] == first_row

    def test_open_ticket_buttons_in_full(self) -> None:
        keyboard = staff.card_keyboard(ticket_view(number=42, priority=Priority.HIGH))

        assert presses(keyboard) == [
            ("🙋 Take", Press("t", "take", 42)),
            ("⏳ Pending", Press("t", "st", 42, "pending")),
            ("✅ Resolve", Press("t", "st", 42, "resolved")),
            ("🔒 Close", Press("t", "st", 42, "closed")),
            ("Priority: 🟠 high ▾", Press("t", "pm", 42)),
            ("👤 Customer", Press("a", "cust", 42)),
        ]


class TestPriorityKeyboard:
    def test_offers_every_priority_and_marks_the_current_one(self) -> None:
        keyboard = staff.priority_keyboard(ticket_view(priority=Priority.HIGH))

        assert presses(keyboard) == [
            ("⚪ low", Press("t", "pr", 12, "low")),
            ("🔵 normal", Press("t", "pr", 12, "normal")),
            ("• 🟠 high", Press("t", "pr", 12, "high")),
            ("🔴 urgent", Press("t", "pr", 12, "urgent")),
            ("◂ Back", Press("t", "card", 12)),
        ]

    def test_is_two_rows_of_two_and_a_back_button(self) -> None:
        keyboard = staff.priority_keyboard(ticket_view())

        assert [len(row) for row in keyboard.inline_keyboard] == [2, 2, 1]


def event_line(
    kind: str,
    *,
    actor: str = "",
    detail: str | None = None,
    frm: Status | None = None,
    to: Status | None = None,
) -> EventLine:
    """An event line as the outbox carries it."""
    return EventLine(1, kind, actor, Role.AGENT, frm, to, detail)


class TestRenderEventLine:
    def test_status_change(self) -> None:
        line = staff.render_event_line(
            event_line("status", actor=AGENT, frm=Status.OPEN, to=Status.PENDING)
        )

        assert visible(line) == f"🔄 {AGENT}: 🟢 open → ⏳ pending"

    def test_assignment_to_an_agent(self) -> None:
        line = staff.render_event_line(event_line("assigned", actor=NAME, detail=AGENT))

        assert visible(line) == f"👤 {NAME} assigned the ticket to {AGENT}"

    def test_assignment_to_nobody_is_not_bold(self) -> None:
        line = staff.render_event_line(event_line("assigned", actor="bob", detail="nobody"))

        parsed = parse_html(line)
        assert parsed.text == "👤 bob assigned the ticket to nobody"
        assert len(parsed.entities) == 1

    @pytest.mark.parametrize(
        ("kind", "shown"),
        [
            ("priority", f"⚡ {AGENT} changed the priority: {TEXT}"),
            ("rated", f"⭐ {AGENT} rated the ticket {TEXT}"),
            ("undelivered", f"⚠️ A message could not be delivered to the customer: {TEXT}"),
            ("sla_breach", f"⏰ SLA missed: {TEXT}"),
            ("<custom & kind>", f"• {AGENT}: <custom & kind> {TEXT}"),
        ],
    )
    def test_user_strings_are_shown_verbatim(self, kind: str, shown: str) -> None:
        line = staff.render_event_line(event_line(kind, actor=AGENT, detail=TEXT))

        assert visible(line) == shown

    def test_missing_actor_is_the_system(self) -> None:
        line = staff.render_event_line(event_line("mystery"))

        assert visible(line) == "• system: mystery"

    def test_a_reminder(self) -> None:
        line = staff.render_event_line(event_line("reminded", detail="customer reminded"))

        assert visible(line) == "🔔 The customer was reminded that we wait for their answer"

    def test_5000_character_detail_stays_valid_html(self) -> None:
        line = staff.render_event_line(event_line("undelivered", actor=AGENT, detail="<&>" * 1000))

        assert parse_html(line).text.endswith("<&>" * 1000)


class TestRelayHeader:
    def test_note_header(self) -> None:
        assert visible(staff.relay_header(CopyStyle.NOTE, AGENT)) == f"📝 Note by {AGENT}"

    def test_reply_header(self) -> None:
        header = staff.relay_header(CopyStyle.REPLY, AGENT)

        assert visible(header) == f"💬 {AGENT} replied to the customer"

    @pytest.mark.parametrize("style", [CopyStyle.NOTE, CopyStyle.REPLY])
    def test_leaves_room_for_a_caption(self, style: CopyStyle) -> None:
        header = staff.relay_header(style, (NAME * 20)[:256])

        assert len(parse_html(header).text) < CAPTION_LIMIT // 2


class TestForwardedFrom:
    SENT = datetime(2025, 11, 26, 6, 53, tzinfo=UTC)

    @pytest.mark.parametrize(
        ("origin", "shown"),
        [
            (
                ForwardOrigin(ForwardKind.USER, NAME, SENT, "bob_s"),
                f"↪️ Forwarded from {NAME} (@bob_s), sent 2025-11-26 06:53 UTC",
            ),
            (
                ForwardOrigin(ForwardKind.HIDDEN_USER, NAME, SENT),
                f"↪️ Forwarded from {NAME} (account hidden), sent 2025-11-26 06:53 UTC",
            ),
            (
                ForwardOrigin(ForwardKind.CHANNEL, SUBJECT, SENT, None, AGENT),
                f"↪️ Forwarded from the channel {SUBJECT}, signed {AGENT}, "
                "sent 2025-11-26 06:53 UTC",
            ),
            (
                ForwardOrigin(ForwardKind.CHAT, SUBJECT, SENT),
                f"↪️ Forwarded from the group {SUBJECT}, sent 2025-11-26 06:53 UTC",
            ),
        ],
    )
    def test_names_whose_words_they_are_escaped(self, origin: ForwardOrigin, shown: str) -> None:
        assert visible(forwarded.forwarded_from(origin)) == shown

    def test_an_outbox_copy_gets_the_line_only_when_forwarded(self) -> None:
        origin = ForwardOrigin(ForwardKind.USER, NAME, self.SENT)

        header = forwarded.forwarded_header(origin)

        assert header == forwarded.forwarded_from(origin) + "\n"
        assert forwarded.forwarded_header(None) == ""


# --- customer.py ---------------------------------------------------------------------


class TestCustomerTexts:
    def test_welcome_greets_by_the_name_verbatim(self) -> None:
        assert visible(customer.welcome(NAME)).startswith(f"👋 Hello, {NAME}! ")

    def test_subject_prompt_names_the_configured_limit(self) -> None:
        assert "(up to 80 characters)" in visible(customer.subject_prompt(80))
        assert "(up to 120 characters)" in visible(customer.subject_prompt(120))

    def test_confirmation_shows_number_and_subject(self) -> None:
        shown = visible(customer.confirmation(12, SUBJECT))

        assert shown.startswith(f"✅ Your ticket #12 “{SUBJECT}” is open (status: 🆕 new).")

    @pytest.mark.parametrize(
        ("to", "start"),
        [
            (Status.OPEN, "🟢 Your ticket #12 “Printer <b>& fire” is being worked on."),
            (Status.PENDING, "⏳ Your ticket #12 “Printer <b>& fire” is waiting for your answer."),
            (Status.RESOLVED, "✅ Your ticket #12 “Printer <b>& fire” has been resolved."),
            (Status.CLOSED, "🔒 Your ticket #12 “Printer <b>& fire” is closed."),
            (Status.NEW, "Your ticket #12 “Printer <b>& fire” is now 🆕 new."),
        ],
    )
    def test_status_news_in_plain_words(self, to: Status, start: str) -> None:
        shown = visible(customer.status_news(12, SUBJECT, to, timedelta(days=7)))

        assert shown.startswith(start)

    def test_resolved_news_names_the_reopen_window(self) -> None:
        shown = visible(customer.status_news(12, SUBJECT, Status.RESOLVED, timedelta(hours=36)))

        assert "Reply within 1 day 12 hours and we reopen it." in shown

    def test_close_question_shows_the_subject_verbatim(self) -> None:
        shown = visible(customer.close_question(ticket_view(subject=SUBJECT)))

        assert shown == f"Close ticket #12 “{SUBJECT}”? You can always open a new one."

    def test_offer_for_a_follow_up_names_the_closed_ticket(self) -> None:
        shown = visible(customer.offer_text(follow_up_of=7))

        assert shown.startswith("Ticket #7 is closed, so your message was not added to it.")

    def test_offer_without_a_ticket(self) -> None:
        shown = visible(customer.offer_text(follow_up_of=None))

        assert shown == "You have no open ticket. Open one with what you just wrote?"

    def test_help_and_fixed_texts_are_valid(self) -> None:
        for text in (
            customer.help_text(),
            customer.rating_prompt(),
            customer.thanks_for_rating(12, 5),
            customer.tag(12) + "x",
            staff.not_agent_hint(),
        ):
            visible(text)


class TestCustomerKeyboards:
    def test_rating_offers_one_to_five_stars(self) -> None:
        assert presses(customer.rating_keyboard(12)) == [
            (f"{n}⭐", Press("c", "rate", 12, str(n))) for n in range(1, 6)
        ]

    def test_a_rating_is_followed_by_an_add_a_comment_button(self) -> None:
        assert presses(customer.comment_keyboard(12)) == [
            ("✍️ Add a comment", Press("c", "cmt", 12)),
        ]

    def test_the_comment_prompt_names_its_ticket_and_nothing_else_does(self) -> None:
        assert customer.commented_ticket(customer.comment_prompt(12)) == 12
        for other in (
            customer.thanks_for_rating(12, 5),
            "✍️ Your comment on ticket #x",
            "Your comment on ticket #12",
            None,
        ):
            assert customer.commented_ticket(other) is None

    def test_close_asks_yes_or_no(self) -> None:
        assert presses(customer.close_keyboard(12)) == [
            ("🔒 Yes, close #12", Press("c", "closeok", 12)),
            ("No, keep it", Press("c", "keep", 12)),
        ]

    def test_categories_are_pressed_by_index(self) -> None:
        keyboard = customer.category_keyboard((CATEGORY, "Technical 🔧"))

        assert presses(keyboard) == [
            (CATEGORY, Press("c", "cat", 0)),
            ("Technical 🔧", Press("c", "cat", 1)),
        ]

    def test_start_offers_a_new_ticket_and_the_list(self) -> None:
        assert decoded(customer.start_keyboard()) == [Press("c", "new"), Press("c", "my")]

    def test_offer_is_go_or_drop(self) -> None:
        assert decoded(customer.offer_keyboard()) == [
            Press("c", "offer", 0, "go"),
            Press("c", "offer", 0, "drop"),
        ]

    def test_ticket_detail_of_an_inactive_ticket(self) -> None:
        keyboard = customer.ticket_detail_keyboard(ticket_view(), active=False)

        assert presses(keyboard) == [
            ("✳️ Make active", Press("c", "act", 12)),
            ("🔒 Close ticket", Press("c", "close", 12)),
            ("◂ My tickets", Press("c", "my", 0, "back")),
        ]

    def test_ticket_detail_of_the_active_ticket(self) -> None:
        keyboard = customer.ticket_detail_keyboard(ticket_view(), active=True)

        assert decoded(keyboard) == [Press("c", "close", 12), Press("c", "my", 0, "back")]

    def test_ticket_detail_of_a_closed_ticket_only_goes_back(self) -> None:
        keyboard = customer.ticket_detail_keyboard(ticket_view(status=Status.CLOSED), active=False)

        assert decoded(keyboard) == [Press("c", "my", 0, "back")]

    def test_ticket_list_has_a_button_per_ticket_and_more(self) -> None:
        page = TicketPage(
            (ticket_view(number=12, subject=SUBJECT), ticket_view(number=13, subject="x" * 300)),
            CURSOR,
        )

        assert presses(customer.ticket_list_keyboard(page)) == [
            (f"#12 {SUBJECT}", Press("c", "show", 12)),
            ("#13 " + "x" * 39 + "…", Press("c", "show", 13)),
            ("More ▸", Press("c", "my", 0, CURSOR)),
        ]

    def test_last_page_has_no_more_button(self) -> None:
        page = TicketPage((ticket_view(),), None)

        assert decoded(customer.ticket_list_keyboard(page)) == [Press("c", "show", 12)]

    def test_empty_list_has_no_keyboard(self) -> None:
        assert customer.ticket_list_keyboard(TicketPage((), None)) is None


class TestTicketList:
    def test_lists_subjects_verbatim(self) -> None:
        page = TicketPage(
            (
                ticket_view(number=12, subject=SUBJECT),
                ticket_view(number=13, subject=NAME, status=Status.CLOSED),
            ),
            None,
        )

        assert visible(customer.ticket_list(page, first_page=True)).splitlines() == [
            "Your tickets, most recent first (2 tickets on this page):",
            f"🟢 #12 {SUBJECT} — open",
            f"🔒 #13 {NAME} — closed",
        ]

    def test_long_subjects_are_shortened(self) -> None:
        page = TicketPage((ticket_view(subject="<&>" * 1700),), None)

        line = visible(customer.ticket_list(page, first_page=True)).splitlines()[1]
        assert line == "🟢 #12 " + ("<&>" * 20)[:59] + "… — open"

    def test_empty_first_page_invites_a_new_ticket(self) -> None:
        shown = visible(customer.ticket_list(TicketPage((), None), first_page=True))

        assert shown == "You have no tickets yet. Send /new or just write your message."


class TestTicketDetail:
    def test_shows_the_ticket_and_its_messages_verbatim(self) -> None:
        shown = visible(customer.ticket_detail(nasty_detail(), active=True))

        assert shown.splitlines() == [
            f"#12 {SUBJECT}",
            "Status: ✅ resolved · ✳️ active",
            "Opened: Nov 2, 2026 09:00 UTC",
            "",
            f"• You, Nov 2 09:01: {TEXT}",
            "• Support, Nov 2 09:02: On it <3 & soon",
            f"• Support, Nov 2 09:03: {NOTE}",
            "• You, Nov 2 09:04: [document] see <attached>",
            "• You, Nov 2 09:05: [photo]",
        ]

    def test_inactive_ticket_has_no_marker(self) -> None:
        shown = visible(customer.ticket_detail(TicketDetail(ticket_view(), (), ()), active=False))

        assert shown.splitlines() == [
            "#12 Printer on fire",
            "Status: 🟢 open",
            "Opened: Nov 2, 2026 09:00 UTC",
        ]

    def test_shows_the_latest_eight_messages(self) -> None:
        shown = visible(customer.ticket_detail(long_history_detail(), active=False))

        numbers = [line.split(": ")[1] for line in shown.splitlines()[4:]]
        assert numbers == [str(n) for n in range(293, 301)]

    def test_long_messages_are_shortened(self) -> None:
        detail = TicketDetail(ticket_view(), (message_view(1, "<&> " * 1250),), ())

        last = visible(customer.ticket_detail(detail, active=False)).splitlines()[-1]
        assert last.endswith("<&> <&>…")
        assert len(last) <= 300 + len("• You, Nov 2 09:01: ")

    def test_history_of_pasted_html_stays_valid(self) -> None:
        # A customer pasting markup: each "<br>" becomes 10 characters once escaped, so the
        # HTML passes 4000 characters and the cut lands inside the last line's <i>...</i>.
        detail = TicketDetail(
            ticket_view(subject="Printer on fire in room 12"),
            (*(message_view(n, "<br>" * 75) for n in range(1, 6)), message_view(6, "Any news?")),
            (),
        )
        html = customer.ticket_detail(detail, active=False)

        # Lenient like Telegram itself: a bare "&" would pass, an unclosed tag does not.
        shown = parse_html(html, strict=False).text

        assert shown.splitlines()[-1] == "• You, Nov 2 09:06: Any news?"


# --- console.py ----------------------------------------------------------------------


class TestQueue:
    def test_lists_tickets_with_user_strings_verbatim(self) -> None:
        page = TicketPage((nasty_ticket(), ticket_view(number=13)), None)

        assert visible(console.queue_text(page, "<mine>", first_page=True)).splitlines() == [
            "Queue: <mine> (most recent activity first)",
            f"✅🔴 #12 {SUBJECT} · {NAME} · {AGENT}",
            "🟢🔵 #13 Printer on fire · Ann Lee · —",
        ]

    def test_long_subjects_and_names_are_shortened(self) -> None:
        ticket = ticket_view(subject="&" * 5000, customer=customer_view(display_name="<" * 300))

        line = visible(console.queue_text(TicketPage((ticket,), None), "all", first_page=True))
        assert line.splitlines()[1] == f"🟢🔵 #12 {'&' * 49}… · {'<' * 29}… · —"

    def test_empty_first_page_names_the_queue(self) -> None:
        shown = visible(console.queue_text(TicketPage((), None), "<mine>", first_page=True))

        assert shown == "No tickets in “<mine>”."

    def test_empty_later_page(self) -> None:
        shown = visible(console.queue_text(TicketPage((), None), "all", first_page=False))

        assert shown == "No more tickets."

    @pytest.mark.parametrize("label", console.QUEUE_FILTERS)
    def test_more_button_brings_back_the_queue_and_cursor(self, label: str) -> None:
        page = TicketPage((ticket_view(number=9_999_999_999),), CURSOR)

        assert presses(console.queue_keyboard(page, label)) == [
            ("#9999999999 Printer on fire", Press("t", "show", 9_999_999_999)),
            ("More ▸", Press("q", label, 0, CURSOR)),
        ]

    def test_empty_queue_has_no_keyboard(self) -> None:
        assert console.queue_keyboard(TicketPage((), None), "all") is None


class TestConsoleTicket:
    def test_shows_card_and_history_with_user_strings_verbatim(self) -> None:
        shown = visible(console.ticket_text(nasty_detail()))

        history = shown.split("History (latest last)\n")[1].splitlines()
        assert history == [
            f"02 Nov 09:00 • {NAME}: created",
            f"02 Nov 09:01 👤 {AGENT} assigned the ticket to {AGENT}",
            f"02 Nov 09:01 👤 {NAME}: {TEXT}",
            f"02 Nov 09:02 ⚡ {AGENT} changed the priority: normal → <urgent>",
            f"02 Nov 09:02 💬 {AGENT}: On it <3 & soon",
            f"02 Nov 09:03 📝 {AGENT} (note): {NOTE}",
            f"02 Nov 09:04 👤 {NAME}: [document] see <attached>",
            f"02 Nov 09:05 👤 {NAME}: [photo]",
            f"02 Nov 09:06 🔄 {AGENT}: 🟢 open → ✅ resolved",
            f"02 Nov 09:07 ⭐ {NAME} rated the ticket 4/5 & <fine>",
            "02 Nov 09:08 ⚠️ A message could not be delivered to the customer: "
            "Forbidden: <bot> was blocked & gone",
            "02 Nov 09:09 ⏰ SLA missed: first response > 1h",
        ]

    def test_starts_with_the_card(self) -> None:
        shown = visible(console.ticket_text(nasty_detail()))

        assert shown.startswith(visible(staff.render_card(nasty_ticket())) + "\n\nHistory")

    def test_long_history_keeps_the_latest_and_marks_the_cut(self) -> None:
        shown = visible(console.ticket_text(long_history_detail()))

        history = shown.split("History (latest last)\n")[1].splitlines()
        assert history[0] == "…"
        assert history[-1].startswith(f"02 Nov 14:00 💬 {AGENT}: 300: Still broken")
        assert 3 < len(history) < 20

    def test_keyboard_is_the_card_keyboard_and_refresh(self) -> None:
        detail = nasty_detail()

        assert presses(console.ticket_keyboard(detail)) == [
            *presses(staff.card_keyboard(detail.ticket)),
            ("🔄 Refresh", Press("t", "show", 12)),
        ]


# --- every renderer, every scenario --------------------------------------------------


class TestEveryText:
    @pytest.mark.parametrize("scenario", SCENARIOS)
    @pytest.mark.parametrize("renderer", TEXTS)
    def test_is_valid_telegram_html_within_4096_characters(
        self, renderer: str, scenario: str
    ) -> None:
        visible(TEXTS[renderer](SCENARIOS[scenario]()))

    @pytest.mark.parametrize("renderer", TEXTS)
    def test_5000_character_subject_still_fits_one_message(self, renderer: str) -> None:
        detail = TicketDetail(ticket_view(subject="<&> " * 1250), (), ())

        visible(TEXTS[renderer](detail))


class TestEveryKeyboard:
    @pytest.mark.parametrize("scenario", SCENARIOS)
    @pytest.mark.parametrize("keyboard", KEYBOARDS)
    def test_every_button_fits_64_bytes_and_decodes(self, keyboard: str, scenario: str) -> None:
        assert presses(KEYBOARDS[keyboard](SCENARIOS[scenario]()))

    @pytest.mark.parametrize("status", list(Status))
    @pytest.mark.parametrize("keyboard", KEYBOARDS)
    def test_every_status_gives_valid_buttons(self, keyboard: str, status: Status) -> None:
        detail = TicketDetail(ticket_view(status=status, number=9_999_999_999), (), ())

        assert presses(KEYBOARDS[keyboard](detail))

    @pytest.mark.parametrize("keyboard", KEYBOARDS)
    def test_every_press_is_about_the_ticket_shown(self, keyboard: str) -> None:
        detail = TicketDetail(ticket_view(number=4242), (), ())

        numbers = {p.number for p in decoded(KEYBOARDS[keyboard](detail))}
        assert numbers <= {4242, 0, None, *range(12)}
