"""Turning rows into the frozen views services hand out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.domain.actors import Attachment, ChatRef, ForwardOrigin
from core.domain.values import AttachmentKind, Audience, NoticeKind, Priority, Role, Status
from core.flows import codec as flow_codec
from core.notices import codec as notice_codec
from core.store.tables import (
    AgentRow,
    ConversationRow,
    CustomerRow,
    MessageRow,
    TicketEventRow,
    TicketRow,
)
from core.views import (
    AgentView,
    Conversation,
    CustomerView,
    EventView,
    MessageView,
    OutboxItem,
    TicketView,
)


def customer_view(row: CustomerRow) -> CustomerView:
    """View a customer row."""
    return CustomerView(
        id=row.id,
        telegram_user_id=row.telegram_user_id,
        display_name=row.display_name,
        username=row.username,
        language_code=row.language_code,
        unreachable_since=row.unreachable_since,
    )


def agent_view(row: AgentRow) -> AgentView:
    """View an agent row (never its password hash)."""
    return AgentView(
        id=row.id,
        username=row.username,
        is_admin=row.is_admin,
        is_active=row.is_active,
        telegram_user_id=row.telegram_user_id,
        locked_until=row.locked_until,
        last_login_at=row.last_login_at,
        created_at=row.created_at,
    )


def ticket_view(row: TicketRow) -> TicketView:
    """View a ticket row (its customer and assignee are loaded with it)."""
    return TicketView(
        number=row.id,
        subject=row.subject,
        status=Status(row.status),
        priority=Priority(row.priority),
        category=row.category,
        customer=customer_view(row.customer),
        assignee=row.assignee.username if row.assignee else None,
        assignee_id=row.assignee_id,
        follow_up_of=row.follow_up_of_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        status_changed_at=row.status_changed_at,
        first_response_at=row.first_response_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        rating=row.rating,
        rating_comment=row.rating_comment,
        staff_topic_id=row.staff_topic_id,
        staff_card_message_id=row.staff_card_message_id,
        sla_first_breached_at=row.sla_first_breached_at,
        sla_resolution_breached_at=row.sla_resolution_breached_at,
        tags=tuple(tag.tag for tag in row.tag_rows),
        merged_into=row.merged_into_id,
        customer_topic_id=row.customer_topic_id,
    )


def message_view(row: MessageRow, origin: ChatRef | None) -> MessageView:
    """View a message row, given where its original arrived."""
    attachment = None
    if row.attachment_kind:
        attachment = Attachment(
            kind=AttachmentKind(row.attachment_kind),
            file_id=row.attachment_file_id or "",
            details=row.attachment_details or "",
        )
    return MessageView(
        id=row.id,
        ticket_number=row.ticket_id,
        author_role=Role(row.author_role),
        author_name=row.author_name,
        text=row.text,
        formatted=row.formatted,
        attachment=attachment,
        album=row.album,
        internal=row.internal,
        created_at=row.created_at,
        origin=origin,
        copyable=row.copyable,
        forwarded_from=(
            ForwardOrigin.from_json(row.forward_origin) if row.forward_origin is not None else None
        ),
    )


def event_view(row: TicketEventRow) -> EventView:
    """View an audit-trail row."""
    return EventView(
        id=row.id,
        ticket_number=row.ticket_id,
        actor_role=Role(row.actor_role),
        actor_name=row.actor_name,
        kind=row.kind,
        from_status=Status(row.from_status) if row.from_status else None,
        to_status=Status(row.to_status) if row.to_status else None,
        detail=row.detail,
        at=row.at,
    )


def outbox_item_of(row: Mapping[Any, Any]) -> OutboxItem:
    """View a claimed outbox row, given its columns."""
    return OutboxItem(
        id=row["id"],
        lane=row["lane"],
        audience=Audience(row["audience"]),
        chat_id=row["chat_id"],
        ticket_number=row["ticket_id"],
        body=notice_codec.decode(NoticeKind(row["kind"]), row["payload"]),
        attempts=row["attempts"],
        progress=notice_codec.progress_of(row["payload"]),
    )


def conversation_view(row: ConversationRow) -> Conversation:
    """View a conversation-state row."""
    return Conversation(
        chat_id=row.chat_id,
        state=flow_codec.decode(row.flow, row.step, row.data),
        updated_at=row.updated_at,
    )
