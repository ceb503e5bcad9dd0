"""The Starlette application: Bot API routes, file downloads and request decoding.

Routes:

* ``/bot<token>/<method>`` (GET or POST): a Bot API call.
* ``/file/bot<token>/<file_path>`` (GET): download a file found by ``getFile``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from python_multipart.exceptions import MultipartParseError
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.botapi.dispatch import CallDispatcher
from sandbox.botapi.errors import bad_request, unauthorized
from sandbox.botapi.params import RequestParams, UploadedFile

MAX_REQUEST_BYTES = 60 * 1024 * 1024
"""Telegram accepts 50 MB uploads; leave room for the rest of the form."""
MAX_FORM_PARTS = 1000


def json_response(body: Any, status: int = 200) -> Response:
    """A JSON answer, with non-ASCII text kept as it is (like Telegram)."""
    return Response(
        json.dumps(body, ensure_ascii=False, default=repr),
        status_code=status,
        media_type="application/json",
    )


def build_app(dispatcher: CallDispatcher, extra_routes: Iterable[BaseRoute] = ()) -> Starlette:
    """The web application serving ``dispatcher`` (plus e.g. the control routes)."""

    async def handle_call(request: Request) -> Response:
        try:
            params = await read_params(request)
        except (ValueError, MultipartParseError, ClientDisconnect):
            error = bad_request("can't parse request body")
            return json_response(error.to_json(), error.status)
        status, body = await dispatcher.dispatch(
            request.path_params["token"], request.path_params["method"], params
        )
        return json_response(body, status)

    async def handle_download(request: Request) -> Response:
        if request.path_params["token"] != dispatcher.token:
            error = unauthorized()
            return json_response(error.to_json(), error.status)
        stored = dispatcher.state.files.by_path(request.path_params["path"])
        if stored is None:
            return json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return Response(stored.download(), media_type="application/octet-stream")

    routes: list[BaseRoute] = [
        Route("/bot{token}/{method}", handle_call, methods=["GET", "POST"]),
        Route("/file/bot{token}/{path:path}", handle_download, methods=["GET"]),
        *extra_routes,
    ]
    return Starlette(routes=routes)


async def read_params(request: Request) -> RequestParams:
    """Decode query string plus form, multipart or JSON body into :class:`RequestParams`.

    Raises:
        ValueError: The body is not valid for its content type, or too large.
    """
    values: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    length = int(request.headers.get("content-length") or 0)
    if length > MAX_REQUEST_BYTES:
        raise ValueError("request too large")
    if content_type == "application/json":
        body = await request.body()
        if body:
            decoded = json.loads(body)
            if not isinstance(decoded, dict):
                raise ValueError("a JSON body must be an object")
            values.update(decoded)
    elif content_type in {"multipart/form-data", "application/x-www-form-urlencoded"}:
        async with request.form(
            max_files=MAX_FORM_PARTS, max_fields=MAX_FORM_PARTS, max_part_size=MAX_REQUEST_BYTES
        ) as form:
            for name, value in form.multi_items():
                values[name] = await _form_value(value)
    return RequestParams(values)


async def _form_value(value: str | UploadFile) -> str | UploadedFile:
    if isinstance(value, str):
        return value
    content_type = value.content_type or "application/octet-stream"
    return UploadedFile(value.filename or "file", content_type, await value.read())
