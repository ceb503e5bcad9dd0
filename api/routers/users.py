"""Logging in and out: ``POST /users/login`` and ``POST /users/logout``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import DeskDep, SettingsDep, TokenDep
from api.routers.common import errors
from api.schemas import LoginRequest, TokenOut
from core.errors import CredentialsRejected

router = APIRouter(prefix="/users", tags=["users"])


@router.post("/login", response_model=TokenOut, responses=errors(401, 429))
async def login(
    body: LoginRequest, desk: DeskDep, settings: SettingsDep, response: Response
) -> TokenOut:
    """Log in with an agent's username and password, or with Telegram Mini App data."""
    response.headers["Cache-Control"] = "no-store"  # a token is never cached (RFC 6749 5.1)
    response.headers["Pragma"] = "no-cache"
    ttl = settings.api_token_ttl
    if body.telegram_init_data is not None:
        if settings.telegram_bot_token is None:
            raise CredentialsRejected("Telegram login is not set up on this desk.")
        issued = await desk.tokens.login_with_telegram(
            body.telegram_init_data,
            bot_token=settings.telegram_bot_token.get_secret_value(),
            max_age=settings.api_init_data_max_age,
            ttl=ttl,
        )
    else:
        issued = await desk.tokens.login_with_password(
            body.username or "", body.password or "", ttl
        )
    return TokenOut(access_token=issued.secret, expires_in=int(ttl.total_seconds()))


@router.post("/logout", status_code=204, response_class=Response, responses=errors(401))
async def logout(token: TokenDep, desk: DeskDep) -> Response:
    """Revoke the token this request carries."""
    await desk.tokens.actor_for(token)
    await desk.tokens.revoke(token)
    return Response(status_code=204)
