"""Serve an ASGI application with uvicorn inside a running event loop, on a socket we bind.

Binding the socket ourselves gives a free port on request (port 0), the same port again on a
restart (``SO_REUSEADDR``) and a plain ``OSError`` when the port is taken. Uvicorn's own
signal handling stays off: whoever owns the process decides when to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

SHUTDOWN_GRACE_SECONDS = 1
"""How long requests still running at shutdown may take before they are cancelled."""


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves the process's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class LocalServer:
    """One ASGI application listening on one address until :meth:`stop`."""

    def __init__(self, app: ASGIApp) -> None:
        """Prepare to serve ``app`` (nothing listens yet)."""
        self.app = app
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        """The port bound by :meth:`start`."""
        if self._port is None:
            raise RuntimeError("start() the server first")
        return self._port

    async def start(self, host: str, port: int) -> None:
        """Bind ``host:port`` and serve until :meth:`stop`.

        Raises:
            OSError: The address cannot be bound (e.g. the port is in use).
        """
        sock = bind_socket(host, port)
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            access_log=False,
            log_config=None,
            http="httptools",
            ws="none",
            timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        )
        server = _EmbeddedServer(config)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if task.done():
                sock.close()
                task.result()
                raise RuntimeError("the web server stopped while starting")
            await asyncio.sleep(0.01)
        self._server, self._task, self._port = server, task, int(sock.getsockname()[1])

    async def stop(self) -> None:
        """Stop listening; running requests get a short grace period."""
        if self._server is None or self._task is None:
            return
        server, task = self._server, self._task
        self._server = self._task = None
        server.should_exit = True
        await task


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket on ``host:port`` (port 0: a free one).

    Raises:
        OSError: The address cannot be bound.
    """
    # IPPROTO_TCP named, not left 0: asyncio turns Nagle's algorithm off (TCP_NODELAY) only
    # on connections whose socket says it is TCP. Without it, an answer written in two parts
    # (headers, then body) waits for the client's delayed ACK: 40 ms per keep-alive call.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(False)
    return sock
