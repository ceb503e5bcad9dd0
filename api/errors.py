"""One JSON shape for every error: ``{"error": {"code": ..., "message": ...}}``.

The domain's error tree (``core.errors``) maps to status codes here, once; routes never
catch domain errors themselves.
"""

from __future__ import annotations

import re
from datetime import UTC
from email.utils import format_datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from core.errors import (
    AccountLocked,
    AuthenticationFailed,
    CredentialsRejected,
    DeskError,
    DuplicateMessage,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TicketClosed,
    TransitionRefused,
)

STATUS_OF: tuple[tuple[type[DeskError], int], ...] = (
    (NotFound, 404),
    (PermissionDenied, 403),
    (InvalidInput, 422),
    (TransitionRefused, 409),
    (TicketClosed, 409),
    (DuplicateMessage, 409),
    (AuthenticationFailed, 401),
    (CredentialsRejected, 401),
    (AccountLocked, 429),
)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "invalid_request",
    429: "too_many_requests",
    500: "internal_error",
}


def error_body(code: str, message: str) -> dict[str, Any]:
    """The one error shape."""
    return {"error": {"code": code, "message": message}}


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """An error response; 401s also say which scheme to use."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def _code_of(error: DeskError) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()


async def _desk_error(_request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, DeskError):
        raise exc
    status = next((code for kind, code in STATUS_OF if isinstance(exc, kind)), 400)
    response = error_response(status, _code_of(exc), str(exc))
    if isinstance(exc, AccountLocked):  # when to try again, as an HTTP date (RFC 9110)
        response.headers["Retry-After"] = format_datetime(exc.until.astimezone(UTC), usegmt=True)
    return response


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):
        raise exc
    problems = list(dict.fromkeys(_problem(error) for error in exc.errors()))
    return error_response(422, "invalid_request", "; ".join(problems) or "Invalid request.")


def _problem(error: Any) -> str:
    """One validation error as a phrase; the body as a whole in plain words."""
    loc = tuple(error.get("loc", ()))
    kind = error.get("type")
    if kind == "json_invalid":
        reason = str(error.get("ctx", {}).get("error", "malformed"))
        return f"The body is not valid JSON ({reason} at character {loc[-1]})."
    if loc == ("body",):
        given = error.get("input")
        if isinstance(given, bytes | bytearray):  # FastAPI did not read it: not sent as JSON
            return NOT_JSON
        if kind == "missing":
            return "The body is missing: send a JSON object."
        if kind in ("model_attributes_type", "dict_type", "model_type"):
            return "The body must be a JSON object."
    where = ".".join(str(part) for part in loc if part != "body")
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


NOT_JSON = "Send the body as JSON, with the header Content-Type: application/json."
UNREADABLE = "The body cannot be read as JSON: it nests too deep or holds too long a number."


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, HTTPException):
        raise exc
    status = exc.status_code
    message = exc.detail if isinstance(exc.detail, str) else ""
    headers = dict(exc.headers or {})
    if status == 400 and isinstance(exc.__cause__, ValueError | RecursionError):
        # FastAPI's answer to a body its JSON parser gave up on; a malformed body is a 422.
        status = 422
        message = UNREADABLE
        if isinstance(exc.__cause__, UnicodeDecodeError):
            message = "The body is not valid JSON: it is not text in UTF-8."
    elif status == 404 and message == "Not Found":
        message = "There is nothing at this address."
    elif status == 405:
        allowed = [m.strip() for m in headers.get("Allow", "").split(",") if m.strip()]
        if "GET" in allowed and "HEAD" not in allowed:
            allowed.append("HEAD")  # RequestGate answers HEAD wherever GET is answered
            headers["Allow"] = ", ".join(allowed)
        message = f"{request.method} is not allowed here" + (
            f"; use {' or '.join(allowed)}." if allowed else "."
        )
    code = HTTP_CODES.get(status, "error")
    response = error_response(status, code, message or code.replace("_", " ").capitalize() + ".")
    response.headers.update(headers)
    return response


async def _internal_error(_request: Request, _exc: Exception) -> JSONResponse:
    """A bug: the one shape, without a word of what went wrong (the server logs that)."""
    return error_response(
        500, "internal_error", "Something went wrong on the desk's side; it is in its log."
    )


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors, validation errors, HTTP errors and bugs to the one shape."""
    app.add_exception_handler(DeskError, _desk_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)
