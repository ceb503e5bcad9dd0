"""Build the HTTP API: routers, the error mapping, and the middleware around them.

Example::

    app = create_app(desk, load_api_settings())
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from api.errors import install_error_handlers
from api.middleware import RequestGate
from api.routers import agents, customers, legacy, stats, tickets, users
from api.settings import ApiSettings
from core.desk import Desk

V1 = "/api/v1"


def create_app(desk: Desk, settings: ApiSettings) -> FastAPI:
    """Make the ASGI app over a desk that is already open (the caller closes it)."""
    app = FastAPI(
        title="Helpdesk API",
        version="1",
        description=(
            "The desk over HTTP: the original ticket systems' endpoints and the v1 API. "
            "Log in at POST /users/login and send the token as `Authorization: Bearer ...`."
        ),
    )
    app.state.desk = desk
    app.state.settings = settings
    install_error_handlers(app)
    add_routes(app, users.router)
    add_routes(app, legacy.router)
    for router in (tickets.listing, tickets.router, customers.router, agents.router, stats.router):
        add_routes(app, router, prefix=V1)
    app.add_middleware(RequestGate)
    return app


def add_routes(app: FastAPI, router: APIRouter, prefix: str = "") -> None:
    """Add a router's routes to the app itself, each as declared, under ``prefix``.

    ``app.include_router`` keeps the router as one route of the app, matched by running
    through its routes (twice: to match, then to answer) with a context of its own set
    and reset around each; a route of the app is one path match. The OpenAPI schema is the
    same either way (``tests/api/test_openapi.py``).

    Raises:
        TypeError: the router holds something other than API routes (a mount, a websocket).
    """
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"{route!r}: only API routes are added to the app")
        app.router.add_api_route(
            prefix + route.path,
            route.endpoint,
            response_model=route.response_model,
            status_code=route.status_code,
            tags=route.tags,
            dependencies=route.dependencies,
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses=route.responses,
            deprecated=route.deprecated,
            methods=route.methods,
            operation_id=route.operation_id,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            include_in_schema=route.include_in_schema,
            response_class=route.response_class,
            name=route.name,
            route_class_override=type(route),
            callbacks=route.callbacks,
            openapi_extra=route.openapi_extra,
            generate_unique_id_function=route.generate_unique_id_function,
            strict_content_type=route.strict_content_type,
        )
