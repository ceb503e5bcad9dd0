"""What a demanding client tries: odd bodies, odd numbers, odd methods; each answered in the
one error shape, never with a crash."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from core.desk import Desk
from tests.api.test_original_endpoints import outbox_kinds, report

JSON = {"Content-Type": "application/json"}
LARGEST_ID = 2**63 - 1


@pytest.fixture(name="bare")
async def fixture_bare(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client that gets the app's answer to a bug (500) instead of the exception."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://desk.test") as client:
        yield client


def error_of(answer: httpx.Response, status: int) -> dict[str, str]:
    """The error of an answer, checked to have the status and the one shape."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    return dict(body["error"])


class TestBodies:
    async def test_a_body_not_sent_as_json_is_told_so(
        self, client: httpx.AsyncClient, ann: dict[str, str]
    ) -> None:
        number = await report(client, ann)
        raw = json.dumps({"title": "a", "description": "b"}).encode()
        for path, content in (
            ("/tickets/report", raw),
            (f"/tickets/{number}/messages", json.dumps({"content": "b"}).encode()),
        ):
            for headers in ({}, {"Content-Type": "text/plain"}, {"Content-Type": "text/json"}):
                answer = await client.post(path, content=content, headers={**ann, **headers})
                error = error_of(answer, 422)
                assert error["message"] == (
                    "Send the body as JSON, with the header Content-Type: application/json."
                ), (path, headers)

    async def test_json_with_a_charset_is_json(
        self, client: httpx.AsyncClient, ann: dict[str, str]
    ) -> None:
        number = await report(client, ann)
        headers = {**ann, "Content-Type": "application/json; charset=utf-8"}
        reported = await client.post(
            "/tickets/report", content=b'{"title": "a", "description": "b"}', headers=headers
        )
        assert reported.status_code == 201, reported.text
        posted = await client.post(
            f"/tickets/{number}/messages", content=b'{"content": "b"}', headers=headers
        )
        assert posted.status_code == 201, posted.text

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (b"{bad", "The body is not valid JSON (Expecting property name"),
            (b"", "The body is missing: send a JSON object."),
            (b"[1]", "The body must be a JSON object."),
            (b'"text"', "The body must be a JSON object."),
            (b'{"content": "\xff"}', "The body is not valid JSON: it is not text in UTF-8."),
            (b"[" * 100_000 + b"]" * 100_000, "The body cannot be read as JSON: it nests"),
            (b'{"content": ' + b"9" * 5000 + b"}", "The body cannot be read as JSON: it nests"),
        ],
    )
    async def test_a_malformed_body_is_a_clear_422(
        self, client: httpx.AsyncClient, ann: dict[str, str], content: bytes, message: str
    ) -> None:
        number = await report(client, ann)
        for path in ("/tickets/report", f"/tickets/{number}/messages", "/users/login"):
            answer = await client.post(path, content=content, headers={**ann, **JSON})
            assert error_of(answer, 422)["message"].startswith(message), path

    async def test_a_nul_character_is_refused_before_any_database_sees_it(
        self, client: httpx.AsyncClient, ann: dict[str, str], agent: dict[str, str]
    ) -> None:
        """PostgreSQL refuses NUL in text: each of these was a 500 there."""
        number = await report(client, ann)
        attempts = [
            ("POST", "/tickets/report", {"title": "a\x00", "description": "b"}, ann),
            ("POST", "/tickets/report", {"title": "a", "description": "b\x00"}, ann),
            ("POST", f"/tickets/{number}/messages", {"content": "b\x00"}, ann),
            ("POST", "/tickets/report-issue", {"username": "@ann\x00", "issue": "b"}, agent),
            ("POST", "/users/login", {"username": "alice\x00", "password": "b"}, {}),
            ("PUT", f"/api/v1/tickets/{number}/assignee", {"username": "al\x00"}, agent),
        ]
        for method, path, body, headers in attempts:
            answer = await client.request(method, path, json=body, headers=headers)
            assert "NUL character" in error_of(answer, 422)["message"], (path, body)
        for path, params in (
            ("/api/v1/tickets", {"category": "a\x00b"}),
            ("/api/v1/tickets", {"assignee": "a\x00b"}),
        ):
            answer = await client.get(path, params=params, headers=agent)
            assert "NUL character" in error_of(answer, 422)["message"], params
        answer = await client.post("/api/v1/agents/al%00ice/disable", headers=agent)
        assert "NUL character" in error_of(answer, 422)["message"]

    async def test_5000_characters_are_taken_and_70000_refused_as_the_bot_does(
        self, client: httpx.AsyncClient, ann: dict[str, str], agent: dict[str, str], desk: Desk
    ) -> None:
        """The desk's limit for a message is 65,536 characters; a text longer than one
        Telegram message goes out in parts, as any the bot relays."""
        long, too_long = "y" * 5_000, "y" * 70_000
        answer = await client.post(
            "/tickets/report", json={"title": "Long", "description": long}, headers=ann
        )
        assert answer.status_code == 201, answer.text
        number = answer.json()["id"]
        posted = await client.post(
            f"/tickets/{number}/messages", json={"content": long}, headers=agent
        )
        assert (posted.status_code, posted.json()["content"]) == (201, long)
        assert ("customer", "message_copy") in await outbox_kinds(desk, number)
        issue = await client.post(
            "/tickets/report-issue", json={"username": "@ann", "issue": long}, headers=agent
        )
        assert issue.status_code == 201, issue.text
        for method, path, body, headers in [
            ("POST", "/tickets/report", {"title": "x", "description": too_long}, ann),
            ("POST", f"/tickets/{number}/messages", {"content": too_long}, agent),
            ("POST", f"/api/v1/tickets/{number}/messages", {"content": too_long}, agent),
            ("POST", "/tickets/report-issue", {"username": "@ann", "issue": too_long}, agent),
            ("POST", "/api/v1/tickets", {"title": "x", "description": too_long}, ann),
        ]:
            answer = await client.request(method, path, json=body, headers=headers)
            assert "at most 65536 characters" in error_of(answer, 422)["message"], path


class TestNumbers:
    @pytest.mark.parametrize("number", [LARGEST_ID + 1, 10**30, 0, -1])
    async def test_a_ticket_number_no_database_holds_is_a_422(
        self, bare: httpx.AsyncClient, agent: dict[str, str], number: int
    ) -> None:
        """Each of the large ones was a 500 (the database driver could not bind it)."""
        for method, path, body in [
            ("GET", f"/api/v1/tickets/{number}", None),
            ("PUT", f"/tickets/{number}/status", {"status": "closed"}),
            ("POST", f"/tickets/{number}/messages", {"content": "x"}),
            ("POST", f"/api/v1/tickets/{number}/messages", {"content": "x"}),
            ("PUT", f"/api/v1/tickets/{number}/rating", {"rating": 5}),
            ("PUT", "/tickets/modify-ticket-status", {"ticket_id": number, "new_status": "open"}),
            ("GET", f"/api/v1/customers/{number}/tickets", None),
            ("GET", f"/api/v1/tickets?customer={number}", None),
        ]:
            answer = await bare.request(method, path, json=body, headers=agent)
            error = error_of(answer, 422)
            assert error["code"] == "invalid_request", (path, error)

    async def test_the_largest_number_is_just_missing(
        self, client: httpx.AsyncClient, agent: dict[str, str]
    ) -> None:
        answer = await client.get(f"/api/v1/tickets/{LARGEST_ID}", headers=agent)
        assert error_of(answer, 404)["message"] == f"Ticket #{LARGEST_ID} was not found."

    async def test_updated_since_without_a_time_zone_or_past_utc_is_a_422(
        self, bare: httpx.AsyncClient, agent: dict[str, str]
    ) -> None:
        """Both were 500s: a time without a zone cannot be compared with the desk's, nor
        one that has no UTC time."""
        answer = await bare.get(
            "/api/v1/tickets", params={"updated_since": "2026-11-01T00:00:00"}, headers=agent
        )
        assert "timezone" in error_of(answer, 422)["message"]
        for far in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
            answer = await bare.get("/api/v1/tickets", params={"updated_since": far}, headers=agent)
            assert "out of range once in UTC" in error_of(answer, 422)["message"], far
        answer = await bare.get(
            "/api/v1/tickets", params={"updated_since": "2026-11-01T00:00:00+01:00"}, headers=agent
        )
        assert answer.status_code == 200


class TestMethods:
    async def test_head_answers_as_get_without_a_body(
        self, client: httpx.AsyncClient, ann: dict[str, str], agent: dict[str, str]
    ) -> None:
        number = await report(client, ann)
        for path in ("/api/v1/tickets", f"/api/v1/tickets/{number}", "/openapi.json", "/docs"):
            got = await client.get(path, headers=agent)
            head = await client.head(path, headers=agent)
            assert (head.status_code, head.content) == (200, b""), path
            assert head.headers["content-length"] == got.headers["content-length"], path
            assert head.headers["content-type"] == got.headers["content-type"], path
        refused = await client.head("/api/v1/tickets")
        assert (refused.status_code, refused.content) == (401, b"")

    async def test_a_wrong_method_is_405_naming_the_right_ones(
        self, client: httpx.AsyncClient, agent: dict[str, str]
    ) -> None:
        answer = await client.delete("/api/v1/tickets/1", headers=agent)
        error = error_of(answer, 405)
        assert answer.headers["allow"] == "GET, HEAD"
        assert error == {
            "code": "method_not_allowed",
            "message": "DELETE is not allowed here; use GET or HEAD.",
        }
        answer = await client.get("/tickets/report", headers=agent)
        assert error_of(answer, 405)["message"] == "GET is not allowed here; use POST."
        assert answer.headers["allow"] == "POST"

    async def test_options_is_405_and_no_cors_header_is_ever_sent(
        self, client: httpx.AsyncClient, agent: dict[str, str]
    ) -> None:
        preflight = {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"}
        answer = await client.options("/api/v1/tickets", headers=preflight)
        error_of(answer, 405)
        simple = await client.get(
            "/api/v1/tickets", headers={**agent, "Origin": "https://elsewhere.example"}
        )
        assert simple.status_code == 200
        for response in (answer, simple):
            assert not [h for h in response.headers if h.startswith("access-control-")]


class TestBugs:
    async def test_a_bug_answers_500_in_the_one_shape_without_its_details(
        self, app: FastAPI, bare: httpx.AsyncClient
    ) -> None:
        async def broken() -> None:
            raise RuntimeError("secret detail of the bug")

        app.router.add_api_route("/broken", broken)
        answer = await bare.get("/broken")
        error = error_of(answer, 500)
        assert error["code"] == "internal_error"
        assert "secret detail" not in answer.text
