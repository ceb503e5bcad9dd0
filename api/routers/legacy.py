"""The original ticket systems' endpoints, exactly as their specs list them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.body_route import BodyRoute
from api.cursors import cursor_of, position_of
from api.deps import ActorDep, DeskDep, desk_of
from api.json_bodies import JsonBody, message_json, summary_page_json
from api.routers.common import AUTHED, TicketId, errors, subject_from, text_message
from api.schemas import (
    ContentRequest,
    MessageOut,
    ModifyStatusRequest,
    ReportIssueRequest,
    ReportRequest,
    StatusRequest,
    TicketOut,
)
from core.domain.values import Status
from core.services.queries import TicketFilter

router = APIRouter(prefix="/tickets", tags=["original endpoints"])


@router.post("/report", status_code=201, responses=errors(*AUTHED, 403))
async def report(body: ReportRequest, actor: ActorDep, desk: DeskDep) -> TicketOut:
    """Report a ticket (customers)."""
    ticket = await desk.tickets.report_ticket(actor, body.title, text_message(body.description))
    return TicketOut.of(ticket)


@router.put("/modify-ticket-status", responses=errors(*AUTHED, 403, 404, 409))
async def modify_ticket_status(
    body: ModifyStatusRequest, actor: ActorDep, desk: DeskDep
) -> TicketOut:
    """Change a ticket's status, the ticket named in the body."""
    return TicketOut.of(await desk.tickets.change_status(actor, body.ticket_id, body.new_status))


@router.put("/{ticket_id}/status", responses=errors(*AUTHED, 403, 404, 409))
async def change_status(
    ticket_id: TicketId, body: StatusRequest, actor: ActorDep, desk: DeskDep
) -> TicketOut:
    """Change a ticket's status."""
    return TicketOut.of(await desk.tickets.change_status(actor, ticket_id, body.status))


async def post_message(
    ticket_id: TicketId, body: ContentRequest, actor: ActorDep, request: Request
) -> Response:
    """Write on a ticket: a customer's message, or an agent's public reply."""
    desk = desk_of(request)  # not DeskDep: the hottest write, one dependency less to call
    posted = await desk.messages.send_message(actor, ticket_id, text_message(body.content))
    return JsonBody(message_json(posted.messages[0]), status_code=201)


router.add_api_route(  # the decorator takes no route class: the hottest write, a BodyRoute
    "/{ticket_id}/messages",
    post_message,
    methods=["POST"],
    status_code=201,
    response_model=MessageOut,
    responses=errors(*AUTHED, 403, 404, 409),
    route_class_override=BodyRoute,
)


@router.post("/report-issue", status_code=201, responses=errors(*AUTHED, 403, 404))
async def report_issue(body: ReportIssueRequest, actor: ActorDep, desk: DeskDep) -> TicketOut:
    """Report an issue for a customer the desk knows (agents)."""
    subject = subject_from(body.issue, desk.config.subject_max_length)
    ticket = await desk.tickets.report_for_customer(
        actor, body.username, subject, text_message(body.issue)
    )
    return TicketOut.of(ticket)


NEXT_PAGE: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "X-Next-Cursor": {
                "description": "Past `limit` tickets: the `cursor` of the next page.",
                "schema": {"type": "string"},
            }
        }
    }
}


@router.get(
    "/view-tickets",
    response_model=list[TicketOut],
    responses={**NEXT_PAGE, **errors(*AUTHED, 403)},
)
async def view_tickets(
    *,
    actor: ActorDep,
    desk: DeskDep,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """List tickets with that status (all without it), most recent activity first.

    Past ``limit`` tickets, the ``X-Next-Cursor`` header holds the cursor of the next page.
    """
    where = TicketFilter(statuses=(status,) if status else ())
    position = position_of(cursor, where)
    page = await desk.queries.list_ticket_summaries(actor, where, cursor=position, limit=limit)
    next_cursor = cursor_of(page.next_cursor, where)
    headers = {"X-Next-Cursor": next_cursor} if next_cursor else None
    return JsonBody(summary_page_json(page, next_cursor)["items"], headers=headers)
