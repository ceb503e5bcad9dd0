"""Fixtures for service tests: customers and a logged-in agent."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from core.desk import Desk
from core.domain.actors import Actor, ChatRef, CustomerProfile, NewMessage
from core.views import TicketView

PASSWORD = "a-long-secret-pass"
_message_ids = itertools.count(1000)


def text_from(actor: Actor, text: str) -> NewMessage:
    """A text message as it would arrive from the actor's chat, with a fresh message id."""
    return NewMessage(
        text, origin=ChatRef(actor.ref if actor.is_customer else -100_777, next(_message_ids))
    )


@pytest.fixture(name="ann")
def fixture_ann() -> Actor:
    """A customer."""
    return Actor.customer(CustomerProfile(7001, "Ann", "ann", "en"))


@pytest.fixture(name="bob")
def fixture_bob() -> Actor:
    """Another customer."""
    return Actor.customer(CustomerProfile(7002, "Bob", None, "de"))


@pytest.fixture(name="alice")
async def fixture_alice(desk: Desk) -> Actor:
    """An agent, logged in from Telegram account 9001."""
    await desk.accounts.add_agent("alice", PASSWORD, is_admin=True)
    view = await desk.accounts.login("alice", PASSWORD, 9001)
    return Actor.agent(view.id, view.username)


@pytest.fixture(name="report")
def fixture_report(desk: Desk) -> Callable[..., object]:
    """Report a ticket for a customer: ``await report(ann, "subject")``."""

    async def report(
        actor: Actor, subject: str = "Printer on fire", text: str = "It smokes."
    ) -> TicketView:
        return await desk.tickets.report_ticket(actor, subject, text_from(actor, text))

    return report
