"""v1: tickets, customers, agents and stats, each endpoint over HTTP."""

from __future__ import annotations

import base64

import httpx
import pytest

from api.cursors import cursor_of
from core.desk import Desk
from core.services.queries import TicketFilter
from tests.api.conftest import PASSWORD
from tests.api.test_original_endpoints import report


class TestTickets:
    async def test_list_filters_and_pages_with_an_opaque_cursor(
        self,
        client: httpx.AsyncClient,
        ann: dict[str, str],
        bob: dict[str, str],
        agent: dict[str, str],
    ) -> None:
        numbers = [await report(client, ann, f"T{i}") for i in range(3)]
        other = await report(client, bob, "Bob's")
        first = await client.get("/api/v1/tickets", params={"limit": 2}, headers=agent)
        assert first.status_code == 200
        assert [t["id"] for t in first.json()["items"]] == [other, numbers[2]]
        cursor = first.json()["next_cursor"]
        rest = await client.get(
            "/api/v1/tickets", params={"limit": 2, "cursor": cursor}, headers=agent
        )
        assert [t["id"] for t in rest.json()["items"]] == [numbers[1], numbers[0]]
        assert rest.json()["next_cursor"] is None
        by_customer = await client.get(
            "/api/v1/tickets", params={"customer": 7002, "status": ["new"]}, headers=agent
        )
        assert [t["id"] for t in by_customer.json()["items"]] == [other]
        unassigned = await client.get(
            "/api/v1/tickets", params={"assignee": "none", "priority": "normal"}, headers=agent
        )
        assert len(unassigned.json()["items"]) == 4
        mine = await client.get("/api/v1/tickets", headers=bob)
        assert [t["id"] for t in mine.json()["items"]] == [other]

    async def test_create_read_change_and_write(
        self, client: httpx.AsyncClient, ann: dict[str, str], agent: dict[str, str]
    ) -> None:
        created = await client.post(
            "/api/v1/tickets",
            json={"title": "Invoice", "description": "Wrong amount", "category": "billing"},
            headers=ann,
        )
        assert created.status_code == 201
        number = created.json()["id"]
        assert created.json()["category"] == "Billing"
        for path, body, field, value in [
            ("priority", {"priority": "urgent"}, "priority", "urgent"),
            ("assignee", {"username": "alice"}, "assignee", "alice"),
            ("category", {"category": "Technical"}, "category", "Technical"),
            ("status", {"status": "resolved"}, "status", "resolved"),
        ]:
            answer = await client.put(f"/api/v1/tickets/{number}/{path}", json=body, headers=agent)
            assert answer.status_code == 200, answer.text
            assert answer.json()[field] == value
        note = await client.post(
            f"/api/v1/tickets/{number}/messages",
            json={"content": "customer is VIP", "internal": True},
            headers=agent,
        )
        assert note.status_code == 201
        rated = await client.put(
            f"/api/v1/tickets/{number}/rating", json={"rating": 5, "comment": "fast"}, headers=ann
        )
        assert (rated.status_code, rated.json()["rating"]) == (200, 5)
        staff_view = (await client.get(f"/api/v1/tickets/{number}", headers=agent)).json()
        customer_view = (await client.get(f"/api/v1/tickets/{number}", headers=ann)).json()
        assert [m["content"] for m in staff_view["messages"]] == [
            "Wrong amount",
            "customer is VIP",
        ]
        assert [m["content"] for m in customer_view["messages"]] == ["Wrong amount"]
        assert "rated" in [e["kind"] for e in staff_view["events"]]

    async def test_the_category_filter_takes_a_category_as_a_ticket_does(
        self, client: httpx.AsyncClient, ann: dict[str, str], agent: dict[str, str]
    ) -> None:
        created = await client.post(
            "/api/v1/tickets",
            json={"title": "Invoice", "description": "Wrong", "category": "billing"},
            headers=ann,
        )
        assert created.json()["category"] == "Billing"
        for given in ("billing", " BILLING ", "Billing"):
            answer = await client.get("/api/v1/tickets", params={"category": given}, headers=agent)
            assert [t["id"] for t in answer.json()["items"]] == [created.json()["id"]], given
        other = await client.get("/api/v1/tickets", params={"category": "bill"}, headers=agent)
        assert other.json()["items"] == []

    async def test_agent_creates_a_ticket_for_a_customer(
        self, client: httpx.AsyncClient, ann: dict[str, str], agent: dict[str, str]
    ) -> None:
        answer = await client.post(
            "/api/v1/tickets",
            json={"title": "Phone", "description": "Called in", "customer": "@ann"},
            headers=agent,
        )
        assert answer.status_code == 201
        assert answer.json()["customer"]["telegram_user_id"] == 7001

    async def test_a_customer_cannot_write_an_internal_note(
        self, client: httpx.AsyncClient, ann: dict[str, str]
    ) -> None:
        number = await report(client, ann)
        answer = await client.post(
            f"/api/v1/tickets/{number}/messages",
            json={"content": "x", "internal": True},
            headers=ann,
        )
        assert answer.status_code == 403

    async def test_a_customer_cannot_tell_agents_names_by_the_assignee_filter(
        self, client: httpx.AsyncClient, ann: dict[str, str], agent: dict[str, str]
    ) -> None:
        await report(client, ann)
        known = await client.get("/api/v1/tickets?assignee=alice", headers=ann)
        unknown = await client.get("/api/v1/tickets?assignee=zed", headers=ann)
        assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
        assert known.json()["items"] == []
        for_agents = await client.get("/api/v1/tickets?assignee=zed", headers=agent)
        assert for_agents.status_code == 404  # an agent is told the name is wrong


class TestCursors:
    async def test_a_cursor_is_opaque_and_pages_every_list(
        self, client: httpx.AsyncClient, ann: dict[str, str], agent: dict[str, str]
    ) -> None:
        numbers = [await report(client, ann, f"T{i}") for i in range(5)]
        for path, key in (
            ("/api/v1/tickets", "json"),
            ("/api/v1/customers/7001/tickets", "json"),
            ("/tickets/view-tickets", "header"),
        ):
            seen: list[int] = []
            cursors: list[str] = []
            params: dict[str, str | int] = {"limit": 2}
            while True:
                answer = await client.get(path, params=params, headers=agent)
                assert answer.status_code == 200, (path, answer.text)
                body = answer.json()
                items = body["items"] if key == "json" else body
                seen += [t["id"] for t in items]
                cursor = (
                    body["next_cursor"] if key == "json" else answer.headers.get("x-next-cursor")
                )
                if cursor is None:
                    break
                cursors.append(cursor)
                params = {"limit": 2, "cursor": cursor}
            assert seen == numbers[::-1], path
            assert all("." not in cursor and len(cursor) <= 64 for cursor in cursors), cursors

    async def test_a_cursor_from_a_list_with_other_filters_is_refused(
        self, client: httpx.AsyncClient, ann: dict[str, str], agent: dict[str, str]
    ) -> None:
        for i in range(3):
            await report(client, ann, f"T{i}")
        first = await client.get(
            "/api/v1/tickets", params={"limit": 1, "status": "new"}, headers=agent
        )
        cursor = first.json()["next_cursor"]
        for params in (
            {"cursor": cursor},
            {"cursor": cursor, "status": "open"},
            {"cursor": cursor, "status": "new", "priority": "high"},
        ):
            answer = await client.get("/api/v1/tickets", params=params, headers=agent)
            assert answer.status_code == 422, params
            assert answer.json()["error"]["message"].startswith(
                "That cursor belongs to a list with other filters"
            )
        answer = await client.get(
            "/api/v1/tickets", params={"cursor": cursor, "status": "new"}, headers=agent
        )
        assert answer.status_code == 200
        other = await client.get(
            "/api/v1/customers/7001/tickets", params={"cursor": cursor}, headers=agent
        )
        assert other.status_code == 422

    @pytest.mark.parametrize(
        "cursor",
        [
            "garbage",
            "1.1",
            "-1.-1",
            "%%%",
            "AAAA",
            "===",
            base64.urlsafe_b64encode(b"\xff" * 20).decode(),
            cursor_of("1.99999999999999999999", TicketFilter()),  # a forged, huge number
            cursor_of("999999999999999999.1", TicketFilter()),  # past the year 9999
            cursor_of("-1.1", TicketFilter()),
            cursor_of(" 1.1", TicketFilter()),
            cursor_of("1_0.1", TicketFilter()),
        ],
    )
    async def test_a_tampered_or_garbage_cursor_is_a_422(
        self, client: httpx.AsyncClient, agent: dict[str, str], cursor: str | None
    ) -> None:
        """The forged huge number was a 500: no database could bind it."""
        answer = await client.get("/api/v1/tickets", params={"cursor": cursor}, headers=agent)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["message"] == (
            "That page link is no longer valid; open the list again."
        )


class TestCustomers:
    async def test_a_customers_tickets(
        self,
        client: httpx.AsyncClient,
        ann: dict[str, str],
        bob: dict[str, str],
        agent: dict[str, str],
    ) -> None:
        number = await report(client, ann)
        answer = await client.get("/api/v1/customers/7001/tickets", headers=agent)
        assert [t["id"] for t in answer.json()["items"]] == [number]
        nosy = await client.get("/api/v1/customers/7001/tickets", headers=bob)
        assert (nosy.status_code, nosy.json()["items"]) == (200, [])


class TestAgents:
    async def test_admin_lists_adds_and_disables(
        self, client: httpx.AsyncClient, agent: dict[str, str]
    ) -> None:
        added = await client.post(
            "/api/v1/agents", json={"username": "dave", "password": PASSWORD}, headers=agent
        )
        assert (added.status_code, added.json()["is_active"]) == (201, True)
        assert "password_hash" not in added.json()
        listed = await client.get("/api/v1/agents", headers=agent)
        assert [a["username"] for a in listed.json()] == ["alice", "dave"]
        disabled = await client.post("/api/v1/agents/dave/disable", headers=agent)
        assert (disabled.status_code, disabled.json()["is_active"]) == (200, False)

    async def test_a_password_hash_is_refused_with_a_clear_422(
        self, client: httpx.AsyncClient, agent: dict[str, str]
    ) -> None:
        answer = await client.post(
            "/api/v1/agents",
            json={"username": "dave", "password_hash": "$2b$12$abc"},
            headers=agent,
        )
        assert answer.status_code == 422
        assert answer.json()["error"]["message"].startswith(
            "send the password itself in 'password'; the desk hashes it"
        )

    async def test_a_plain_agent_may_not(
        self, client: httpx.AsyncClient, desk: Desk, agent: dict[str, str]
    ) -> None:
        await desk.accounts.add_agent("erin", PASSWORD)
        login = await client.post("/users/login", json={"username": "erin", "password": PASSWORD})
        erin = {"Authorization": f"Bearer {login.json()['access_token']}"}
        assert (await client.get("/api/v1/agents", headers=erin)).status_code == 403
        answer = await client.post("/api/v1/agents/alice/disable", headers=erin)
        assert answer.status_code == 403


class TestStats:
    async def test_figures_for_agents_only(
        self, client: httpx.AsyncClient, ann: dict[str, str], agent: dict[str, str]
    ) -> None:
        await report(client, ann)
        answer = await client.get("/api/v1/stats", params={"period": "today"}, headers=agent)
        assert answer.status_code == 200
        assert answer.json()["by_status"]["new"] == 1
        assert answer.json()["opened"] == 1
        assert (await client.get("/api/v1/stats", headers=ann)).status_code == 403
