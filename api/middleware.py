"""The one ASGI layer around the app: a cap on request bodies, and a request log line.

One layer rather than two: each layer wraps every response message in a function of its
own and adds a call to every request, and both need the same view of the response's start.

Example::

    app.add_middleware(RequestGate)
"""

from __future__ import annotations

import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("api.requests")

MAX_BODY_BYTES = 1024 * 1024
_LINE = "%s %s %s %.1fms"


class RequestGate:
    """Refuse bodies over a limit with 413, and log one line per request.

    The line holds the method, the path (never the query string), the status and the
    milliseconds taken: never a token or a body. A body over the limit is refused by its
    declared length, or while it streams in.

    Args:
        app: the app behind the gate.
        limit: the largest body accepted, in bytes.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit
        self._refusal = json.dumps(
            {
                "error": {
                    "code": "payload_too_large",
                    "message": f"The request body is over {limit // 1024} KB.",
                }
            }
        ).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, count what arrives, time the request and log it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        limit = self.limit
        status = 500
        received = 0
        answering = refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused, status
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not refused:
                    # Answer now and tell the app the client is gone: it stops reading, and
                    # whatever it would answer is dropped.
                    refused = True
                    if not answering:
                        status = 413
                        await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal answering, status
            if refused:
                return
            if message["type"] == "http.response.start":
                answering = True
                status = message["status"]
            await send(message)

        try:
            declared = b"0"
            for name, value in scope["headers"]:
                if name == b"content-length":
                    declared = value  # the last one, as a dict of the headers would keep
            if declared.isdigit() and int(declared) > limit:
                status = 413
                await self._refuse(send)
            else:
                await self.app(scope, counting_receive, tracking_send)
        finally:
            self._log(scope, status, (time.perf_counter() - started) * 1000)

    async def _refuse(self, send: Send) -> None:
        body = self._refusal
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _log(scope: Scope, status: int, elapsed: float) -> None:
        """Log the line, formatted only if a handler writes it.

        The record is made directly: ``logger.info`` would first walk the stack to find
        the calling line, which no handler of this desk shows.
        """
        if logger.isEnabledFor(logging.INFO):
            logger.handle(
                logger.makeRecord(
                    logger.name,
                    logging.INFO,
                    __file__,
                    0,
                    _LINE,
                    (scope["method"], scope["path"], status, elapsed),
                    None,
                    "RequestGate",
                )
            )
