"""The original endpoints, called as a client written against their specs would."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from core.desk import Desk
from core.domain.values import NoticeKind
from core.store.tables import OutboxRow


async def report(client: httpx.AsyncClient, who: dict[str, str], title: str = "Printer") -> int:
    answer = await client.post(
        "/tickets/report", json={"title": title, "description": "It smokes."}, headers=who
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


async def outbox_kinds(desk: Desk, ticket: int) -> list[tuple[str, str]]:
    async with desk.database.read_session() as session:
        rows = await session.execute(
            select(OutboxRow.audience, OutboxRow.kind)
            .where(OutboxRow.ticket_id == ticket)
            .order_by(OutboxRow.id)
        )
        return [(audience, kind) for audience, kind in rows]


class TestTicketManagementSystem:
    async def test_customer_reports_a_ticket(
        self, client: httpx.AsyncClient, ann: dict[str, str], desk: Desk
    ) -> None:
        answer = await client.post(
            "/tickets/report", json={"title": "Printer", "description": "It smokes."}, headers=ann
        )
        assert answer.status_code == 201
        ticket = answer.json()
        assert (ticket["title"], ticket["status"]) == ("Printer", "new")
        assert ticket["customer"]["telegram_user_id"] == 7001
        assert ("customer", NoticeKind.TICKET_CONFIRMED.value) in await outbox_kinds(
            desk, ticket["id"]
        )

    async def test_status_change(
        self, client: httpx.AsyncClient, ann: dict[str, str], agent: dict[str, str]
    ) -> None:
        number = await report(client, ann)
        answer = await client.put(
            f"/tickets/{number}/status", json={"status": "resolved"}, headers=agent
        )
        assert answer.status_code == 200
        assert answer.json()["status"] == "resolved"

    async def test_a_move_the_lifecycle_refuses_is_409_with_the_domains_sentence(
        self, client: httpx.AsyncClient, ann: dict[str, str]
    ) -> None:
        number = await report(client, ann)
        answer = await client.put(
            f"/tickets/{number}/status", json={"status": "resolved"}, headers=ann
        )
        assert answer.status_code == 409
        assert answer.json()["error"]["code"] == "transition_refused"
        assert "cannot go from new to resolved" in answer.json()["error"]["message"]

    async def test_agent_reply_is_queued_for_the_customer_and_the_topic(
        self, client: httpx.AsyncClient, ann: dict[str, str], agent: dict[str, str], desk: Desk
    ) -> None:
        number = await report(client, ann)
        answer = await client.post(
            f"/tickets/{number}/messages", json={"content": "On it."}, headers=agent
        )
        assert answer.status_code == 201
        message = answer.json()
        assert (message["content"], message["author_role"]) == ("On it.", "agent")
        copies = [a for a, k in await outbox_kinds(desk, number) if k == "message_copy"]
        assert copies == ["ticket_topic", "customer", "ticket_topic"]

    async def test_customer_writes_on_their_ticket(
        self, client: httpx.AsyncClient, ann: dict[str, str]
    ) -> None:
        number = await report(client, ann)
        answer = await client.post(
            f"/tickets/{number}/messages", json={"content": "Still smoking."}, headers=ann
        )
        assert answer.status_code == 201
        assert answer.json()["author_role"] == "customer"

    async def test_an_agent_cannot_report_for_themselves(
        self, client: httpx.AsyncClient, agent: dict[str, str]
    ) -> None:
        answer = await client.post(
            "/tickets/report", json={"title": "x", "description": "y"}, headers=agent
        )
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "permission_denied"


class TestHelpdeskManagementSystem:
    async def test_agent_reports_an_issue_for_a_known_customer(
        self, client: httpx.AsyncClient, ann: dict[str, str], agent: dict[str, str], desk: Desk
    ) -> None:
        for username in ("@ann", "7001"):
            answer = await client.post(
                "/tickets/report-issue",
                json={"username": username, "issue": "VPN drops\nevery hour"},
                headers=agent,
            )
            assert answer.status_code == 201, answer.text
            ticket = answer.json()
            assert (ticket["title"], ticket["customer"]["telegram_user_id"]) == ("VPN drops", 7001)
            assert ("customer", "ticket_confirmed") in await outbox_kinds(desk, ticket["id"])

    async def test_an_unknown_customer_is_404(
        self, client: httpx.AsyncClient, agent: dict[str, str]
    ) -> None:
        answer = await client.post(
            "/tickets/report-issue", json={"username": "@ghost", "issue": "x"}, headers=agent
        )
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "customer_not_found"

    @pytest.mark.parametrize("reference", ["²", "-²", "١٢", "9" * 30, "-" + "9" * 30])
    async def test_digits_no_id_has_are_a_customer_not_found(
        self, client: httpx.AsyncClient, agent: dict[str, str], reference: str
    ) -> None:
        answer = await client.post(
            "/tickets/report-issue", json={"username": reference, "issue": "x"}, headers=agent
        )
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "customer_not_found")

    async def test_view_tickets_with_and_without_status(
        self,
        client: httpx.AsyncClient,
        ann: dict[str, str],
        bob: dict[str, str],
        agent: dict[str, str],
    ) -> None:
        first = await report(client, ann, "One")
        second = await report(client, bob, "Two")
        await client.put(
            "/tickets/modify-ticket-status",
            json={"ticket_id": first, "new_status": "pending"},
            headers=agent,
        )
        everything = await client.get("/tickets/view-tickets", headers=agent)
        assert everything.status_code == 200
        assert [t["id"] for t in everything.json()] == [second, first]  # newest first
        pending = await client.get("/tickets/view-tickets?status=pending", headers=agent)
        assert [t["id"] for t in pending.json()] == [first]
        mine = await client.get("/tickets/view-tickets", headers=bob)
        assert [t["id"] for t in mine.json()] == [second]

    async def test_modify_ticket_status(
        self, client: httpx.AsyncClient, ann: dict[str, str], agent: dict[str, str]
    ) -> None:
        number = await report(client, ann)
        answer = await client.put(
            "/tickets/modify-ticket-status",
            json={"ticket_id": number, "new_status": "open"},
            headers=agent,
        )
        assert answer.status_code == 200
        assert answer.json()["status"] == "open"

    async def test_a_bad_status_is_422_in_the_one_shape(
        self, client: httpx.AsyncClient, agent: dict[str, str]
    ) -> None:
        answer = await client.put(
            "/tickets/modify-ticket-status",
            json={"ticket_id": 1, "new_status": "solved"},
            headers=agent,
        )
        assert answer.status_code == 422
        assert answer.json()["error"]["code"] == "invalid_request"
        assert "new_status" in answer.json()["error"]["message"]
