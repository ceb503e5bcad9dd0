"""One JSON shape for every error: ``{"error": {"code": ..., "message": ...}}``.

The domain's error tree (``core.errors``) maps to status codes here, once; routes never
catch domain errors themselves.
"""

from __future__ import annotations

import re
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
    return error_response(status, _code_of(exc), str(exc))


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):
        raise exc
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return error_response(422, "invalid_request", "; ".join(problems) or "Invalid request.")


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, HTTPException):
        raise exc
    code = HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    if exc.status_code == 404 and message == "Not Found":
        message = "There is nothing at this address."
    response = error_response(exc.status_code, code, message)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors, validation errors and HTTP errors to the one shape."""
    app.add_exception_handler(DeskError, _desk_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
