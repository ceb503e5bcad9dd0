"""Audit events as the lines that tell staff about them."""

from __future__ import annotations

from core.notices.kinds import EventLine
from core.views import EventView


def event_line(event: EventView) -> EventLine:
    """Describe an audit event for an event line."""
    return EventLine(
        event_id=event.id,
        event_kind=event.kind,
        actor=event.actor_name,
        actor_role=event.actor_role,
        from_status=event.from_status,
        to_status=event.to_status,
        detail=event.detail,
    )
