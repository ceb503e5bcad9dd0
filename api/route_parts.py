"""What the desk's own route classes share: request-only dependencies, served directly.

``QueryRoute`` and ``BodyRoute`` answer their endpoints with a handler built once instead of
FastAPI's generic one. Both take dependencies of one kind only: an ``async def`` (or an
object whose ``__call__`` is one) that needs nothing but the request, does not ``yield``,
has no concurrency limit and is declared once, so it can be called directly, without a
solve, an exit stack, a semaphore or a cache key. The endpoint takes no parameter FastAPI
fills but the request (no ``Response``, ``BackgroundTasks``, ``SecurityScopes``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
Dependency = tuple[str, Callable[..., Any], str]
"""A dependency: the endpoint's parameter, what to call, the call's request parameter."""


def request_dependencies(route: APIRoute, kind: str) -> list[Dependency]:
    """The route's dependencies, each checked to need the request only.

    Args:
        route: the route whose endpoint declares them.
        kind: the route class's name, for the error.

    Raises:
        TypeError: a dependency needs more than the request, or is not an ``async def``.
    """
    if _special(route.dependant):
        raise TypeError(
            f"{route.path}: a {kind} endpoint takes no response, background tasks, "
            "security scopes or connection parameter"
        )
    dependencies: list[Dependency] = []
    for sub in route.dependant.dependencies:
        parameter = sub.request_param_name
        if sub.call is None or sub.name is None or parameter is None or not _request_only(sub):
            raise TypeError(f"{route.path}: a dependency of {kind} may take the request only")
        if not is_coroutine(sub.call) or sub.concurrency is not None:
            raise TypeError(f"{route.path}: a dependency of {kind} is an async def, unlimited")
        if any(call is sub.call for _, call, _ in dependencies):
            raise TypeError(f"{route.path}: a dependency of {kind} is declared once")
        dependencies.append((sub.name, sub.call, parameter))
    return dependencies


async def solve(request: Request, dependencies: list[Dependency]) -> dict[str, Any]:
    """Call each dependency with the request: the endpoint's arguments they give."""
    return {name: await call(**{parameter: request}) for name, call, parameter in dependencies}


def served(handler: Handler) -> ASGIApp:
    """The handler as an ASGI app: the request in, its response sent."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = await handler(Request(scope, receive, send))
        await response(scope, receive, send)

    return app


def is_coroutine(call: Callable[..., Any]) -> bool:
    """Tell whether calling ``call`` gives a coroutine (an ``async def``, or an object's)."""
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(
        getattr(call, "__call__", None)  # noqa: B004 - the method itself is what is checked
    )


def _request_only(dependant: Dependant) -> bool:
    return (
        not (
            dependant.dependencies
            or dependant.path_params
            or dependant.query_params
            or dependant.header_params
            or dependant.cookie_params
            or dependant.body_params
            or _special(dependant)
        )
        and dependant.request_param_name is not None
    )


def _special(dependant: Dependant) -> bool:
    """Tell whether a callable takes a parameter FastAPI fills besides the request."""
    return any(
        name is not None
        for name in (
            dependant.websocket_param_name,
            dependant.http_connection_param_name,
            dependant.response_param_name,
            dependant.background_tasks_param_name,
            dependant.security_scopes_param_name,
        )
    )
