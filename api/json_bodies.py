"""The hot endpoints' answers: the core's frozen views straight to JSON bytes.

The core already returns typed, checked views, so these endpoints skip Pydantic's response
models (build a model, validate it, serialize it) and encode the view once with orjson. The
ticket lists (the v1 list, the busiest request, a customer's tickets, the original
``view-tickets``) take their page as plain rows (``TicketSummaryPage``) instead: no view per
ticket, the values straight into the answer, the same JSON as ``page_json`` writes from
views. The shapes are the ones ``api/schemas.py`` declares for the OpenAPI schema
(``TicketOut``, ``MessageOut``, ``TicketPageOut``); ``tests/api/test_json_bodies.py`` and
``tests/api/test_summary_page.py`` check that every encoding gives the same JSON.

Example::

    return JsonBody(summary_page_json(page, next_cursor))
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from core.views import MessageView, TicketPage, TicketSummaryPage, TicketView

_OPTIONS = orjson.OPT_UTC_Z  # "...Z" for UTC, as Pydantic writes it


class JsonBody(Response):
    """A JSON response encoded by orjson (datetimes as ISO 8601 in UTC with ``Z``)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """Encode the content."""
        return orjson.dumps(content, option=_OPTIONS)


def ticket_json(view: TicketView) -> dict[str, Any]:
    """A ticket, as ``TicketOut``."""
    customer = view.customer
    return {
        "id": view.number,
        "title": view.subject,
        "status": view.status,
        "priority": view.priority,
        "category": view.category,
        "customer": {
            "telegram_user_id": customer.telegram_user_id,
            "display_name": customer.display_name,
            "username": customer.username,
        },
        "assignee": view.assignee,
        "follow_up_of": view.follow_up_of,
        "created_at": view.created_at,
        "updated_at": view.updated_at,
        "first_response_at": view.first_response_at,
        "resolved_at": view.resolved_at,
        "closed_at": view.closed_at,
        "rating": view.rating,
        "rating_comment": view.rating_comment,
    }


def page_json(page: TicketPage) -> dict[str, Any]:
    """A page of tickets, as ``TicketPageOut``."""
    return {"items": [ticket_json(t) for t in page.tickets], "next_cursor": page.next_cursor}


def summary_page_json(page: TicketSummaryPage, next_cursor: str | None) -> dict[str, Any]:
    """A page of ticket summaries, as ``TicketPageOut``: the same JSON as ``page_json``
    would write for the same tickets, with ``next_cursor`` as the client's cursor
    (``api/cursors.py``) for the page that follows, or None."""
    return {
        "items": [
            {
                "id": number,
                "title": subject,
                "status": status,
                "priority": priority,
                "category": category,
                "customer": {
                    "telegram_user_id": telegram_user_id,
                    "display_name": display_name,
                    "username": username,
                },
                "assignee": assignee,
                "follow_up_of": follow_up_of,
                "created_at": created_at,
                "updated_at": updated_at,
                "first_response_at": first_response_at,
                "resolved_at": resolved_at,
                "closed_at": closed_at,
                "rating": rating,
                "rating_comment": rating_comment,
            }
            for (
                number,
                subject,
                status,
                priority,
                category,
                telegram_user_id,
                display_name,
                username,
                assignee,
                follow_up_of,
                created_at,
                updated_at,
                first_response_at,
                resolved_at,
                closed_at,
                rating,
                rating_comment,
            ) in page.rows
        ],
        "next_cursor": next_cursor,
    }


def message_json(view: MessageView) -> dict[str, Any]:
    """A message, as ``MessageOut``."""
    return {
        "id": view.id,
        "ticket_id": view.ticket_number,
        "author_role": view.author_role,
        "author_name": view.author_name,
        "content": view.text,
        "internal": view.internal,
        "attachment": view.attachment.kind.value if view.attachment else None,
        "created_at": view.created_at,
    }
