"""One log line per request: method, path, status, milliseconds; never a token or a body."""

from __future__ import annotations

import json
import logging
import re

import httpx
import pytest

LINE = re.compile(r"^(GET|POST|HEAD) (/\S*) (\d{3}) \d+\.\dms$")


def _lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str, str]]:
    found = []
    for record in caplog.records:
        if record.name == "api.requests":
            assert record.levelno == logging.INFO
            match = LINE.match(record.getMessage())
            assert match, record.getMessage()
            found.append((match[1], match[2], match[3]))
    return found


class TestRequestLog:
    async def test_each_request_is_one_line_without_its_token_query_or_body(
        self,
        client: httpx.AsyncClient,
        agent: dict[str, str],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.INFO, logger="api.requests")
        caplog.clear()
        await client.get("/api/v1/tickets", params={"category": "secret-query"}, headers=agent)
        await client.get("/api/v1/tickets")
        await client.post("/api/v1/tickets", json={"title": "secret-body"}, headers=agent)
        await client.get("/nowhere")
        assert _lines(caplog) == [
            ("GET", "/api/v1/tickets", "200"),
            ("GET", "/api/v1/tickets", "401"),
            ("POST", "/api/v1/tickets", "422"),
            ("GET", "/nowhere", "404"),
        ]
        token = agent["Authorization"].removeprefix("Bearer ")
        text = caplog.text
        for secret in (token, "secret-query", "secret-body"):
            assert secret not in text

    async def test_a_refused_body_is_logged_as_413(
        self,
        client: httpx.AsyncClient,
        ann: dict[str, str],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.INFO, logger="api.requests")
        caplog.clear()

        async def chunks():  # type: ignore[no-untyped-def]
            yield b'{"title": "x", "description": "'
            for _ in range(20):
                yield b"y" * 100_000
            yield b'"}'

        headers = {**ann, "Content-Type": "application/json"}
        body = json.dumps({"title": "x", "description": "y" * 2_000_000})
        declared = await client.post("/tickets/report", content=body, headers=headers)
        streamed = await client.post("/tickets/report", content=chunks(), headers=headers)
        assert (declared.status_code, streamed.status_code) == (413, 413)
        assert _lines(caplog) == [
            ("POST", "/tickets/report", "413"),
            ("POST", "/tickets/report", "413"),
        ]

    async def test_a_path_cannot_forge_a_line_and_head_is_logged_as_head(
        self,
        client: httpx.AsyncClient,
        agent: dict[str, str],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.INFO, logger="api.requests")
        caplog.clear()
        await client.get("/nowhere%0AGET%20/api/v1/agents%20200%200.1ms")
        await client.get("/tickets/caf%C3%A9 x")
        await client.head("/api/v1/tickets", headers=agent)
        await client.get("/api/v1/tickets", params={"category": "a\x00"}, headers=agent)
        assert _lines(caplog) == [
            ("GET", "/nowhere%0AGET%20/api/v1/agents%20200%200.1ms", "404"),
            ("GET", "/tickets/caf%C3%A9%20x", "404"),
            ("HEAD", "/api/v1/tickets", "200"),
            ("GET", "/api/v1/tickets", "422"),
        ]
