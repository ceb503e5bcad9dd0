"""Security: logins, tokens, other customers' tickets, hostile text, oversized bodies."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from core.clock import ManualClock
from core.desk import Desk
from core.services.telegram_login import sign_init_data
from tests.api.conftest import PASSWORD, init_data
from tests.api.test_original_endpoints import report


class TestPasswordLogin:
    async def test_login_answers_a_bearer_token(
        self, client: httpx.AsyncClient, desk: Desk
    ) -> None:
        await desk.accounts.add_agent("carol", PASSWORD)
        answer = await client.post("/users/login", json={"username": "carol", "password": PASSWORD})
        assert answer.status_code == 200
        body = answer.json()
        assert (body["token_type"], body["expires_in"]) == ("bearer", 12 * 3600)
        assert len(body["access_token"]) >= 43
        assert answer.headers["cache-control"] == "no-store"  # RFC 6749 5.1

    async def test_a_password_hash_is_refused_with_a_clear_422(
        self, client: httpx.AsyncClient
    ) -> None:
        answer = await client.post(
            "/users/login", json={"username": "carol", "password_hash": "$2b$12$abc"}
        )
        assert answer.status_code == 422
        assert "password hash is never accepted" in answer.json()["error"]["message"]

    async def test_wrong_password_is_401(self, client: httpx.AsyncClient, desk: Desk) -> None:
        await desk.accounts.add_agent("carol", PASSWORD)
        answer = await client.post("/users/login", json={"username": "carol", "password": "nope"})
        assert answer.status_code == 401
        assert answer.json()["error"] == {
            "code": "authentication_failed",
            "message": "Wrong username or password.",
        }

    async def test_brute_force_locks_the_account_in_telegram_too(
        self, client: httpx.AsyncClient, desk: Desk
    ) -> None:
        await desk.accounts.add_agent("carol", PASSWORD)
        statuses = [
            (
                await client.post("/users/login", json={"username": "carol", "password": "x"})
            ).status_code
            for _ in range(5)
        ]
        assert statuses == [401, 401, 401, 401, 429]
        good = await client.post("/users/login", json={"username": "carol", "password": PASSWORD})
        assert good.status_code == 429
        assert good.headers["retry-after"] == "Mon, 02 Nov 2026 09:15:00 GMT"
        with pytest.raises(Exception, match="Too many failed logins"):
            await desk.accounts.login("carol", PASSWORD, 5555)


class TestTelegramLogin:
    async def test_forged_data_is_401(self, client: httpx.AsyncClient, clock: ManualClock) -> None:
        forged = init_data(clock, 7001).replace("Ann", "Eve")
        answer = await client.post("/users/login", json={"telegram_init_data": forged})
        assert answer.status_code == 401
        assert "not signed by this bot" in answer.json()["error"]["message"]

    async def test_data_signed_by_another_bot_is_401(
        self, client: httpx.AsyncClient, clock: ManualClock
    ) -> None:
        fields = {"auth_date": str(int(clock.now().timestamp())), "user": json.dumps({"id": 1})}
        other = sign_init_data(fields, "999:another-bot")
        answer = await client.post("/users/login", json={"telegram_init_data": other})
        assert answer.status_code == 401

    async def test_stale_data_is_401(self, client: httpx.AsyncClient, clock: ManualClock) -> None:
        data = init_data(clock, 7001)
        clock.advance(timedelta(hours=1, seconds=1))
        answer = await client.post("/users/login", json={"telegram_init_data": data})
        assert answer.status_code == 401
        assert "expired" in answer.json()["error"]["message"]

    async def test_replayed_data_is_401(
        self, client: httpx.AsyncClient, clock: ManualClock
    ) -> None:
        data = init_data(clock, 7001)
        first = await client.post("/users/login", json={"telegram_init_data": data})
        assert first.status_code == 200
        again = await client.post("/users/login", json={"telegram_init_data": data})
        assert again.status_code == 401
        assert "used before" in again.json()["error"]["message"]


class TestTokens:
    async def test_no_token_is_401_with_a_bearer_challenge(self, client: httpx.AsyncClient) -> None:
        answer = await client.get("/api/v1/tickets")
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"
        assert answer.json()["error"]["code"] == "credentials_rejected"

    async def test_a_malformed_authorization_is_401_and_the_scheme_is_any_case(
        self, client: httpx.AsyncClient, agent: dict[str, str]
    ) -> None:
        token = agent["Authorization"].removeprefix("Bearer ")
        for header in ("", "Bearer", "Bearer ", f"Basic {token}", token, f" {token}", "Bearer x"):
            answer = await client.get("/api/v1/tickets", headers={"Authorization": header})
            assert answer.status_code == 401, header
            assert answer.json()["error"]["code"] == "credentials_rejected"
        for header in (f"bearer {token}", f"BEARER  {token} "):
            answer = await client.get("/api/v1/tickets", headers={"Authorization": header})
            assert answer.status_code == 200, header

    async def test_expired_token_is_401(
        self, client: httpx.AsyncClient, agent: dict[str, str], clock: ManualClock
    ) -> None:
        clock.advance(timedelta(hours=12))
        answer = await client.get("/api/v1/tickets", headers=agent)
        assert answer.status_code == 401
        assert "expired" in answer.json()["error"]["message"]

    async def test_logout_revokes_the_token(
        self, client: httpx.AsyncClient, agent: dict[str, str]
    ) -> None:
        assert (await client.post("/users/logout", headers=agent)).status_code == 204
        assert (await client.get("/api/v1/tickets", headers=agent)).status_code == 401

    async def test_a_new_password_revokes_the_agents_tokens(
        self, client: httpx.AsyncClient, agent: dict[str, str], desk: Desk
    ) -> None:
        await desk.accounts.reset_password("alice", "another-long-secret")
        answer = await client.get("/api/v1/tickets", headers=agent)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "credentials_rejected"

    async def test_disabling_the_agent_revokes_their_tokens(
        self, client: httpx.AsyncClient, agent: dict[str, str], desk: Desk
    ) -> None:
        await desk.accounts.set_active("alice", active=False)
        await desk.accounts.set_active("alice", active=True)
        assert (await client.get("/api/v1/tickets", headers=agent)).status_code == 401


ID_ENDPOINTS = [
    ("PUT", "/tickets/{id}/status", {"status": "closed"}, 404),
    ("POST", "/tickets/{id}/messages", {"content": "hi"}, 404),
    ("PUT", "/tickets/modify-ticket-status", {"ticket_id": "{id}", "new_status": "closed"}, 404),
    ("GET", "/api/v1/tickets/{id}", None, 404),
    ("PUT", "/api/v1/tickets/{id}/status", {"status": "closed"}, 404),
    ("PUT", "/api/v1/tickets/{id}/priority", {"priority": "high"}, 403),
    ("PUT", "/api/v1/tickets/{id}/assignee", {"username": None}, 403),
    ("PUT", "/api/v1/tickets/{id}/category", {"category": None}, 403),
    ("POST", "/api/v1/tickets/{id}/messages", {"content": "hi"}, 404),
    ("POST", "/api/v1/tickets/{id}/messages", {"content": "hi", "internal": True}, 403),
    ("PUT", "/api/v1/tickets/{id}/rating", {"rating": 5}, 404),
]


class TestOtherCustomersTickets:
    @pytest.mark.parametrize(("method", "path", "body", "expected"), ID_ENDPOINTS)
    async def test_another_customers_ticket_answers_like_a_missing_one(
        self,
        client: httpx.AsyncClient,
        ann: dict[str, str],
        bob: dict[str, str],
        method: str,
        path: str,
        body: dict[str, object] | None,
        expected: int,
    ) -> None:
        """404 for what customers may do; 403 before any lookup for what only agents do."""
        number = await report(client, ann)
        answers = []
        for target in (number, 999_999):
            payload = json.loads(json.dumps(body).replace('"{id}"', str(target))) if body else None
            answers.append(
                await client.request(
                    method, path.replace("{id}", str(target)), json=payload, headers=bob
                )
            )
        assert [a.status_code for a in answers] == [expected, expected]
        if expected == 404:
            assert answers[0].json()["error"]["message"] == f"Ticket #{number} was not found."
        else:
            assert answers[0].json() == answers[1].json()

    @pytest.mark.parametrize("status", ["new", "pending", "resolved", "closed"])
    async def test_the_answers_are_the_same_to_the_byte(
        self,
        client: httpx.AsyncClient,
        ann: dict[str, str],
        bob: dict[str, str],
        agent: dict[str, str],
        status: str,
    ) -> None:
        """Asked about number N before Ann's ticket N exists, and after, in any state."""
        number = await report(client, ann) + 1

        async def answers() -> list[tuple[int, list[tuple[str, str]], bytes]]:
            got = []
            for method, path, body, _ in ID_ENDPOINTS:
                payload = json.loads(json.dumps(body).replace('"{id}"', str(number)))
                answer = await client.request(
                    method, path.replace("{id}", str(number)), json=payload, headers=bob
                )
                got.append((answer.status_code, sorted(answer.headers.items()), answer.content))
            return got

        missing = await answers()
        assert await report(client, ann) == number
        if status != "new":
            moved = await client.put(
                f"/tickets/{number}/status", json={"status": status}, headers=agent
            )
            assert moved.status_code == 200, moved.text
        assert await answers() == missing


HOSTILE = [
    "'; DROP TABLE tickets; --",
    "<b>bold</b> & <script>x</script>",
    "%_\\' OR 1=1",
    "🔥 Drucker 👩🏽‍💻 brennt ☃",
]


class TestHostileText:
    @pytest.mark.parametrize("text", HOSTILE)
    async def test_special_characters_are_stored_and_returned_as_written(
        self, client: httpx.AsyncClient, ann: dict[str, str], agent: dict[str, str], text: str
    ) -> None:
        answer = await client.post(
            "/tickets/report", json={"title": text, "description": text}, headers=ann
        )
        assert answer.status_code == 201
        number = answer.json()["id"]
        assert answer.json()["title"] == " ".join(text.split())
        detail = (await client.get(f"/api/v1/tickets/{number}", headers=agent)).json()
        assert detail["messages"][0]["content"] == text

    @pytest.mark.parametrize("text", HOSTILE)
    async def test_special_characters_in_filters_find_nothing_and_break_nothing(
        self, client: httpx.AsyncClient, ann: dict[str, str], agent: dict[str, str], text: str
    ) -> None:
        await report(client, ann)
        for params in ({"category": text}, {"assignee": "none", "category": text}):
            answer = await client.get("/api/v1/tickets", params=params, headers=agent)
            assert answer.status_code == 200
            assert answer.json()["items"] == []
        for params in ({"assignee": text}, {"cursor": text}):
            answer = await client.get("/api/v1/tickets", params=params, headers=agent)
            assert answer.status_code in (404, 422)
            assert "error" in answer.json()
        answer = await client.get("/tickets/view-tickets", params={"status": text}, headers=agent)
        assert answer.status_code == 422


class TestLimits:
    async def test_a_2_mb_body_is_413(self, client: httpx.AsyncClient, ann: dict[str, str]) -> None:
        body = json.dumps({"title": "x", "description": "y" * 2_000_000})
        answer = await client.post(
            "/tickets/report",
            content=body,
            headers={**ann, "Content-Type": "application/json"},
        )
        assert answer.status_code == 413
        assert answer.json()["error"]["code"] == "payload_too_large"
        assert answer.content.startswith(b'{"error":{"code":"payload_too_large","message":')

    async def test_a_2_mb_body_without_a_length_is_413(
        self, client: httpx.AsyncClient, ann: dict[str, str]
    ) -> None:
        async def chunks():  # type: ignore[no-untyped-def]
            yield b'{"title": "x", "description": "'
            for _ in range(20):
                yield b"y" * 100_000
            yield b'"}'

        answer = await client.post(
            "/tickets/report", content=chunks(), headers={**ann, "Content-Type": "application/json"}
        )
        assert answer.status_code == 413

    async def test_a_text_over_the_bots_limit_is_422(
        self, client: httpx.AsyncClient, ann: dict[str, str]
    ) -> None:
        answer = await client.post(
            "/tickets/report", json={"title": "x", "description": "y" * 65_537}, headers=ann
        )
        assert answer.status_code == 422

    async def test_unknown_paths_are_404_in_the_one_shape(self, client: httpx.AsyncClient) -> None:
        answer = await client.get("/nowhere")
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "not_found"
