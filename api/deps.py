"""Dependencies every route shares: the desk, the settings, and who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.settings import ApiSettings
from core.desk import Desk
from core.domain.actors import Actor
from core.errors import CredentialsRejected

bearer = HTTPBearer(auto_error=False, description="A token from POST /users/login.")


# Every dependency is ``async def``: FastAPI runs a plain ``def`` one in its thread pool, and
# on a busy machine each hand-off waits for the OS to schedule a thread.


async def get_desk(request: Request) -> Desk:
    """The desk the app was built with."""
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


async def get_actor(
    token: Annotated[str, Depends(get_token)], desk: Annotated[Desk, Depends(get_desk)]
) -> Actor:
    """Who the bearer token speaks for.

    Raises:
        CredentialsRejected: an unknown, expired or revoked token.
    """
    return await desk.tokens.actor_for(token)


DeskDep = Annotated[Desk, Depends(get_desk)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
ActorDep = Annotated[Actor, Depends(get_actor)]
TokenDep = Annotated[str, Depends(get_token)]
