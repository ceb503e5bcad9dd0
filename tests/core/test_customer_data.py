"""A customer's data: the export they can read, and the erasure that leaves only counts."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select, text

from core.desk import Desk
from core.domain.actors import Actor, Attachment, ChatRef, NewMessage
from core.domain.values import AttachmentKind, Status
from core.errors import InvalidInput, TicketClosed, TransitionRefused
from core.services.customer_data import NothingToErase
from core.services.customer_refs import CustomerRef
from core.store.tables import Base, CustomerEventRow, TicketRow
from tests.core.conftest import text_from

ANN = CustomerRef(reference="7001")
SECRETS = ("Ann", "ann", "My password is hunter2", "FILE-ID-SECRET", "Printer on fire", "smelly")


async def ann_story(desk: Desk, ann: Actor, alice: Actor) -> int:
    """Ann reports, sends a photo, gets a reply and a note, rates with a comment."""
    ticket = await desk.tickets.report_ticket(
        ann, "Printer on fire", text_from(ann, "My password is hunter2")
    )
    photo = NewMessage(
        "smelly",
        attachment=Attachment(AttachmentKind.PHOTO, "FILE-ID-SECRET", "photo.jpg"),
        origin=ChatRef(ann.ref, 55),
    )
    await desk.messages.send_message(ann, ticket.number, photo)
    await desk.messages.send_message(alice, ticket.number, text_from(alice, "On it"))
    await desk.messages.send_message(alice, ticket.number, text_from(alice, "VIP"), internal=True)
    await desk.tickets.change_status(alice, ticket.number, Status.RESOLVED)
    await desk.tickets.rate_ticket(ann, ticket.number, 5, "smelly but fixed")
    return ticket.number


class TestExport:
    async def test_everything_is_there_and_readable(
        self, desk: Desk, ann: Actor, alice: Actor
    ) -> None:
        number = await ann_story(desk, ann, alice)
        (document,) = await desk.customer_data.export(ANN)
        data = json.loads(document)
        assert data["profile"]["name"] == "Ann"
        assert data["profile"]["username"] == "ann"
        (ticket,) = data["tickets"]
        assert (ticket["number"], ticket["subject"], ticket["rating"]) == (
            number,
            "Printer on fire",
            5,
        )
        texts = [message["text"] for message in ticket["messages"]]
        assert texts == ["My password is hunter2", "smelly", "On it"]
        assert ticket["messages"][1]["attachment"]["file_id"] == "FILE-ID-SECRET"
        assert "\n" in document.decode()  # indented, for people

    async def test_internal_notes_only_for_staff(
        self, desk: Desk, ann: Actor, alice: Actor
    ) -> None:
        await ann_story(desk, ann, alice)
        (document,) = await desk.customer_data.export(ANN, include_internal=True)
        texts = [m["text"] for m in json.loads(document)["tickets"][0]["messages"]]
        assert "VIP" in texts

    async def test_600_tickets_fit_and_split_whole(self, desk: Desk, ann: Actor) -> None:
        for index in range(600):
            await desk.tickets.report_ticket(ann, f"Issue {index}", text_from(ann, "x" * 200))
        (single,) = await desk.customer_data.export(ANN)
        assert len(single) < 50 * 1024 * 1024
        assert len(json.loads(single)["tickets"]) == 600

        parts = await desk.customer_data.export(ANN, max_part_bytes=100_000)
        assert len(parts) > 1
        assert all(len(part) <= 100_000 for part in parts)
        documents = [json.loads(part) for part in parts]
        assert [d["part"] for d in documents] == list(range(1, len(parts) + 1))
        assert {d["parts"] for d in documents} == {len(parts)}
        numbers = [t["number"] for d in documents for t in d["tickets"]]
        assert numbers == sorted(numbers)
        assert len(numbers) == 600


class TestEditedMessages:
    async def test_the_export_carries_every_earlier_version(
        self, desk: Desk, ann: Actor, alice: Actor
    ) -> None:
        await ann_story(desk, ann, alice)
        await desk.edits.edit(ChatRef(ann.ref, 55), NewMessage("smelly indeed"))
        (document,) = await desk.customer_data.export(ANN)
        (ticket,) = json.loads(document)["tickets"]
        photo = ticket["messages"][1]
        assert photo["text"] == "smelly indeed"
        assert [v["text"] for v in photo["earlier_versions"]] == ["smelly"]

    async def test_erasure_leaves_no_earlier_version(
        self, desk: Desk, ann: Actor, alice: Actor
    ) -> None:
        await ann_story(desk, ann, alice)
        await desk.edits.edit(ChatRef(ann.ref, 55), NewMessage("it was nothing"))
        await desk.customer_data.erase(Actor.customer_ref(ann.ref), ANN)
        leftovers = await _strings_in_database(desk)
        assert not [s for s in leftovers if "smelly" in s or "nothing" in s]


class TestErase:
    async def test_nothing_of_the_customer_is_left_but_counts(
        self, desk: Desk, ann: Actor, alice: Actor
    ) -> None:
        await ann_story(desk, ann, alice)
        erasure = await desk.customer_data.erase(Actor.customer_ref(ann.ref), ANN)
        assert erasure.tickets == 1
        leftovers = await _strings_in_database(desk)
        for secret in SECRETS:
            assert not [s for s in leftovers if secret in s], secret
        async with desk.database.read_session() as session:
            assert await session.scalar(select(func.count(TicketRow.id))) == 1
            ticket = (await session.scalars(select(TicketRow))).one()
            event = (await session.scalars(select(CustomerEventRow))).one()
        assert ticket.status == Status.CLOSED.value
        assert ticket.rating == 5
        assert (event.kind, event.detail) == ("erased", None)

    async def test_open_tickets_close_and_copies_are_forgotten(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        ticket = await report(ann)
        await desk.customer_data.erase(Actor.customer_ref(ann.ref), ANN)
        view = await desk.queries.find_ticket(Actor.system(), ticket.number)
        assert view.status is Status.CLOSED
        async with desk.database.read_session() as session:
            copies = await session.scalar(text("SELECT count(*) FROM message_copies"))
        assert copies == 0

    async def test_an_erased_ticket_takes_no_move_message_or_rating(
        self, desk: Desk, ann: Actor, alice: Actor
    ) -> None:
        number = await ann_story(desk, ann, alice)
        await desk.customer_data.erase(Actor.customer_ref(ann.ref), ANN)
        erased = f"#{number}'s content was erased"
        with pytest.raises(TransitionRefused, match=erased):
            await desk.tickets.change_status(alice, number, Status.OPEN)
        with pytest.raises(TransitionRefused, match=erased):
            await desk.tickets.take(alice, number)
        for internal in (False, True):
            with pytest.raises(TicketClosed, match=f"#{number} was erased"):
                await desk.messages.send_message(
                    alice, number, text_from(alice, "hello"), internal=internal
                )
        with pytest.raises(InvalidInput, match=f"#{number} was erased"):
            await desk.tickets.rate_ticket(ann, number, 1)
        with pytest.raises(InvalidInput, match=f"#{number} was erased"):
            await desk.tickets.comment_on_rating(ann, number, "changed my mind")
        view = await desk.queries.find_ticket(Actor.system(), number)
        assert (view.status, view.rating) == (Status.CLOSED, 5)

    async def test_twice_is_refused_until_something_new_is_written(
        self, desk: Desk, ann: Actor, report: Callable[..., Any]
    ) -> None:
        await report(ann)
        me = Actor.customer_ref(ann.ref)
        await desk.customer_data.erase(me, ANN)
        with pytest.raises(NothingToErase, match="erased on"):
            await desk.customer_data.erase(me, ANN)
        await report(ann, "Again", "new words")
        assert (await desk.customer_data.erase(me, ANN)).tickets == 1


async def _strings_in_database(desk: Desk) -> list[str]:
    found: list[str] = []
    async with desk.database.read_session() as session:
        for table in Base.metadata.sorted_tables:
            for row in await session.execute(table.select()):
                found += [json.dumps(v) if isinstance(v, dict) else str(v) for v in row]
    return found
