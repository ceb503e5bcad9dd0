"""v1 agents: list, add and disable accounts (admins)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ActorDep, DeskDep
from api.routers.common import AUTHED, errors
from api.schemas import AgentOut, NewAgentRequest
from core.views import AgentView

router = APIRouter(prefix="/agents", tags=["agents"])


def _out(view: AgentView) -> AgentOut:
    return AgentOut(
        username=view.username,
        is_admin=view.is_admin,
        is_active=view.is_active,
        telegram_user_id=view.telegram_user_id,
        last_login_at=view.last_login_at,
        created_at=view.created_at,
    )


@router.get("", responses=errors(*AUTHED, 403))
async def list_agents(actor: ActorDep, desk: DeskDep) -> list[AgentOut]:
    """Every agent account, by username."""
    return [_out(agent) for agent in await desk.accounts.list_agents(by=actor)]


@router.post("", status_code=201, responses=errors(*AUTHED, 403))
async def add_agent(body: NewAgentRequest, actor: ActorDep, desk: DeskDep) -> AgentOut:
    """Create an agent account."""
    agent = await desk.accounts.add_agent(
        body.username, body.password, is_admin=body.is_admin, by=actor
    )
    return _out(agent)


@router.post("/{username}/disable", responses=errors(*AUTHED, 403, 404))
async def disable_agent(username: str, actor: ActorDep, desk: DeskDep) -> AgentOut:
    """Disable an account; its logins and tokens end."""
    return _out(await desk.accounts.set_active(username, active=False, by=actor))
