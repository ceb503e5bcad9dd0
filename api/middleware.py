"""The one ASGI layer around the app: a cap on request bodies, HEAD answered as GET, an
address holding a NUL character refused, and a request log line.

One layer rather than several: each layer wraps every response message in a function of its
own and adds a call to every request, and all need the same view of the response's start.

Example::

    app.add_middleware(RequestGate)
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("api.requests")

MAX_BODY_BYTES = 1024 * 1024
_LINE = "%s %s %s %.1fms"
_LOGGED_AS_IS = "/:@!$&'()*+,;=-._~"
"""What a logged path keeps as it is; anything else is percent-encoded (a newline too)."""


class RequestGate:
    """Refuse bodies over a limit with 413, answer HEAD, and log one line per request.

    The line holds the method, the path (never the query string; percent-encoded, so a
    path cannot forge a line), the status and the milliseconds taken: never a token or a
    body. A body over the limit is refused by its declared length, or while it streams in.
    HEAD is answered as GET would be, without the body (RFC 9110: wherever GET is). A path
    or query string holding a NUL character is refused with 422: no value the desk stores
    may hold one (PostgreSQL refuses it), so no route takes one.

    Args:
        app: the app behind the gate.
        limit: the largest body accepted, in bytes.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit
        self._refusal = _error_json(
            "payload_too_large", f"The request body is over {limit // 1024} KB."
        )

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
        head = scope["method"] == "HEAD"

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
                        await self._refuse(send, 413, self._refusal, head=head)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal answering, status
            if refused:
                return
            if message["type"] == "http.response.start":
                answering = True
                status = message["status"]
            elif head and message.get("body"):
                message = {**message, "body": b""}
            await send(message)

        try:
            declared = b"0"
            for name, value in scope["headers"]:
                if name == b"content-length":
                    declared = value  # the last one, as a dict of the headers would keep
            if declared.isdigit() and int(declared) > limit:
                status = 413
                await self._refuse(send, 413, self._refusal, head=head)
            elif "\x00" in scope["path"] or b"%00" in scope["query_string"]:
                status = 422
                await self._refuse(send, 422, _NUL_REFUSAL, head=head)
            else:
                inner = {**scope, "method": "GET"} if head else scope
                await self.app(inner, counting_receive, tracking_send)
        finally:
            self._log(scope, status, (time.perf_counter() - started) * 1000)

    @staticmethod
    async def _refuse(send: Send, status: int, body: bytes, *, head: bool) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b"" if head else body})

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
                    (scope["method"], quote(scope["path"], safe=_LOGGED_AS_IS), status, elapsed),
                    None,
                    "RequestGate",
                )
            )


def _error_json(code: str, message: str) -> bytes:
    """The one error shape, written as the app's own error answers are (compact UTF-8)."""
    body = {"error": {"code": code, "message": message}}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


_NUL_REFUSAL = _error_json(
    "invalid_request", "The address holds a NUL character (%00), which no value here may hold."
)
