"""Benchmark 6: the HTTP API against a bare FastAPI endpoint, same server, same client, same run.

The desk's API runs as ``helpdesk run`` starts it (``python -m bot.api_process``: uvicorn with
httptools, one process, its request log at the default level) over the largest database of
the scale benchmark (1M tickets; 100k in a quick run), seeded the same way when it is not
there. The floor is a bare FastAPI app served by the same uvicorn configuration whose two
routes return the very JSON the desk answered, without a database, a token or a log.

Two requests are timed: ``GET /api/v1/tickets`` (an agent's first page of 20) and
``POST /tickets/{id}/messages`` (an agent's public reply, rotating over open tickets: a
committed transaction with its outbox rows). The client is a small HTTP/1.1 client on raw
asyncio sockets parsed by httptools, ``CONNECTIONS`` keep-alive connections each sending its
next request when the last is answered; its own CPU use is reported beside the server's, so a
reader can see which of the two was the bottleneck. The servers take turns in short rounds,
so a busier moment of the machine slows both alike.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httptools
import httpx
import psutil
from pydantic import BaseModel

from bench.scale import seed_size
from bench.stats import median, percentile
from core.desk import Desk

CONNECTIONS = 4
AGENT = "agent1"  # an agent the seed makes
REPLY = "Thanks, we are looking into it & will answer <soon>."
TARGETS = 200  # open tickets the replies rotate over


# --- the load client -----------------------------------------------------------------


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection sending one request at a time."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._answer: asyncio.Future[int] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport to write requests on."""
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        """Feed the response parser."""
        self._parser.feed_data(data)

    def on_message_complete(self) -> None:
        """A whole response arrived: hand its status to the waiting request."""
        if self._answer is not None and not self._answer.done():
            self._answer.set_result(self._parser.get_status_code())

    def connection_lost(self, exc: Exception | None) -> None:
        """Fail the request in flight, if any."""
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(ConnectionError(f"the server closed the connection: {exc}"))

    async def send(self, raw: bytes) -> int:
        """Send one request; return the response's status once it is complete."""
        assert self._transport is not None
        self._answer = asyncio.get_running_loop().create_future()
        self._transport.write(raw)
        return await self._answer

    def close(self) -> None:
        """Close the connection."""
        if self._transport is not None:
            self._transport.close()


@dataclass
class Load:
    """What one timed round measured."""

    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu_seconds: float = 0.0
    server_cpu_seconds: float = 0.0
    unexpected: dict[int, int] = field(default_factory=dict)


async def _drive(
    port: int, requests: list[bytes], expected: int, seconds: float, server: psutil.Process
) -> Load:
    """Send requests (cycling) over ``CONNECTIONS`` connections for ``seconds``; time each."""
    loop = asyncio.get_running_loop()
    connections = [
        (await loop.create_connection(_Connection, "127.0.0.1", port))[1]
        for _ in range(CONNECTIONS)
    ]
    load = Load()
    deadline = 0.0

    async def one(index: int, connection: _Connection) -> None:
        n = index
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status = await connection.send(requests[n % len(requests)])
            load.latencies_ms.append((time.perf_counter() - started) * 1000)
            if status != expected:
                load.unexpected[status] = load.unexpected.get(status, 0) + 1
            n += CONNECTIONS

    try:
        server_cpu, client_cpu = _cpu(server), time.process_time()
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(one(i, c) for i, c in enumerate(connections)))
        load.seconds = time.perf_counter() - started
        load.client_cpu_seconds = time.process_time() - client_cpu
        load.server_cpu_seconds = _cpu(server) - server_cpu
    finally:
        for connection in connections:
            connection.close()
    return load


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _get(path: str, token: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n"
    ).encode()


def _post(path: str, token: str, body: dict[str, Any]) -> bytes:
    payload = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


class Content(BaseModel):
    """The bare app's request body: what ``POST /tickets/{id}/messages`` takes."""

    content: str


# --- the servers -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _ready(port: int, path: str) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(300):
            with contextlib.suppress(httpx.TransportError):
                await client.get(path)
                return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"nothing answered on port {port}")


async def _start(command: list[str], env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(*command, env=env, stdout=out, stderr=out)


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()


def bare_app(answers: dict[str, Any]) -> Any:
    """The floor: FastAPI routes returning the desk's answers, with nothing behind them."""
    from fastapi import FastAPI  # noqa: PLC0415 - only the bare server process needs it

    app = FastAPI()

    @app.get("/api/v1/tickets")
    async def tickets() -> Any:
        return answers["list"]

    @app.post("/tickets/{ticket_id}/messages", status_code=201)
    async def message(ticket_id: int, body: Content) -> Any:  # noqa: ARG001 - parsed, as the desk does
        return answers["post"]

    return app


def serve_bare(port: int, answers_file: Path) -> None:
    """Serve the bare app the way ``helpdesk api`` serves the desk's."""
    import uvicorn  # noqa: PLC0415

    answers = json.loads(answers_file.read_text())
    uvicorn.run(
        bare_app(answers),
        host="127.0.0.1",
        port=port,
        access_log=False,
        log_config=None,
        http="httptools",
        loop="asyncio",  # as helpdesk api runs: its own asyncio loop, uvloop or not installed
        lifespan="off",
    )


# --- the benchmark ---------------------------------------------------------------------


async def _database(workdir: Path, size: int) -> Path:
    path = workdir / f"scale_{size}.db"
    if not path.exists():
        await seed_size(workdir, size)
    return path


async def _token(url: str) -> str:
    desk = await Desk.open(url, migrate=False)
    try:
        issued = await desk.tokens.create_integration(f"bench-{time.time_ns()}", AGENT)
    finally:
        await desk.close()
    return issued.secret


def _open_tickets(path: Path) -> list[int]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        rows = connection.execute(
            "SELECT id FROM tickets WHERE status = 'open' ORDER BY id DESC LIMIT ?", (TARGETS,)
        ).fetchall()
    return [int(row[0]) for row in rows]


def _summary(loads: list[Load]) -> dict[str, Any]:
    latencies = [ms for load in loads for ms in load.latencies_ms]
    seconds = sum(load.seconds for load in loads)
    unexpected: dict[str, int] = {}
    for load in loads:
        for status, count in load.unexpected.items():
            unexpected[str(status)] = unexpected.get(str(status), 0) + count
    return {
        "requests": len(latencies),
        "rate": len(latencies) / seconds,
        "p50_ms": median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "server_cpu": sum(load.server_cpu_seconds for load in loads) / seconds,
        "client_cpu": sum(load.client_cpu_seconds for load in loads) / seconds,
        "unexpected_statuses": unexpected,
    }


async def run(workdir: Path, *, quick: bool) -> dict[str, Any]:
    """Time both requests on the desk's API and on the bare app, in alternating rounds."""
    size = 100_000 if quick else 1_000_000
    rounds, seconds = (2, 2.0) if quick else (3, 5.0)
    path = await _database(workdir, size)
    url = f"sqlite+aiosqlite:///{path}"
    token = await _token(url)
    targets = _open_tickets(path)
    requests = {
        "list": ([_get("/api/v1/tickets", token)], 200),
        "post": (
            [_post(f"/tickets/{n}/messages", token, {"content": REPLY}) for n in targets],
            201,
        ),
    }
    env = {**os.environ, "DATABASE_URL": url, "API_HOST": "127.0.0.1"}
    desk_port, bare_port = _free_port(), _free_port()
    desk = await _start(
        [sys.executable, "-m", "bot.api_process", "--parent", str(os.getpid())],
        {**env, "API_PORT": str(desk_port)},
        workdir / "api.log",
    )
    bare: asyncio.subprocess.Process | None = None
    try:
        await _ready(desk_port, "/openapi.json")
        answers_file = workdir / "api_answers.json"
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{desk_port}") as client:
            headers = {"Authorization": f"Bearer {token}"}
            listed = await client.get("/api/v1/tickets", headers=headers)
            posted = await client.post(
                f"/tickets/{targets[0]}/messages", json={"content": REPLY}, headers=headers
            )
        if (listed.status_code, posted.status_code) != (200, 201):
            raise RuntimeError(f"the API refused the benchmark: {listed.text} {posted.text}")
        answers_file.write_text(json.dumps({"list": listed.json(), "post": posted.json()}))
        bare = await _start(
            [sys.executable, "-m", "bench.api", "--bare", str(bare_port), str(answers_file)],
            env,
            workdir / "api_bare.log",
        )
        await _ready(bare_port, "/api/v1/tickets")
        servers = {"desk": (desk_port, desk.pid), "bare": (bare_port, bare.pid)}
        loads: dict[tuple[str, str], list[Load]] = {}
        for name in ("list", "post"):  # one warm-up round each, not counted
            for port, pid in servers.values():
                await _drive(port, requests[name][0], requests[name][1], 0.5, psutil.Process(pid))
        for _ in range(rounds):
            for name, (raw, expected) in requests.items():
                for server, (port, pid) in servers.items():
                    load = await _drive(port, raw, expected, seconds, psutil.Process(pid))
                    loads.setdefault((name, server), []).append(load)
    finally:
        if bare is not None:
            await _stop(bare)
        await _stop(desk)
    result: dict[str, Any] = {"tickets": size, "connections": CONNECTIONS}
    for name in requests:
        desk_figures = _summary(loads[(name, "desk")])
        bare_figures = _summary(loads[(name, "bare")])
        result[name] = {
            "desk": desk_figures,
            "bare": bare_figures,
            "ratio": desk_figures["rate"] / bare_figures["rate"],
        }
    return result


def report_rows(result: dict[str, Any]) -> list[str]:
    """The benchmark's rows in the report's table (figure, desk, floor, ratio, target)."""
    rows = []
    for name, label in (("list", "GET /api/v1/tickets"), ("post", "POST /tickets/{id}/messages")):
        desk, bare = result[name]["desk"], result[name]["bare"]
        wrong = sum(desk["unexpected_statuses"].values())
        wrong += sum(bare["unexpected_statuses"].values())
        figure = f"{label}, {result['tickets']:,} tickets, {result['connections']} connections"
        desk_text = f"{desk['rate']:.0f} req/s, {desk['p50_ms']:.1f} / {desk['p99_ms']:.1f} ms"
        if wrong:
            desk_text += f", {wrong} unexpected answers"
        bare_text = f"{bare['rate']:.0f} req/s, {bare['p50_ms']:.1f} / {bare['p99_ms']:.1f} ms"
        rows.append(
            f"| 7. API {figure} (rate, p50 / p99) | {desk_text} | {bare_text} (bare FastAPI)"
            f" | {result[name]['ratio']:.2f} | ≥ 0.3, p99 < 50 ms |"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.api``: this benchmark alone, or (``--bare``) the floor's server."""
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__)
    parser.add_argument("--bare", nargs=2, metavar=("PORT", "ANSWERS"), help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="100k tickets, shorter rounds")
    parser.add_argument("--workdir", type=Path, help="where the databases are (or are made)")
    args = parser.parse_args(argv)
    if args.bare:
        serve_bare(int(args.bare[0]), Path(args.bare[1]))
        return 0
    workdir = args.workdir or Path.cwd()
    workdir.mkdir(parents=True, exist_ok=True)
    sys.stdout.write(json.dumps(asyncio.run(run(workdir, quick=args.quick)), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
