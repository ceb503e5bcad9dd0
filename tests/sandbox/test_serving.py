"""The sandbox's web server answers keep-alive calls without Nagle's 40 ms wait."""

from __future__ import annotations

import asyncio
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.botapi.serving import LocalServer

CALLS = 20


async def _answer(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True, "result": "x" * 200})


async def _keep_alive_calls(port: int) -> float:
    """Make ``CALLS`` requests on one connection; return the seconds they took in all."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    started = time.monotonic()
    try:
        for _ in range(CALLS):
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
    finally:
        writer.close()
    return time.monotonic() - started


class TestLocalServer:
    async def test_keep_alive_answers_are_not_held_back_by_nagle(self) -> None:
        """Headers and body go out at once: 20 calls take far less than 20 delayed ACKs."""
        server = LocalServer(Starlette(routes=[Route("/", _answer)]))
        await server.start("127.0.0.1", 0)
        try:
            seconds = await _keep_alive_calls(server.port)
        finally:
            await server.stop()
        assert seconds < CALLS * 0.04 / 2, f"{CALLS} keep-alive calls took {seconds:.3f} s"
