"""Build the HTTP API: routers, the error mapping, and the middleware around them.

Example::

    app = create_app(desk, load_api_settings())
"""

from __future__ import annotations

from fastapi import FastAPI

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
    app.include_router(users.router)
    app.include_router(legacy.router)
    # Each straight into the app: FastAPI matches a request through every level of included
    # routers, twice, so one level less is less work on every request.
    for router in (tickets.listing, tickets.router, customers.router, agents.router, stats.router):
        app.include_router(router, prefix=V1)
    app.add_middleware(RequestGate)
    return app
