"""The error answers of the fake Bot API.

Every refusal is an :class:`ApiError`, raised where the rule lives and turned into
``{"ok": false, "error_code": N, "description": "..."}`` with HTTP status ``N`` by the server.
The helpers name the Telegram error families so call sites read like the rule they enforce.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error answer.

    Attributes:
        status: HTTP status and ``error_code`` (400, 401, 403, 404, 409, 429, 5xx).
        description: The full description, prefix included (``"Bad Request: ..."``).
        retry_after: Seconds to wait, sent as ``parameters.retry_after`` (429 only).
    """

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def to_json(self) -> dict[str, Any]:
        """The answer body Telegram would send for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    """400 ``Bad Request: <reason>`` (python-telegram-bot raises ``BadRequest``)."""
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    """403 ``Forbidden: <reason>`` (python-telegram-bot raises ``Forbidden``)."""
    return ApiError(403, f"Forbidden: {reason}")


def too_many_requests(retry_after: int) -> ApiError:
    """429 with ``parameters.retry_after`` (python-telegram-bot raises ``RetryAfter``)."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def unauthorized() -> ApiError:
    """401 for a token the server does not know (``InvalidToken``)."""
    return ApiError(401, "Unauthorized")


def method_not_found() -> ApiError:
    """404 for an unknown method (``InvalidToken`` in python-telegram-bot, as with Telegram)."""
    return ApiError(404, "Not Found")


CONFLICT_DESCRIPTION = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


def updates_conflict() -> ApiError:
    """409 for a ``getUpdates`` ended by a newer one (``Conflict``)."""
    return ApiError(409, CONFLICT_DESCRIPTION)


DEFAULT_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request: injected fault",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: CONFLICT_DESCRIPTION,
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
"""Descriptions used for injected faults that do not bring their own."""
