"""v1 customers: a customer's tickets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.cursors import cursor_of, position_of
from api.deps import ActorDep, DeskDep
from api.json_bodies import JsonBody, summary_page_json
from api.routers.common import AUTHED, TelegramUserId, errors
from api.schemas import TicketPageOut
from core.services.queries import TicketFilter

router = APIRouter(prefix="/customers", tags=["customers"])


@router.get(
    "/{telegram_user_id}/tickets", response_model=TicketPageOut, responses=errors(*AUTHED, 403)
)
async def customer_tickets(
    telegram_user_id: TelegramUserId,
    actor: ActorDep,
    desk: DeskDep,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """A customer's tickets, most recent activity first (a customer sees only their own)."""
    where = TicketFilter(customer=telegram_user_id)
    position = position_of(cursor, where)
    page = await desk.queries.list_ticket_summaries(actor, where, cursor=position, limit=limit)
    return JsonBody(summary_page_json(page, cursor_of(page.next_cursor, where)))
