"""The bot's HTTP client tries again a connection that failed to open, and nothing else."""

from __future__ import annotations

import asyncio
import socket

from bot.app import bot_api_request

ANSWER = b'{"ok":true,"result":true}'


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(ANSWER)}"
    writer.write(head.encode() + b"\r\n\r\n" + ANSWER)
    await writer.drain()
    writer.close()


async def test_a_connection_refused_at_first_is_tried_again() -> None:
    port = _free_port()
    request = bot_api_request(2.0)
    await request.initialize()

    async def listen_soon() -> asyncio.Server:
        await asyncio.sleep(0.2)  # the first attempts find nothing listening
        return await asyncio.start_server(_answer, "127.0.0.1", port)

    late = asyncio.create_task(listen_soon())
    try:
        code, payload = await request.do_request(f"http://127.0.0.1:{port}/botX/getMe", "POST")
    finally:
        server = await late
        server.close()
        await request.shutdown()
    assert (code, payload) == (200, ANSWER)
