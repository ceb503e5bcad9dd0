"""The aiohttp application: Bot API routes, file downloads and request decoding.

Routes:

* ``/bot<token>/<method>`` (GET or POST): a Bot API call.
* ``/file/bot<token>/<file_path>`` (GET): download a file found by ``getFile``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aiohttp import BodyPartReader, hdrs, web

from tests.fake_bot_api.dispatch import CallDispatcher
from tests.fake_bot_api.errors import bad_request, unauthorized
from tests.fake_bot_api.params import RequestParams, UploadedFile

MAX_REQUEST_BYTES = 60 * 1024 * 1024
"""Telegram accepts 50 MB uploads; leave room for the rest of the form."""


def build_app(
    dispatcher: CallDispatcher, extra_routes: Iterable[web.RouteDef] = ()
) -> web.Application:
    """The web application serving ``dispatcher`` (plus e.g. the control routes)."""

    async def handle_call(request: web.Request) -> web.Response:
        try:
            params = await read_params(request)
        except ValueError:
            error = bad_request("can't parse request body")
            return web.json_response(error.to_json(), status=error.status)
        status, body = await dispatcher.dispatch(
            request.match_info["token"], request.match_info["method"], params
        )
        return web.json_response(body, status=status, dumps=_dumps)

    async def handle_download(request: web.Request) -> web.Response:
        if request.match_info["token"] != dispatcher.token:
            error = unauthorized()
            return web.json_response(error.to_json(), status=error.status)
        stored = dispatcher.state.files.by_path(request.match_info["path"])
        if stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=stored.download(), content_type="application/octet-stream")

    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app.add_routes(
        [
            web.route("*", "/bot{token}/{method}", handle_call),
            web.get("/file/bot{token}/{path:.+}", handle_download),
            *extra_routes,
        ]
    )
    return app


async def read_params(request: web.Request) -> RequestParams:
    """Decode query string plus form, multipart or JSON body into :class:`RequestParams`.

    Raises:
        ValueError: The body is not valid for its content type.
    """
    values: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return RequestParams(values)
    if request.content_type == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError("a JSON body must be an object")
        values.update(body)
    elif request.content_type == "multipart/form-data":
        values.update(await _read_multipart(request))
    else:
        form = await request.post()
        values.update({name: str(value) for name, value in form.items()})
    return RequestParams(values)


async def _read_multipart(request: web.Request) -> dict[str, Any]:
    values: dict[str, Any] = {}
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        if part.filename is None:
            values[part.name] = await part.text()
        else:
            content_type = part.headers.get(hdrs.CONTENT_TYPE, "application/octet-stream")
            content = bytes(await part.read())
            values[part.name] = UploadedFile(part.filename, content_type, content)
    return values


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
