"""Bans: held messages, one notice, closed tickets, never an agent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from core.desk import Desk
from core.domain.actors import Actor, CustomerProfile
from core.domain.values import Audience, Status
from core.errors import BanRefused, CustomerNotFound, InvalidInput, PermissionDenied, TicketNotFound
from core.services.customer_refs import CustomerRef
from core.store.tables import CustomerEventRow, HeldMessageRow, OutboxRow
from tests.core.conftest import text_from


class TestBan:
    async def test_ban_closes_open_tickets_as_banned_and_tells_only_staff(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        first = await report(ann, "One")
        second = await report(ann, "Two")
        async with desk.database.read_session() as session:
            before = await session.scalar(select(func.max(OutboxRow.id)))

        ban = await desk.bans.ban(alice, CustomerRef(ticket=first.number), "spam links")

        assert ban.closed_tickets == (first.number, second.number)
        assert ban.reason == "spam links"
        for number in (first.number, second.number):
            ticket = await desk.queries.get_ticket(alice, number)
            assert ticket.ticket.status is Status.CLOSED
            assert ticket.events[-1].detail == "banned"
        async with desk.database.read_session() as session:
            audiences = set(
                await session.scalars(select(OutboxRow.audience).where(OutboxRow.id > before))
            )
            kinds = list(await session.scalars(select(CustomerEventRow.kind)))
        assert audiences == {Audience.TICKET_TOPIC.value}
        assert kinds == ["banned"]

    async def test_banned_customer_is_held_and_told_once(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        await report(ann)
        await desk.bans.ban(alice, CustomerRef(reference="@ann"))
        assert ann.profile is not None

        first = await desk.bans.screen(ann.profile, text_from(ann, "let me in"))
        second = await desk.bans.screen(ann.profile, text_from(ann, "hello?"))

        assert (first.banned, first.tell) == (True, True)
        assert (second.banned, second.tell) == (True, False)
        async with desk.database.read_session() as session:
            held = list(await session.scalars(select(HeldMessageRow.content)))
        assert [content["text"] for content in held] == ["let me in", "hello?"]

    async def test_unban_serves_the_customer_again(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        await report(ann)
        await desk.bans.ban(alice, CustomerRef(reference=str(ann.ref)))
        await desk.bans.unban(alice, CustomerRef(reference="@ANN"))
        assert ann.profile is not None
        assert not (await desk.bans.screen(ann.profile, text_from(ann, "back"))).banned
        assert await desk.bans.list_bans() == []

    async def test_list_names_every_ban(
        self, desk: Desk, ann: Actor, bob: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        await report(ann)
        bobs = await report(bob)
        await desk.bans.ban(alice, CustomerRef(reference="@ann"), "abuse")
        await desk.bans.ban(alice, CustomerRef(ticket=bobs.number))
        bans = await desk.bans.list_bans()
        assert {(b.name, b.reason, b.banned_by) for b in bans} == {
            ("Ann", "abuse", "alice"),
            ("Bob", None, "alice"),
        }


class TestBadBans:
    async def test_agent_account_is_never_banned(
        self, desk: Desk, alice: Actor, report: Callable[..., Any]
    ) -> None:
        # Alice's Telegram account 9001 wrote once as a customer (before logging in).
        agent_as_customer = Actor.customer(CustomerProfile(9001, "Alice", "alice_tg"))
        ticket = await report(agent_as_customer)
        with pytest.raises(BanRefused, match="agent"):
            await desk.bans.ban(alice, CustomerRef(ticket=ticket.number))
        assert await desk.bans.list_bans() == []

    async def test_unknown_targets_are_named(self, desk: Desk, alice: Actor) -> None:
        with pytest.raises(TicketNotFound):
            await desk.bans.ban(alice, CustomerRef(ticket=999))
        with pytest.raises(CustomerNotFound):
            await desk.bans.ban(alice, CustomerRef(reference="@nobody"))

    async def test_twice_and_not_banned_are_refused(
        self, desk: Desk, ann: Actor, alice: Actor, report: Callable[..., Any]
    ) -> None:
        await report(ann)
        with pytest.raises(BanRefused, match="not banned"):
            await desk.bans.unban(alice, CustomerRef(reference="@ann"))
        await desk.bans.ban(alice, CustomerRef(reference="@ann"))
        with pytest.raises(BanRefused, match="already"):
            await desk.bans.ban(alice, CustomerRef(reference="@ann"))

    async def test_customers_cannot_ban(
        self, desk: Desk, ann: Actor, bob: Actor, report: Callable[..., Any]
    ) -> None:
        await report(bob)
        with pytest.raises(PermissionDenied):
            await desk.bans.ban(ann, CustomerRef(reference="@bob"))

    @pytest.mark.parametrize(
        "text", ["", "ann", "12x", "@", "²", "#١٢", "id:²", "id:" + "9" * 19, "9" * 19]
    )
    def test_unreadable_target_is_refused(self, text: str) -> None:
        with pytest.raises(InvalidInput):
            CustomerRef.parse(text)
