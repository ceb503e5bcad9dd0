"""Agents report on behalf of customers, set categories and filter the ticket list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from core.desk import Desk
from core.domain.actors import Actor, NewMessage
from core.domain.values import NoticeKind, Priority, Status
from core.errors import CustomerNotFound, InvalidInput, PermissionDenied
from core.services.queries import TicketFilter
from core.store.tables import OutboxRow


class TestReportForCustomer:
    @pytest.mark.parametrize("reference", ["@Ann", "ann", "7001"])
    async def test_agent_reports_for_a_known_customer_who_is_told(
        self, desk: Desk, alice: Actor, ann: Actor, report: Callable[..., Any], reference: str
    ) -> None:
        await report(ann)
        ticket = await desk.tickets.report_for_customer(
            alice, reference, "VPN down", NewMessage("The VPN drops.", copyable=False)
        )
        assert ticket.customer.telegram_user_id == 7001
        async with desk.database.read_session() as session:
            kinds = list(
                await session.scalars(
                    select(OutboxRow.kind).where(
                        OutboxRow.ticket_id == ticket.number, OutboxRow.chat_id == 7001
                    )
                )
            )
        assert kinds == [NoticeKind.TICKET_CONFIRMED.value]

    async def test_unknown_customer_is_refused(self, desk: Desk, alice: Actor) -> None:
        with pytest.raises(CustomerNotFound):
            await desk.tickets.report_for_customer(alice, "@nobody", "x", NewMessage("y"))

    async def test_customers_cannot_report_for_others(
        self, desk: Desk, ann: Actor, bob: Actor, report: Callable[..., Any]
    ) -> None:
        await report(bob)
        with pytest.raises(PermissionDenied):
            await desk.tickets.report_for_customer(ann, "7002", "x", NewMessage("y"))


class TestCategory:
    async def test_agent_changes_the_category(
        self, desk: Desk, alice: Actor, ann: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        changed = await desk.tickets.set_category(alice, ticket.number, "billing")
        assert changed.category == "Billing"
        with pytest.raises(InvalidInput, match="already has"):
            await desk.tickets.set_category(alice, ticket.number, "Billing")
        with pytest.raises(InvalidInput, match="Unknown category"):
            await desk.tickets.set_category(alice, ticket.number, "Nope")


class TestListTickets:
    async def test_filters_combine(
        self, desk: Desk, alice: Actor, ann: Actor, bob: Actor, report: Callable[..., Any]
    ) -> None:
        first = await report(ann)
        await report(bob)
        await desk.tickets.set_priority(alice, first.number, Priority.HIGH)
        page = await desk.queries.list_tickets(
            alice, TicketFilter(priority=Priority.HIGH, customer=7001)
        )
        assert [t.number for t in page.tickets] == [first.number]
        none = await desk.queries.list_tickets(
            alice, TicketFilter(statuses=(Status.CLOSED,), customer=7001)
        )
        assert none.tickets == ()

    async def test_a_customer_sees_only_their_own_whatever_the_filter(
        self, desk: Desk, ann: Actor, bob: Actor, report: Callable[..., Any]
    ) -> None:
        mine = await report(ann)
        await report(bob)
        page = await desk.queries.list_tickets(ann, TicketFilter())
        assert [t.number for t in page.tickets] == [mine.number]
        other = await desk.queries.list_tickets(ann, TicketFilter(customer=7002))
        assert other.tickets == ()
