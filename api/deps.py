"""Dependencies every route shares: the desk, the settings, and who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from api.settings import ApiSettings
from core.desk import Desk
from core.domain.actors import Actor
from core.errors import CredentialsRejected

bearer = HTTPBearer(auto_error=False, description="A token from POST /users/login.")


class BearerActor(HTTPBearer):
    """The bearer scheme, resolved to who the token speaks for in one dependency.

    The same scheme as ``bearer`` in the OpenAPI schema; one dependency instead of a chain
    of three (scheme, token, actor), which FastAPI would solve one by one on every request.
    The header is read as ``HTTPBearer`` reads it, without its credentials model.
    """

    async def __call__(self, request: Request) -> Actor:  # type: ignore[override]
        """Who the request's bearer token speaks for.

        Raises:
            CredentialsRejected: no bearer token was sent, or an unknown, expired or revoked
                one.
        """
        scheme, secret = get_authorization_scheme_param(request.headers.get("Authorization"))
        if not secret or scheme.lower() != "bearer":
            raise CredentialsRejected("Send a token: Authorization: Bearer <token>.")
        desk: Desk = request.app.state.desk
        return await desk.tokens.actor_for(secret)


actor_of_bearer = BearerActor(
    auto_error=False, description=bearer.model.description, scheme_name=bearer.scheme_name
)


# Every dependency is ``async def``: FastAPI runs a plain ``def`` one in its thread pool, and
# on a busy machine each hand-off waits for the OS to schedule a thread.


async def get_desk(request: Request) -> Desk:
    """The desk the app was built with."""
    return desk_of(request)


def desk_of(request: Request) -> Desk:
    """The desk the app was built with, read from the request in the route itself.

    For the hottest routes: FastAPI's own handler solves each dependency on every request
    (its own parameters looked up, a cache key made), and even the desk's route classes
    (``QueryRoute``, ``BodyRoute``) await each one, where this is an attribute read. The
    route takes ``request: Request`` instead of ``DeskDep``.
    """
    desk: Desk = request.app.state.desk
    return desk


async def get_settings(request: Request) -> ApiSettings:
    """The settings the app was built with."""
    settings: ApiSettings = request.app.state.settings
    return settings


async def get_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The bearer token of the request.

    Raises:
        CredentialsRejected: no bearer token was sent.
    """
    if credentials is None or not credentials.credentials:
        raise CredentialsRejected("Send a token: Authorization: Bearer <token>.")
    return credentials.credentials


DeskDep = Annotated[Desk, Depends(get_desk)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
ActorDep = Annotated[Actor, Depends(actor_of_bearer)]
TokenDep = Annotated[str, Depends(get_token)]
