"""A route that reads its query parameters in one validation, for the busiest list.

FastAPI solves an endpoint's parameters one by one on every request, and for each query
parameter it first works out again what kind of field it is (a model? a list? which
alias?): on ``GET /api/v1/tickets``, with eight filters, that bookkeeping cost more than
reading the page itself. ``QueryRoute`` keeps the endpoint exactly as declared, so the
OpenAPI schema is FastAPI's own, but answers it with a handler built once: the query
parameters become one Pydantic model (the same types, defaults and limits) validated in
one call, and each dependency, which must need nothing but the request, is called
directly. A request without a query string takes the defaults, validated once when the app
is built (when every one is immutable). It serves only endpoints of that form and refuses
any other when the app is built, so no parameter can be skipped silently.

Example::

    router = APIRouter(route_class=QueryRoute)
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Hashable
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError, create_model
from starlette.requests import Request
from starlette.responses import Response

from api.route_parts import Handler, request_dependencies, served, solve


class QueryRoute(APIRoute):
    """An ``APIRoute`` for endpoints taking query parameters and request-only dependencies.

    The handler is served as it is: FastAPI would wrap it in two exit stacks, for
    dependencies that ``yield`` (refused here: each is an ``async def`` returning its value),
    and in the app's exception handlers, which the app's exception middleware applies the
    same way one layer out.

    Raises:
        TypeError: when the app is built, for an endpoint this route cannot serve exactly
            as FastAPI would (path, header, cookie or body parameters, nested dependencies).
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        super().__init__(path, endpoint, **options)
        self.app = served(self.get_route_handler())

    def get_route_handler(self) -> Handler:
        """The handler: read the dependencies and the query, call the endpoint."""
        dependant = self.dependant
        if dependant.path_params or dependant.header_params or dependant.cookie_params:
            raise TypeError(f"{self.path}: QueryRoute takes query parameters only")
        if dependant.body_params:
            raise TypeError(f"{self.path}: QueryRoute takes no request body")
        if not inspect.iscoroutinefunction(self.endpoint):
            raise TypeError(f"{self.path}: a QueryRoute endpoint is an async def")
        if any(field.alias != field.name for field in dependant.query_params):
            raise TypeError(f"{self.path}: QueryRoute takes no aliased query parameters")
        dependencies = request_dependencies(self, "QueryRoute")
        query = create_model(  # type: ignore[call-overload]
            f"{self.name}_query",
            **{
                field.name: (field.field_info.annotation, field.field_info)
                for field in dependant.query_params
            },
        )
        lists = {
            field.alias: field.name
            for field in dependant.query_params
            if _is_list(field.field_info.annotation)
        }
        singles = {
            field.alias: field.name for field in dependant.query_params if field.alias not in lists
        }
        endpoint = self.endpoint
        request_name = dependant.request_param_name
        defaults = _defaults(query, (*singles.values(), *lists.values()))

        async def handler(request: Request) -> Response:
            values = await solve(request, dependencies)
            if defaults is not None and not request.scope["query_string"]:
                values.update(defaults)
            else:
                values.update(_query(request, query, singles, lists))
            if request_name is not None:
                values[request_name] = request
            response = await endpoint(**values)
            if not isinstance(response, Response):
                raise TypeError(f"{self.path}: a QueryRoute endpoint returns a Response")
            return response

        return handler


def _query(
    request: Request, model: type[BaseModel], singles: dict[str, str], lists: dict[str, str]
) -> dict[str, Any]:
    received = request.query_params
    given: dict[str, Any] = {}
    for alias, name in singles.items():
        if alias in received:
            given[name] = received[alias]
    for alias, name in lists.items():
        if items := received.getlist(alias):
            given[name] = items
    try:
        checked = model.model_validate(given)
    except ValidationError as error:
        raise RequestValidationError(
            [{**problem, "loc": ("query", *problem["loc"])} for problem in error.errors()]
        ) from None
    return {name: getattr(checked, name) for name in (*singles.values(), *lists.values())}


def _defaults(model: type[BaseModel], names: tuple[str, ...]) -> dict[str, Any] | None:
    """What an empty query validates to, or None if that is refused or holds mutable values.

    Shared by every request without a query string: only immutable values can be.
    """
    try:
        checked = model.model_validate({})
    except ValidationError:
        return None  # a required parameter: each such request is refused by _query
    values = {name: getattr(checked, name) for name in names}
    if not all(isinstance(value, Hashable) for value in values.values()):
        return None
    return values


def _is_list(annotation: Any) -> bool:
    """Tell whether a query parameter takes several values (``list[X]``, ``list[X] | None``)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_list(arg) for arg in typing.get_args(annotation) if arg is not type(None))
    return typing.get_origin(annotation) in (list, tuple, set, frozenset)
