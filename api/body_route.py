"""A route for the busiest writes: a JSON body and path parameters read in one pass.

FastAPI answers every request of a route the same generic way: it works out again which
parameters the endpoint takes and of what kind, solves each dependency (a cache key, an
exit stack, a look for overrides), parses the ``Content-Type`` header with the ``email``
package and wraps the call in two exit stacks and an exception handler of its own. On
``POST /tickets/{id}/messages``, an agent's reply, that bookkeeping cost about 0.08 ms a
request, some 40% of all the HTTP work around the write (measured in process).
``BodyRoute`` keeps the endpoint as declared, so the OpenAPI schema is FastAPI's own, and
answers the common request (a body sent as ``application/json`` that validates, path
parameters that do) with a handler built once: the body parsed and validated by the
route's own body field, each path parameter by its own field, each dependency (which must
need nothing but the request) called directly, the endpoint's ``Response`` sent as it is.

Every other request (an empty body, another content type, malformed JSON, anything that
fails validation) goes to FastAPI's own handler for the route, the body handed over as
it was read, so errors are FastAPI's to the byte (and reported in the order it reports
them: a missing token before an invalid field). So does every request while the app
overrides dependencies. The route serves only endpoints of that form and refuses any
other when the app is built, so no parameter can be skipped silently.

Example::

    router.add_api_route(
        "/{ticket_id}/messages", post_message, methods=["POST"], route_class_override=BodyRoute
    )
"""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Callable
from typing import Any

from fastapi import params
from fastapi._compat import ModelField
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.route_parts import request_dependencies, solve

JSON = "application/json"
PATH_TYPES = (int, str)


class BodyRoute(APIRoute):
    """An ``APIRoute`` for endpoints taking one JSON body model, path parameters and
    request-only dependencies, and returning a ``Response``.

    Like ``QueryRoute``, the direct handler is served without FastAPI's exit stacks
    (dependencies cannot ``yield``) and its own exception wrapper (the app's exception
    middleware applies the same handlers one layer out).

    Raises:
        TypeError: when the app is built, for an endpoint this route cannot serve exactly
            as FastAPI would (query, header or cookie parameters, a path parameter other
            than ``int`` or ``str``, no body or a form, several body fields, nested
            dependencies, a plain ``def``, one not declared to return a ``Response``, a
            body size limit of the route's own).
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        super().__init__(path, endpoint, **options)
        self.app = self._direct(generic=self.app)

    def _checked_body(self) -> ModelField:
        """The body's field, once the endpoint is checked to be one this route serves."""
        dependant = self.dependant
        where = f"{self.path}: BodyRoute"
        if dependant.query_params or dependant.header_params or dependant.cookie_params:
            raise TypeError(f"{where} takes path parameters and a body only")
        if any(
            field.alias != field.name or field.field_info.annotation not in PATH_TYPES
            for field in dependant.path_params
        ):
            raise TypeError(f"{where} takes int or str path parameters, unaliased")
        body = self.body_field
        if (
            body is None
            or len(dependant.body_params) != 1
            or body is not dependant.body_params[0]  # FastAPI's own when not embedded
            or isinstance(body.field_info, params.Form)
        ):
            raise TypeError(f"{where} takes one JSON body model, not embedded")
        if not inspect.iscoroutinefunction(self.endpoint):
            raise TypeError(f"{where}: the endpoint is an async def")
        returned = typing.get_type_hints(self.endpoint).get("return")
        if not (isinstance(returned, type) and issubclass(returned, Response)):
            raise TypeError(f"{where}: the endpoint is declared to return a Response")
        if self.max_body_size is not None:
            raise TypeError(f"{where} takes no body size limit of its own")
        return body

    def _direct(self, generic: ASGIApp) -> ASGIApp:
        """The route's ASGI app: the direct handler, ``generic`` for everything else."""
        body = self._checked_body()
        where = f"{self.path}: BodyRoute"
        dependant = self.dependant
        dependencies = request_dependencies(self, "BodyRoute")
        endpoint = self.endpoint
        request_name = dependant.request_param_name
        overrides = self.dependency_overrides_provider
        fields = [(field.name, field, ("path", field.alias)) for field in dependant.path_params]
        body_name = body.name
        validate_body = body.validate

        def arguments(request: Request, raw: bytes) -> dict[str, Any] | None:
            """The body and path parameters, or None to leave the request to FastAPI."""
            if not raw or request.headers.get("content-type") != JSON:
                return None
            try:
                data = json.loads(raw)  # as FastAPI reads it: Starlette's Request.json()
            except Exception:  # FastAPI answers it: 422 (its 400s here too, api/errors.py)
                return None
            value, errors = validate_body(data, {}, loc=("body",))
            if errors:
                return None
            values = {body_name: value}
            given = request.path_params
            for name, field, loc in fields:
                value, errors = field.validate(given[name], {}, loc=loc)
                if errors:
                    return None
                values[name] = value
            return values

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            raw = await _body(receive)
            if raw is None:  # the client is gone: FastAPI reads that again, and answers it
                await generic(scope, _replay(None, receive), send)
                return
            request = Request(scope, receive, send)
            values = arguments(request, raw)
            if values is None or (overrides is not None and overrides.dependency_overrides):
                await generic(scope, _replay(raw, receive), send)
                return
            values.update(await solve(request, dependencies))
            if request_name is not None:
                values[request_name] = request
            response = await endpoint(**values)
            if not isinstance(response, Response):
                raise TypeError(f"{where}: the endpoint returns a Response")
            await response(scope, receive, send)

        return app


async def _body(receive: Receive) -> bytes | None:
    """The request's body, read as Starlette's ``Request.body()`` reads it; None if the
    client disconnected first (where Starlette raises ``ClientDisconnect``)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "http.request":
            chunk: bytes = message.get("body", b"")
            if not message.get("more_body", False):
                return b"".join((*chunks, chunk)) if chunks else chunk
            chunks.append(chunk)
        elif kind == "http.disconnect":
            return None


def _replay(body: bytes | None, receive: Receive) -> Receive:
    """The request's messages again: its body as read (None: the client is gone), then
    whatever comes next."""
    pending: list[Message] = [
        {"type": "http.disconnect"}
        if body is None
        else {"type": "http.request", "body": body, "more_body": False}
    ]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed
