"""Rendering of the agents' tools: snippets, the customer's card, saved replies, merges."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.rendering import agent_tools as views
from bot.rendering.staff import render_card, render_event_line
from core.domain.search_text import MARK_END, MARK_START
from core.domain.values import Role
from core.notices.kinds import EventLine
from core.views import CustomerCard, CustomerView
from tests.bot.test_rendering import ticket_view

WHEN = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class TestSnippet:
    def test_matches_are_bold_and_user_text_is_escaped(self) -> None:
        snippet = f"a <b>x</b> {MARK_START}printer{MARK_END} & more"
        assert views.snippet_html(snippet) == "a &lt;b&gt;x&lt;/b&gt; <b>printer</b> &amp; more"

    def test_a_snippet_starting_with_a_match(self) -> None:
        assert views.snippet_html(f"{MARK_START}a{MARK_END} b") == "<b>a</b> b"


class TestCard:
    def test_the_card_shows_tags_and_a_merge(self) -> None:
        card = render_card(ticket_view(tags=("billing", "vip"), merged_into=15))
        assert "Tags: #billing #vip" in card
        assert "Merged into #15" in card

    def test_the_merge_line_links_to_the_target_topic(self) -> None:
        link = views.topic_link(-1001234, 77)
        assert link == "https://t.me/c/1234/77"
        event = EventLine(1, "merged_into", "alice", Role.AGENT, detail="#15")
        line = render_event_line(event, link=link)
        assert '<a href="https://t.me/c/1234/77">#15</a>' in line


class TestCustomerCard:
    def test_everything_agents_need_escaped(self) -> None:
        card = CustomerCard(
            customer=CustomerView(1, 42, "<Ann>", "ann", "ru", unreachable_since=WHEN),
            first_seen=WHEN,
            open_tickets=(ticket_view(),),
            past_tickets=(),
            ticket_count=1,
            average_rating=4.5,
            ratings=2,
            tags=("vip",),
        )
        text = views.customer_card(card)
        assert "&lt;Ann&gt;" in text
        assert "@ann" in text
        assert "<code>42</code>" in text
        assert "Language: ru" in text
        assert "4.5/5 (2 rated)" in text
        assert "blocked the bot" in text
        assert "#vip" in text
        keyboard = views.customer_keyboard(card)
        assert keyboard is not None
        assert keyboard.inline_keyboard[0][0].callback_data == "t:show:12"
