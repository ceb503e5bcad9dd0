"""v1 tickets: list, create, read with history, change, write on, rate."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AfterValidator, AwareDatetime

from api.body_route import BodyRoute
from api.cursors import cursor_of, position_of
from api.deps import ActorDep, DeskDep
from api.json_bodies import JsonBody, message_json, summary_page_json
from api.query_route import QueryRoute
from api.routers.common import AUTHED, TicketId, errors, text_message
from api.schemas import (
    MAX_ID,
    AssigneeRequest,
    CategoryRequest,
    MessageOut,
    NewTicketRequest,
    PostMessageRequest,
    PriorityRequest,
    RatingRequest,
    StatusRequest,
    TicketDetailOut,
    TicketOut,
    TicketPageOut,
)
from core.desk import Desk
from core.domain.actors import Actor
from core.domain.values import Priority, Status
from core.errors import AgentNotFound
from core.services.queries import UNASSIGNED, TicketFilter

router = APIRouter(prefix="/tickets", tags=["tickets"])
listing = APIRouter(prefix="/tickets", tags=["tickets"], route_class=QueryRoute)
"""The list, the busiest request: its eight filters read in one validation (QueryRoute)."""
CHANGES = errors(*AUTHED, 403, 404, 409)


def _in_utc(value: datetime) -> datetime:
    """A time with a zone, in UTC; refused when UTC has no such time (year 1 at +14:00)."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range once in UTC") from None


UtcTime = Annotated[AwareDatetime, AfterValidator(_in_utc)]


NOBODYS = -1
"""An agent id no ticket has: a customer's filter by a name no agent has lists nothing."""


async def _assignee_id(desk: Desk, actor: Actor, username: str) -> int:
    """The agent's id; an unknown name is 404 for agents and an empty list for customers,
    who are not told which names agents have."""
    try:
        return (await desk.accounts.get_agent(username)).id
    except AgentNotFound:
        if actor.is_agent:
            raise
        return NOBODYS


@listing.get("", response_model=TicketPageOut, responses=errors(*AUTHED, 403, 404))
async def list_tickets(
    *,
    actor: ActorDep,
    desk: DeskDep,
    status: Annotated[list[Status] | None, Query()] = None,
    assignee: Annotated[
        str | None,
        Query(max_length=64, description="An agent's username, or 'none' for unassigned."),
    ] = None,
    priority: Priority | None = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    customer: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="The customer's Telegram user id.")
    ] = None,
    updated_since: Annotated[
        UtcTime | None,
        Query(description="ISO 8601 with a time zone, e.g. 2026-11-02T09:00:00Z."),
    ] = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """List tickets, most recent activity first, a page at a time (customers: their own)."""
    assignee_id = None
    if assignee is not None:
        if assignee.strip().lower() == "none":
            assignee_id = UNASSIGNED
        else:
            assignee_id = await _assignee_id(desk, actor, assignee.lstrip("@"))
    if category is not None:  # as a ticket takes it: a configured one, in any case
        wanted = category.strip().casefold()
        category = next((c for c in desk.config.categories if c.casefold() == wanted), category)
    where = TicketFilter(
        statuses=tuple(status or ()),
        assignee_id=assignee_id,
        priority=priority,
        category=category,
        customer=customer,
        updated_since=updated_since,
    )
    position = position_of(cursor, where)
    page = await desk.queries.list_ticket_summaries(actor, where, cursor=position, limit=limit)
    return JsonBody(summary_page_json(page, cursor_of(page.next_cursor, where)))


@router.post("", status_code=201, responses=errors(*AUTHED, 403, 404))
async def create_ticket(body: NewTicketRequest, actor: ActorDep, desk: DeskDep) -> TicketOut:
    """Report a ticket: a customer's own, or an agent's for the customer named."""
    message = text_message(body.description)
    if body.customer is not None:
        ticket = await desk.tickets.report_for_customer(
            actor, body.customer, body.title, message, category=body.category
        )
    else:
        ticket = await desk.tickets.report_ticket(
            actor, body.title, message, category=body.category
        )
    return TicketOut.of(ticket)


@router.get("/{ticket_id}", responses=errors(*AUTHED, 404))
async def get_ticket(ticket_id: TicketId, actor: ActorDep, desk: DeskDep) -> TicketDetailOut:
    """One ticket with its latest history (customers see no internal notes)."""
    return TicketDetailOut.of(await desk.queries.get_ticket(actor, ticket_id))


@router.put("/{ticket_id}/status", responses=CHANGES)
async def set_status(
    ticket_id: TicketId, body: StatusRequest, actor: ActorDep, desk: DeskDep
) -> TicketOut:
    """Move a ticket along its lifecycle."""
    return TicketOut.of(await desk.tickets.change_status(actor, ticket_id, body.status))


@router.put("/{ticket_id}/priority", responses=CHANGES)
async def set_priority(
    ticket_id: TicketId, body: PriorityRequest, actor: ActorDep, desk: DeskDep
) -> TicketOut:
    """Change a ticket's priority (agents)."""
    return TicketOut.of(await desk.tickets.set_priority(actor, ticket_id, body.priority))


@router.put("/{ticket_id}/assignee", responses=CHANGES)
async def set_assignee(
    ticket_id: TicketId, body: AssigneeRequest, actor: ActorDep, desk: DeskDep
) -> TicketOut:
    """Assign a ticket to an agent, or unassign it (agents)."""
    return TicketOut.of(await desk.tickets.assign(actor, ticket_id, body.username))


@router.put("/{ticket_id}/category", responses=CHANGES)
async def set_category(
    ticket_id: TicketId, body: CategoryRequest, actor: ActorDep, desk: DeskDep
) -> TicketOut:
    """Change a ticket's category (agents)."""
    return TicketOut.of(await desk.tickets.set_category(actor, ticket_id, body.category))


async def post_message(
    ticket_id: TicketId, body: PostMessageRequest, actor: ActorDep, desk: DeskDep
) -> Response:
    """Write on a ticket: a public reply, or (agents) an internal note."""
    posted = await desk.messages.send_message(
        actor, ticket_id, text_message(body.content), internal=body.internal
    )
    return JsonBody(message_json(posted.messages[0]), status_code=201)


router.add_api_route(  # the decorator takes no route class: a busy write, a BodyRoute
    "/{ticket_id}/messages",
    post_message,
    methods=["POST"],
    status_code=201,
    response_model=MessageOut,
    responses=CHANGES,
    route_class_override=BodyRoute,
)


@router.put("/{ticket_id}/rating", responses=CHANGES)
async def rate(
    ticket_id: TicketId, body: RatingRequest, actor: ActorDep, desk: DeskDep
) -> TicketOut:
    """Rate a resolved ticket 1–5 (its customer)."""
    return TicketOut.of(await desk.tickets.rate_ticket(actor, ticket_id, body.rating, body.comment))
