"""Reporting, assigning, prioritising and rating tickets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core.desk import Desk
from core.domain.actors import Actor, Attachment, ChatRef, CustomerProfile, NewMessage
from core.domain.values import AttachmentKind, Priority, Status
from core.errors import AgentNotFound, DuplicateMessage, InvalidInput
from tests.core.conftest import PASSWORD, text_from


class TestReport:
    async def test_report_returns_a_new_numbered_ticket(self, desk: Desk, ann: Actor) -> None:
        first = await desk.tickets.report_ticket(
            ann, "  Printer   on fire ", text_from(ann, "help")
        )
        second = await desk.tickets.report_ticket(ann, "Scanner", text_from(ann, "also"))
        assert (first.subject, first.status, first.priority) == (
            "Printer on fire",
            Status.NEW,
            Priority.NORMAL,
        )
        assert second.number > first.number
        assert first.customer.display_name == "Ann"
        assert first.customer.telegram_user_id == 7001

    @pytest.mark.parametrize(
        ("subject", "message"), [("", "empty"), ("   ", "empty"), ("x" * 121, "121 characters")]
    )
    async def test_subject_must_have_1_to_120_characters(
        self, desk: Desk, ann: Actor, subject: str, message: str
    ) -> None:
        with pytest.raises(InvalidInput, match=message):
            await desk.tickets.report_ticket(ann, subject, text_from(ann, "x"))

    async def test_html_and_emoji_are_stored_verbatim(
        self, desk: Desk, ann: Actor, alice: Actor
    ) -> None:
        subject = "Printer <b>& fire 🔥"
        ticket = await desk.tickets.report_ticket(
            ann, subject, text_from(ann, "<i>bold</i> &amp; 🙂")
        )
        detail = await desk.queries.get_ticket(alice, ticket.number)
        assert detail.ticket.subject == subject
        assert detail.messages[0].text == "<i>bold</i> &amp; 🙂"

    async def test_empty_description_is_refused(self, desk: Desk, ann: Actor) -> None:
        with pytest.raises(InvalidInput, match="empty"):
            await desk.tickets.report_ticket(ann, "Subject", NewMessage("  "))

    async def test_a_sticker_alone_is_a_description(
        self, desk: Desk, ann: Actor, alice: Actor
    ) -> None:
        sticker = NewMessage(
            attachment=Attachment(AttachmentKind.STICKER, "CAAD"), origin=ChatRef(7001, 5)
        )
        ticket = await desk.tickets.report_ticket(ann, "Look", sticker)
        detail = await desk.queries.get_ticket(alice, ticket.number)
        attachment = detail.messages[0].attachment
        assert attachment is not None
        assert attachment.kind is AttachmentKind.STICKER

    async def test_category_must_be_configured(self, desk: Desk, ann: Actor) -> None:
        ticket = await desk.tickets.report_ticket(
            ann, "Bill", text_from(ann, "x"), category="billing"
        )
        assert ticket.category == "Billing"
        with pytest.raises(InvalidInput, match="Unknown category 'Gardening'"):
            await desk.tickets.report_ticket(ann, "Bill", text_from(ann, "x"), category="Gardening")

    async def test_the_same_inbound_message_creates_nothing_twice(
        self, desk: Desk, ann: Actor, alice: Actor
    ) -> None:
        message = NewMessage("help", origin=ChatRef(7001, 77))
        await desk.tickets.report_ticket(ann, "Once", message)
        with pytest.raises(DuplicateMessage):
            await desk.tickets.report_ticket(ann, "Once", message)
        page = await desk.queries.view_tickets(alice)
        assert [t.subject for t in page.tickets] == ["Once"]

    async def test_customer_profile_is_refreshed(
        self, desk: Desk, ann: Actor, alice: Actor
    ) -> None:
        await desk.tickets.report_ticket(ann, "One", text_from(ann, "x"))
        renamed = Actor.customer(CustomerProfile(7001, "Ann B.", "annb", "fr"))
        ticket = await desk.tickets.report_ticket(renamed, "Two", text_from(renamed, "y"))
        assert (ticket.customer.display_name, ticket.customer.username) == ("Ann B.", "annb")


class TestAssignment:
    async def test_assign_reassign_and_unassign(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        await desk.accounts.add_agent("bob", PASSWORD)
        ticket = await report(ann)
        assert (await desk.tickets.assign(alice, ticket.number, "@Bob")).assignee == "bob"
        assert (await desk.tickets.assign(alice, ticket.number, "alice")).assignee == "alice"
        assert (await desk.tickets.assign(alice, ticket.number, None)).assignee is None
        with pytest.raises(InvalidInput, match="has no assignee already"):
            await desk.tickets.assign(alice, ticket.number, None)

    async def test_assigning_to_an_unknown_or_disabled_agent_is_refused(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        await desk.accounts.add_agent("bob", PASSWORD)
        await desk.accounts.set_active("bob", active=False)
        ticket = await report(ann)
        for name in ("nobody", "bob"):
            with pytest.raises(AgentNotFound):
                await desk.tickets.assign(alice, ticket.number, name)

    async def test_take_assigns_to_me_and_opens(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        taken = await desk.tickets.take(alice, ticket.number)
        assert (taken.assignee, taken.status) == ("alice", Status.OPEN)
        with pytest.raises(InvalidInput, match="already yours"):
            await desk.tickets.take(alice, ticket.number)


class TestPriorityAndRating:
    async def test_priority_changes_and_is_audited(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        assert (
            await desk.tickets.set_priority(alice, ticket.number, Priority.URGENT)
        ).priority is Priority.URGENT
        with pytest.raises(InvalidInput, match="already has urgent"):
            await desk.tickets.set_priority(alice, ticket.number, Priority.URGENT)
        events = (await desk.queries.get_ticket(alice, ticket.number)).events
        assert (events[-1].kind, events[-1].detail) == ("priority", "normal → urgent")

    async def test_rating_needs_a_resolved_ticket_and_a_value_from_1_to_5(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        with pytest.raises(InvalidInput, match="once it is resolved"):
            await desk.tickets.rate_ticket(ann, ticket.number, 5)
        await desk.tickets.change_status(alice, ticket.number, Status.RESOLVED)
        for bad in (0, 6, -1):
            with pytest.raises(InvalidInput, match="1 to 5"):
                await desk.tickets.rate_ticket(ann, ticket.number, bad)
        with pytest.raises(InvalidInput, match="before adding a comment"):
            await desk.tickets.rate_ticket(ann, ticket.number, None, "great")
        rated = await desk.tickets.rate_ticket(ann, ticket.number, 4)
        commented = await desk.tickets.rate_ticket(
            ann, ticket.number, None, "  quick <b>help</b> 👍 "
        )
        assert (rated.rating, commented.rating, commented.rating_comment) == (
            4,
            4,
            "quick <b>help</b> 👍",
        )

    async def test_a_comment_is_added_once_to_a_rated_done_ticket(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        await desk.tickets.change_status(alice, ticket.number, Status.RESOLVED)
        with pytest.raises(InvalidInput, match="Rate ticket"):
            await desk.tickets.comment_on_rating(ann, ticket.number, "great")
        await desk.tickets.rate_ticket(ann, ticket.number, 5)
        with pytest.raises(InvalidInput, match="2000 characters"):
            await desk.tickets.comment_on_rating(ann, ticket.number, "x" * 2001)
        commented = await desk.tickets.comment_on_rating(ann, ticket.number, " quick <b>help</b> ")
        again = await desk.tickets.comment_on_rating(ann, ticket.number, "quick <b>help</b>")
        assert (commented.rating_comment, again.rating_comment) == ("quick <b>help</b>",) * 2
        with pytest.raises(InvalidInput, match="already added a comment"):
            await desk.tickets.comment_on_rating(ann, ticket.number, "and more")

    async def test_no_comment_once_the_ticket_is_open_again(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        await desk.tickets.change_status(alice, ticket.number, Status.RESOLVED)
        await desk.tickets.rate_ticket(ann, ticket.number, 4)
        await desk.tickets.change_status(alice, ticket.number, Status.OPEN)
        with pytest.raises(InvalidInput, match="is open again"):
            await desk.tickets.comment_on_rating(ann, ticket.number, "after restart")
        assert (await desk.delivery.ticket(ticket.number)).rating_comment is None

    async def test_rating_still_works_after_auto_close(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        await desk.tickets.change_status(alice, ticket.number, Status.RESOLVED)
        await desk.tickets.change_status(Actor.system(), ticket.number, Status.CLOSED)
        assert (await desk.tickets.rate_ticket(ann, ticket.number, 5)).rating == 5


class TestActiveTicket:
    async def test_plain_messages_go_to_the_active_ticket(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        first = await report(ann, "First")
        second = await report(ann, "Second")
        current = await desk.queries.current_ticket_of(ann)
        assert current is not None
        assert current.number == second.number
        await desk.tickets.set_active_ticket(ann, first.number)
        current = await desk.queries.current_ticket_of(ann)
        assert current is not None
        assert current.number == first.number

    async def test_a_new_customer_has_no_current_ticket(self, desk: Desk, ann: Actor) -> None:
        assert await desk.queries.current_ticket_of(ann) is None
