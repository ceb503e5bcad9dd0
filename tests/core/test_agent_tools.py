"""Tags, the customer's card, saved replies, search and merges, on each database."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from core.desk import Desk
from core.domain.actors import Actor, CustomerProfile
from core.domain.search_text import MARK_END, MARK_START
from core.domain.values import EventKind, NoticeKind, Status
from core.errors import (
    CustomerNotFound,
    InvalidInput,
    PermissionDenied,
    SavedReplyNotFound,
    TicketClosed,
    TransitionRefused,
)
from core.services.saved_replies import SavedReplyInput
from core.store import search_index
from core.store.tables import OutboxRow
from tests.core.conftest import PASSWORD, text_from

Report = Callable[..., Any]


@pytest.fixture(name="bea")
async def fixture_bea(desk: Desk) -> Actor:
    """A second agent, not an admin."""
    await desk.accounts.add_agent("bea", PASSWORD)
    view = await desk.accounts.login("bea", PASSWORD, 9002)
    return Actor.agent(view.id, view.username)


async def _outbox_kinds(desk: Desk, number: int, after: int = 0) -> list[tuple[str, str]]:
    async with desk.database.read_session() as session:
        rows = await session.execute(
            select(OutboxRow.kind, OutboxRow.audience)
            .where(OutboxRow.ticket_id == number, OutboxRow.id > after)
            .order_by(OutboxRow.id)
        )
        return [(kind, audience) for kind, audience in rows]


async def _last_outbox_id(desk: Desk) -> int:
    async with desk.database.read_session() as session:
        return int(await session.scalar(select(func.max(OutboxRow.id))) or 0)


class TestTags:
    async def test_tags_are_normalised_shown_on_the_ticket_and_audited(
        self, desk: Desk, ann: Actor, alice: Actor, report: Report
    ) -> None:
        ticket = await report(ann)
        tagged = await desk.tags.tag(alice, ticket.number, ["Billing", "#REFUND", "billing"])
        assert tagged.tags == ("billing", "refund")
        untagged = await desk.tags.untag(alice, ticket.number, "BILLING")
        assert untagged.tags == ("refund",)
        detail = await desk.queries.get_ticket(alice, ticket.number)
        kinds = [e.kind for e in detail.events]
        assert EventKind.TAGGED in kinds
        assert EventKind.UNTAGGED in kinds

    async def test_a_message_and_a_move_answer_with_the_tags_in_order(
        self, desk: Desk, ann: Actor, alice: Actor, report: Report
    ) -> None:
        ticket = await report(ann)
        await desk.tags.tag(alice, ticket.number, ["zeta", "alpha", "b-c", "b_c", "ä"])
        in_order = (await desk.queries.get_ticket(alice, ticket.number)).ticket.tags
        assert sorted(in_order) == ["alpha", "b-c", "b_c", "zeta", "ä"]
        posted = await desk.messages.send_message(ann, ticket.number, text_from(ann, "More."))
        assert posted.ticket.tags == in_order
        moved = await desk.tickets.change_status(alice, ticket.number, Status.PENDING)
        assert moved.tags == in_order

    @pytest.mark.parametrize("bad", ["<b>x</b>", "a" * 200, "two words", "", "-x"])
    async def test_a_bad_tag_changes_nothing(
        self, desk: Desk, ann: Actor, alice: Actor, report: Report, bad: str
    ) -> None:
        ticket = await report(ann)
        with pytest.raises(InvalidInput):
            await desk.tags.tag(alice, ticket.number, ["good", bad])
        assert (await desk.queries.find_ticket(alice, ticket.number)).tags == ()

    async def test_removing_a_tag_the_ticket_lacks_is_refused(
        self, desk: Desk, ann: Actor, alice: Actor, report: Report
    ) -> None:
        ticket = await report(ann)
        with pytest.raises(InvalidInput, match="no tag"):
            await desk.tags.untag(alice, ticket.number, "nope")

    async def test_customers_cannot_tag(self, desk: Desk, ann: Actor, report: Report) -> None:
        ticket = await report(ann)
        with pytest.raises(PermissionDenied):
            await desk.tags.tag(ann, ticket.number, ["x"])

    async def test_queue_filters_by_tag(
        self, desk: Desk, ann: Actor, bob: Actor, alice: Actor, report: Report
    ) -> None:
        first = await report(ann, "One")
        await report(bob, "Two")
        await desk.tags.tag(alice, first.number, ["vip"])
        from core.services.queries import TicketFilter  # noqa: PLC0415

        page = await desk.queries.list_tickets(alice, TicketFilter(tag="vip"))
        assert [t.number for t in page.tickets] == [first.number]


class TestCustomerCard:
    async def test_card_by_ticket_and_by_username(
        self, desk: Desk, ann: Actor, alice: Actor, report: Report
    ) -> None:
        first = await report(ann, "One")
        second = await report(ann, "Two")
        await desk.tags.tag(alice, first.number, ["vip"])
        await desk.tickets.change_status(alice, first.number, Status.CLOSED)
        await desk.tickets.rate_ticket(ann, first.number, 4)
        card = await desk.customers.card_of_ticket(alice, second.number)
        assert card.customer.username == "ann"
        assert card.customer.language_code == "en"
        assert [t.number for t in card.open_tickets] == [second.number]
        assert [t.number for t in card.past_tickets] == [first.number]
        assert card.average_rating == 4.0
        assert card.tags == ("vip",)
        same = await desk.customers.card(alice, "@ANN")
        assert same.customer.telegram_user_id == 7001
        by_id = await desk.customers.card(alice, "7001")
        assert by_id.ticket_count == 2

    async def test_unknown_customer_is_named(self, desk: Desk, alice: Actor) -> None:
        with pytest.raises(CustomerNotFound, match="@nobody"):
            await desk.customers.card(alice, "@nobody")
        with pytest.raises(InvalidInput):
            await desk.customers.card(alice, "not-a-name")


class TestSavedReplies:
    async def test_a_saved_reply_is_filled_in_and_sent_as_a_public_reply(
        self, desk: Desk, ann: Actor, alice: Actor, report: Report
    ) -> None:
        ticket = await report(ann)
        await desk.saved_replies.add(
            alice,
            "Thanks",
            SavedReplyInput(
                "Hi {customer}, {ticket} is fixed. — {agent}",
                "<b>Hi</b> {customer}, {ticket} is fixed. — {agent}",
            ),
        )
        posted = await desk.saved_replies.send(alice, ticket.number, "!thanks", escape=html.escape)
        message = posted.messages[0]
        assert message.text == f"Hi Ann, #{ticket.number} is fixed. — alice"
        assert message.formatted == f"<b>Hi</b> Ann, #{ticket.number} is fixed. — alice"
        assert not message.internal
        assert posted.ticket.first_response_at is not None
        assert posted.ticket.status is Status.OPEN

    async def test_values_are_escaped_in_the_formatted_form(self, desk: Desk, alice: Actor) -> None:
        evil = Actor.customer(CustomerProfile(7009, "<i>Eve</i>"))
        ticket = await desk.tickets.report_ticket(evil, "x", text_from(evil, "y"))
        await desk.saved_replies.add(alice, "hi", SavedReplyInput("Hi {customer}", "Hi {customer}"))
        posted = await desk.saved_replies.send(alice, ticket.number, "hi", escape=html.escape)
        assert posted.messages[0].formatted == "Hi &lt;i&gt;Eve&lt;/i&gt;"
        assert posted.messages[0].text == "Hi <i>Eve</i>"

    async def test_an_unknown_name_suggests_the_closest(
        self, desk: Desk, ann: Actor, alice: Actor, report: Report
    ) -> None:
        ticket = await report(ann)
        await desk.saved_replies.add(alice, "thanks", SavedReplyInput("Thanks!"))
        await desk.saved_replies.add(alice, "refund", SavedReplyInput("Refunded."))
        with pytest.raises(SavedReplyNotFound) as caught:
            await desk.saved_replies.send(alice, ticket.number, "thnks", escape=html.escape)
        assert caught.value.suggestions == ("thanks",)
        assert "Did you mean: thanks" in str(caught.value)

    async def test_an_unknown_placeholder_is_refused(self, desk: Desk, alice: Actor) -> None:
        with pytest.raises(InvalidInput, match=r"\{order\}"):
            await desk.saved_replies.add(alice, "x", SavedReplyInput("Your {order} shipped"))
        assert (await desk.saved_replies.page(alice)).total == 0

    async def test_only_the_author_or_an_admin_deletes(
        self, desk: Desk, alice: Actor, bea: Actor
    ) -> None:
        await desk.saved_replies.add(alice, "mine", SavedReplyInput("Alice's"))
        with pytest.raises(PermissionDenied):
            await desk.saved_replies.delete(bea, "mine")
        await desk.saved_replies.add(bea, "beas", SavedReplyInput("Bea's"))
        await desk.saved_replies.delete(alice, "beas")  # alice is an admin
        await desk.saved_replies.delete(alice, "mine")
        assert (await desk.saved_replies.page(alice)).total == 0

    async def test_the_list_is_paged_by_name(self, desk: Desk, alice: Actor) -> None:
        for name in ("c", "a", "b"):
            await desk.saved_replies.add(alice, name, SavedReplyInput(name.upper()))
        first = await desk.saved_replies.page(alice, limit=2)
        assert [r.name for r in first.replies] == ["a", "b"]
        assert first.next_offset == 2
        rest = await desk.saved_replies.page(alice, offset=2, limit=2)
        assert [r.name for r in rest.replies] == ["c"]
        assert rest.next_offset is None


class TestSearch:
    async def test_finds_by_subject_message_and_note_ranked_with_a_snippet(
        self, desk: Desk, ann: Actor, bob: Actor, alice: Actor, report: Report
    ) -> None:
        printer = await report(ann, "Printer smokes", "The printer smokes a lot")
        await report(bob, "Login fails", "Cannot log in since the printer update")
        noted = await report(bob, "Other", "Nothing here")
        await desk.messages.send_message(
            alice, noted.number, text_from(alice, "suspect firmware"), internal=True
        )
        hits = await desk.search.search(alice, "printer")
        assert hits[0].ticket.number == printer.number
        assert len(hits) == 2
        assert f"{MARK_START}printer{MARK_END}".lower() in hits[0].snippet.lower()
        found = await desk.search.search(alice, "FIRMWARE")
        assert [h.ticket.number for h in found] == [noted.number]

    @pytest.mark.parametrize("few", [search_index.FEW_FILTERED, 0], ids=["listed", "joined"])
    async def test_ranks_the_newest_matches_by_relevance_and_filters_reach_older_ones(
        self,
        desk: Desk,
        ann: Actor,
        bob: Actor,
        alice: Actor,
        report: Report,
        monkeypatch: pytest.MonkeyPatch,
        few: int,
    ) -> None:
        monkeypatch.setattr(search_index, "RANKED_POOL", 3)
        monkeypatch.setattr(search_index, "FEW_FILTERED", few)
        oldest = await report(bob, "Toner toner toner", "toner everywhere, toner")
        weak = await report(ann, "Question", "about the toner")
        strong = await report(ann, "Toner empty", "the toner is out of toner")
        newest = await report(ann, "Paper", "toner maybe")
        hits = [h.ticket.number for h in await desk.search.search(alice, "toner")]
        # The three newest matches, the most relevant first; the oldest is beyond the pool.
        assert hits[0] == strong.number
        assert sorted(hits) == sorted([weak.number, strong.number, newest.number])
        found = await desk.search.search(alice, "toner customer:" + str(bob.ref))
        assert [h.ticket.number for h in found] == [oldest.number]
        assert "toner" in found[0].snippet.lower()

    @pytest.mark.parametrize("sample", [search_index.RARITY_SAMPLE, 2], ids=["all", "sampled"])
    async def test_the_rarer_word_weighs_more(
        self,
        desk: Desk,
        ann: Actor,
        alice: Actor,
        report: Report,
        monkeypatch: pytest.MonkeyPatch,
        sample: int,
    ) -> None:
        if not desk.database.is_sqlite:
            pytest.skip("BM25 weighs rarity (SQLite); ts_rank_cd does not (PostgreSQL)")
        # Counted from every match of each word, or estimated from the newest two.
        monkeypatch.setattr(search_index, "RARITY_SAMPLE", sample)
        rare = await report(ann, "Help", "printer jam jam jam")
        common = await report(ann, "Help", "printer printer printer jam")
        for _ in range(4):
            await report(ann, "Other", "the printer only")
        hits = [h.ticket.number for h in await desk.search.search(alice, "printer jam")]
        # Equal but for which word repeats: "jam", in two tickets of six, weighs more.
        assert hits == [rare.number, common.number]
        assert [h.ticket.number for h in await desk.search.search(alice, "jam")] == [
            rare.number,
            common.number,
        ]

    async def test_every_word_must_match(
        self, desk: Desk, ann: Actor, alice: Actor, report: Report
    ) -> None:
        await report(ann, "Printer smokes", "paper jam")
        assert await desk.search.search(alice, "printer jam")
        assert await desk.search.search(alice, "printer toner") == []

    async def test_cyrillic_and_cjk_words_are_found(
        self, desk: Desk, ann: Actor, alice: Actor, report: Report
    ) -> None:
        ru = await report(ann, "Принтер", "Принтер дымится после обновления")
        cn = await report(ann, "数据库", "我的数据库连接失败了")
        assert [h.ticket.number for h in await desk.search.search(alice, "дымится")] == [ru.number]
        assert [h.ticket.number for h in await desk.search.search(alice, "ПРИНТЕР")] == [ru.number]
        hits = await desk.search.search(alice, "连接失败")
        assert [h.ticket.number for h in hits] == [cn.number]
        assert f"{MARK_START}连接失败{MARK_END}了" in hits[0].snippet
        assert await desk.search.search(alice, "失连") == []

    @pytest.mark.parametrize(
        "query", ['"printer', "printer*", "NEAR(printer smokes)", "-printer", "printer OR x"]
    )
    async def test_search_syntax_is_never_interpreted(
        self, desk: Desk, ann: Actor, alice: Actor, report: Report, query: str
    ) -> None:
        await report(ann, "Printer smokes", "near the window, or so")
        hits = await desk.search.search(alice, query)
        assert len(hits) <= 1

    @pytest.mark.parametrize("few", [search_index.FEW_FILTERED, 0], ids=["listed", "joined"])
    async def test_filters_narrow_the_search(
        self,
        desk: Desk,
        ann: Actor,
        bob: Actor,
        alice: Actor,
        report: Report,
        monkeypatch: pytest.MonkeyPatch,
        few: int,
    ) -> None:
        # Either way a filter is applied: as a list of the few tickets passing it, or
        # by joining the tickets while walking the matches.
        monkeypatch.setattr(search_index, "FEW_FILTERED", few)
        a = await report(ann, "Printer one")
        b = await report(bob, "Printer two")
        await desk.tags.tag(alice, a.number, ["hardware"])
        await desk.tickets.take(alice, b.number)
        assert [
            h.ticket.number for h in await desk.search.search(alice, "printer tag:hardware")
        ] == [a.number]
        assert [
            h.ticket.number for h in await desk.search.search(alice, "printer customer:@ann")
        ] == [a.number]
        assert [
            h.ticket.number for h in await desk.search.search(alice, "printer customer:7002")
        ] == [b.number]
        assert [
            h.ticket.number for h in await desk.search.search(alice, "printer agent:alice")
        ] == [b.number]
        assert [h.ticket.number for h in await desk.search.search(alice, "printer status:new")] == [
            a.number
        ]
        # Several words and several tickets passing: each word's rarity comes along.
        c = await report(ann, "Printer one again")
        found = await desk.search.search(alice, "printer one customer:@ann")
        assert sorted(h.ticket.number for h in found) == [a.number, c.number]

    @pytest.mark.parametrize(
        ("query", "says"),
        [
            ("the and of", "too common"),
            ("x" * 1000, "1000 characters"),
            ("status:nonsense printer", "Unknown status"),
            ("", "Write what to search"),
            ("tag: printer", "needs a value"),
        ],
    )
    async def test_bad_queries_get_a_clear_answer(
        self, desk: Desk, alice: Actor, query: str, says: str
    ) -> None:
        with pytest.raises(InvalidInput, match=says):
            await desk.search.search(alice, query)

    async def test_reindex_rebuilds_the_same_results(
        self, desk: Desk, ann: Actor, alice: Actor, report: Report
    ) -> None:
        ticket = await report(ann, "Printer smokes", "toner everywhere")
        assert await desk.search.reindex() == 1
        assert [h.ticket.number for h in await desk.search.search(alice, "toner")] == [
            ticket.number
        ]

    async def test_customers_cannot_search(self, desk: Desk, ann: Actor) -> None:
        with pytest.raises(PermissionDenied):
            await desk.search.search(ann, "printer")


class TestMerge:
    async def test_merge_moves_history_closes_the_source_and_tells_the_customer_once(
        self, desk: Desk, ann: Actor, alice: Actor, report: Report
    ) -> None:
        a = await report(ann, "Printer smokes", "first words")
        b = await report(ann, "Printer again", "second words")
        await desk.tags.tag(alice, a.number, ["hardware"])
        before = await _last_outbox_id(desk)
        merged = await desk.merge.merge(alice, a.number, b.number)
        assert merged.messages_moved == 1
        assert merged.source.status is Status.CLOSED
        assert merged.source.merged_into == b.number
        assert merged.target.tags == ("hardware",)
        detail = await desk.queries.get_ticket(alice, b.number)
        assert [m.text for m in detail.messages] == ["first words", "second words"]
        assert any(e.kind == EventKind.MERGED_FROM for e in detail.events)
        kinds = await _outbox_kinds(desk, a.number, before)
        assert kinds.count((NoticeKind.STATUS_CHANGED.value, "customer")) == 1
        assert kinds[-1] == (NoticeKind.TOPIC_CLOSE.value, "ticket_topic")
        assert [h.ticket.number for h in await desk.search.search(alice, "first")] == [b.number]
        # The customer's next message goes to the target.
        posted = await desk.messages.customer_writes(ann.profile, text_from(ann, "more"))  # type: ignore[arg-type]
        assert posted.posted is not None
        assert posted.posted.ticket.number == b.number

    async def test_a_merged_ticket_cannot_be_reopened_taken_or_written_on(
        self, desk: Desk, ann: Actor, alice: Actor, report: Report
    ) -> None:
        a = await report(ann, "Printer smokes", "first words")
        b = await report(ann, "Printer again", "second words")
        await desk.merge.merge(alice, a.number, b.number)
        pointer = f"#{a.number} was merged into #{b.number}"
        with pytest.raises(TransitionRefused, match=pointer):
            await desk.tickets.change_status(alice, a.number, Status.OPEN)
        with pytest.raises(TransitionRefused, match=pointer):
            await desk.tickets.take(alice, a.number)
        for internal in (False, True):
            with pytest.raises(TicketClosed, match=pointer):
                await desk.messages.send_message(
                    alice, a.number, text_from(alice, "hello"), internal=internal
                )
        source = await desk.queries.find_ticket(alice, a.number)
        assert (source.status, source.assignee) == (Status.CLOSED, None)

    async def test_the_merged_tickets_topic_leads_to_the_target(
        self, desk: Desk, ann: Actor, alice: Actor, report: Report
    ) -> None:
        a = await report(ann)
        b = await report(ann)
        await desk.delivery.set_staff_topic(a.number, 501)
        await desk.delivery.set_staff_topic(b.number, 502)
        await desk.merge.merge(alice, a.number, b.number)
        found = await desk.queries.ticket_for_topic(alice, 501)
        assert found is not None
        assert (found.number, found.staff_topic_id) == (b.number, 502)
        other = await desk.queries.ticket_for_topic(alice, 502)
        assert other is not None
        assert other.number == b.number

    async def test_another_customers_ticket_is_refused_with_the_reason(
        self, desk: Desk, ann: Actor, bob: Actor, alice: Actor, report: Report
    ) -> None:
        a = await report(ann)
        b = await report(bob)
        with pytest.raises(InvalidInput, match="different customers"):
            await desk.merge.merge(alice, a.number, b.number)
        assert (await desk.queries.find_ticket(alice, a.number)).status is Status.NEW

    async def test_a_ticket_into_itself_or_a_closed_target_is_refused(
        self, desk: Desk, ann: Actor, alice: Actor, report: Report
    ) -> None:
        a = await report(ann)
        b = await report(ann)
        with pytest.raises(InvalidInput, match="itself"):
            await desk.merge.merge(alice, a.number, a.number)
        await desk.tickets.change_status(alice, b.number, Status.CLOSED)
        with pytest.raises(InvalidInput, match="closed"):
            await desk.merge.merge(alice, a.number, b.number)
        assert (await desk.queries.find_ticket(alice, a.number)).status is Status.NEW
