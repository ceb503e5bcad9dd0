"""A ticket's SLA targets and when they fall due, counted in business hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.config import DeskConfig
from core.domain.values import UNRESOLVED_STATUSES, Priority, Status
from core.views import TicketView


def sla_target(config: DeskConfig, priority: Priority, *, first_response: bool) -> timedelta:
    """The time a ticket of ``priority`` has for its first response or its resolution."""
    urgent = priority is Priority.URGENT
    if first_response:
        return config.sla_first_response_urgent if urgent else config.sla_first_response
    return config.sla_resolution_urgent if urgent else config.sla_resolution


@dataclass(frozen=True, slots=True)
class SlaDue:
    """When a ticket's open SLA targets fall due (``None``: met, missed or not running).

    Attributes:
        first_response: the first answer is due by then.
        resolution: the ticket should be resolved by then.
        timezone: the team's time zone, to show these moments in.
    """

    first_response: datetime | None
    resolution: datetime | None
    timezone: str


def sla_due(ticket: TicketView, config: DeskConfig) -> SlaDue:
    """Work out when the ticket's SLA targets that still run fall due, in business time."""
    hours = config.business_time()
    first = resolution = None
    if (
        ticket.status is Status.NEW
        and ticket.first_response_at is None
        and ticket.sla_first_breached_at is None
    ):
        target = sla_target(config, ticket.priority, first_response=True)
        first = hours.add_business_time(ticket.created_at, target)
    if ticket.status in UNRESOLVED_STATUSES and ticket.sla_resolution_breached_at is None:
        target = sla_target(config, ticket.priority, first_response=False)
        resolution = hours.add_business_time(ticket.created_at, target)
    return SlaDue(first_response=first, resolution=resolution, timezone=config.timezone)
