"""Notices to and from the JSON object stored in an outbox row's ``payload`` column.

The shape is the one rows have always had, so rows written by earlier versions still read.
The raw JSON (``dict[str, Any]``) stays inside ``core``: front ends get ``NoticeBody``.
Besides the notice, a payload may hold ``done``: how many calls of a send of several calls
went out already (written by the delivery service; read here as the row's progress).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any, assert_never

from core.domain.actors import ChatRef, ForwardOrigin
from core.domain.figures import Figures, OldTicket
from core.domain.values import NoticeKind, Role, Status
from core.notices.kinds import (
    AssignedToYou,
    CardPost,
    CardRefresh,
    CopyStyle,
    CustomerTopicClose,
    CustomerTopicReopen,
    Digest,
    EventLine,
    MessageCopy,
    MessageEdit,
    MessageReaction,
    NoticeBody,
    PendingReminder,
    SlaAlert,
    StatusChanged,
    SwarmAlert,
    TicketConfirmed,
    TopicAnonymize,
    TopicClose,
    TopicCreate,
    TopicDelete,
    TopicReopen,
    UnreadableNotice,
)

PROGRESS_KEY = "done"

Payload = dict[str, Any]


def encode(body: NoticeBody) -> Payload:
    """The notice as the JSON object stored in its outbox row."""
    payload: Payload = {}
    match body:
        case EventLine():
            payload = _event_line_json(body)
        case MessageCopy():
            payload = _message_copy_json(body)
        case TicketConfirmed(subject=subject):
            payload = {"subject": subject}
        case StatusChanged():
            payload = {
                "subject": body.subject,
                "to": body.to.value,
                "by": body.by.value,
                "ask_rating": body.ask_rating,
                "event_id": body.event_id,
                "reason": body.reason,
            }
        case AssignedToYou() | SlaAlert() | PendingReminder() | TopicDelete():
            payload = _plain_fields_json(body)
        case Digest(figures=figures):
            payload = _figures_json(figures)
        case MessageReaction(message_id=message_id, emoji=emoji):
            payload = {"message_id": message_id, "emoji": list(emoji)}
        case MessageEdit():
            payload = {
                "message_id": body.message_id,
                "style": body.style.value,
                "author": body.author,
                "tag_ticket": body.tag_ticket,
                "media_changed": body.media_changed,
            }
        case (
            TopicCreate()
            | CardPost()
            | CardRefresh()
            | TopicClose()
            | TopicReopen()
            | TopicAnonymize()
            | SwarmAlert()
            | CustomerTopicClose()
            | CustomerTopicReopen()
        ):
            pass  # the ticket says it all
        case _:
            assert_never(body)
    return payload


def decode(kind: NoticeKind, payload: Mapping[str, Any]) -> NoticeBody | UnreadableNotice:
    """Read the notice of a row of ``kind``; a payload that does not fit is unreadable."""
    try:
        return _READERS[kind](payload)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        return UnreadableNotice(kind, f"its {kind.value} payload does not read: {exc!r}")


def progress_of(payload: Mapping[str, Any]) -> int:
    """How many calls of the row's send went out already (0 when none, or not recorded)."""
    done = payload.get(PROGRESS_KEY, 0)
    return done if isinstance(done, int) and not isinstance(done, bool) else 0


def with_progress(payload: Mapping[str, Any], done: int) -> Payload:
    """The payload, noting that the first ``done`` calls of its send went out."""
    return {**payload, PROGRESS_KEY: done}


def _plain_fields_json(body: AssignedToYou | SlaAlert | PendingReminder | TopicDelete) -> Payload:
    """A notice whose fields are plain strings and numbers, each under its own name."""
    return {field.name: getattr(body, field.name) for field in fields(body)}


def _event_line_json(line: EventLine) -> Payload:
    return {
        "event_id": line.event_id,
        "kind": line.event_kind,
        "actor": line.actor,
        "actor_role": line.actor_role.value,
        "from": line.from_status.value if line.from_status else None,
        "to": line.to_status.value if line.to_status else None,
        "detail": line.detail,
    }


def _event_line(payload: Mapping[str, Any]) -> EventLine:
    return EventLine(
        event_id=int(payload["event_id"]),
        event_kind=str(payload["kind"]),
        actor=str(payload.get("actor") or ""),
        actor_role=Role(payload["actor_role"]),
        from_status=_status(payload.get("from")),
        to_status=_status(payload.get("to")),
        detail=_text(payload.get("detail")),
    )


def _message_copy_json(copy: MessageCopy) -> Payload:
    payload: Payload = {
        "message_ids": list(copy.message_ids),
        "style": copy.style.value,
        "author": copy.author,
        "tag_ticket": copy.tag_ticket,
    }
    if copy.forwarded_from is not None:
        payload["forwarded_from"] = copy.forwarded_from.to_json()
    if copy.origins:
        payload["origins"] = [[o.chat_id, o.message_id] for o in copy.origins]
    return payload


def _message_copy(payload: Mapping[str, Any]) -> MessageCopy:
    forwarded = payload.get("forwarded_from")
    return MessageCopy(
        message_ids=tuple(int(i) for i in payload["message_ids"]),
        style=CopyStyle(payload.get("style", CopyStyle.CUSTOMER)),
        author=str(payload.get("author") or ""),
        tag_ticket=bool(payload.get("tag_ticket", False)),
        forwarded_from=ForwardOrigin.from_json(forwarded) if forwarded else None,
        origins=tuple(ChatRef(int(c), int(m)) for c, m in payload.get("origins") or ()),
    )


def _status_changed(payload: Mapping[str, Any]) -> StatusChanged:
    return StatusChanged(
        subject=str(payload["subject"]),
        to=Status(payload["to"]),
        by=Role(payload["by"]),
        ask_rating=bool(payload.get("ask_rating", False)),
        event_id=int(payload["event_id"]),
        reason=_text(payload.get("reason")),
    )


def _figures_json(figures: Figures) -> Payload:
    payload: Payload = {
        "since": figures.since.isoformat(),
        "until": figures.until.isoformat(),
        "performance_since": figures.performance_since.isoformat(),
        "by_status": dict(figures.by_status),
        "opened": figures.opened,
        "first_response_breaches": figures.first_response_breaches,
        "resolution_breaches": figures.resolution_breaches,
        "oldest_open": [
            [t.number, t.subject, t.status.value, t.created_at.isoformat()]
            for t in figures.oldest_open
        ],
        "median_first_response": _seconds(figures.median_first_response),
        "median_resolution": _seconds(figures.median_resolution),
        "average_rating": figures.average_rating,
        "ratings": figures.ratings,
        "resolved": figures.resolved,
        "rated_of_resolved": figures.rated_of_resolved,
    }
    if figures.by_tag:  # added later: absent when empty, as in rows written before
        payload["by_tag"] = [[tag, count] for tag, count in figures.by_tag]
    return payload


def _figures(payload: Mapping[str, Any]) -> Figures:
    rating = payload["average_rating"]
    return Figures(
        since=datetime.fromisoformat(payload["since"]),
        until=datetime.fromisoformat(payload["until"]),
        performance_since=datetime.fromisoformat(payload["performance_since"]),
        by_status={str(k): int(v) for k, v in payload["by_status"].items()},
        opened=int(payload["opened"]),
        first_response_breaches=int(payload["first_response_breaches"]),
        resolution_breaches=int(payload["resolution_breaches"]),
        oldest_open=tuple(
            OldTicket(int(n), str(s), Status(st), datetime.fromisoformat(at))
            for n, s, st, at in payload["oldest_open"]
        ),
        median_first_response=_delta(payload["median_first_response"]),
        median_resolution=_delta(payload["median_resolution"]),
        average_rating=float(rating) if rating is not None else None,
        ratings=int(payload["ratings"]),
        resolved=int(payload["resolved"]),
        rated_of_resolved=int(payload["rated_of_resolved"]),
        # Digests queued before tags were counted have no "by_tag".
        by_tag=tuple((str(tag), int(count)) for tag, count in payload.get("by_tag", [])),
    )


def _status(value: object) -> Status | None:
    return Status(str(value)) if value else None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _seconds(delta: timedelta | None) -> float | None:
    return None if delta is None else delta.total_seconds()


def _delta(seconds: float | None) -> timedelta | None:
    return None if seconds is None else timedelta(seconds=seconds)


_READERS: dict[NoticeKind, Callable[[Mapping[str, Any]], NoticeBody]] = {
    NoticeKind.TOPIC_CREATE: lambda _: TopicCreate(),
    NoticeKind.CARD_POST: lambda _: CardPost(),
    NoticeKind.CARD_REFRESH: lambda _: CardRefresh(),
    NoticeKind.TOPIC_CLOSE: lambda _: TopicClose(),
    NoticeKind.TOPIC_REOPEN: lambda _: TopicReopen(),
    NoticeKind.TOPIC_DELETE: lambda p: TopicDelete(
        thread_id=int(p["thread_id"]),
        chat_id=None if p.get("chat_id") is None else int(p["chat_id"]),
    ),
    NoticeKind.TOPIC_ANONYMIZE: lambda _: TopicAnonymize(),
    NoticeKind.EVENT_LINE: _event_line,
    NoticeKind.MESSAGE_COPY: _message_copy,
    NoticeKind.TICKET_CONFIRMED: lambda p: TicketConfirmed(str(p["subject"])),
    NoticeKind.STATUS_CHANGED: _status_changed,
    NoticeKind.ASSIGNED_TO_YOU: lambda p: AssignedToYou(str(p["by"]), str(p["subject"])),
    NoticeKind.SLA_ALERT: lambda p: SlaAlert(str(p["subject"]), str(p["which"]), str(p["target"])),
    NoticeKind.PENDING_REMINDER: lambda p: PendingReminder(str(p["subject"]), str(p["closes_in"])),
    NoticeKind.DIGEST: lambda p: Digest(_figures(p)),
    NoticeKind.STAFF_ALERT: lambda _: SwarmAlert(),
    NoticeKind.CUSTOMER_TOPIC_CLOSE: lambda _: CustomerTopicClose(),
    NoticeKind.CUSTOMER_TOPIC_REOPEN: lambda _: CustomerTopicReopen(),
    NoticeKind.MESSAGE_REACTION: lambda p: MessageReaction(
        message_id=int(p["message_id"]), emoji=tuple(str(e) for e in p["emoji"])
    ),
    NoticeKind.MESSAGE_EDIT: lambda p: MessageEdit(
        message_id=int(p["message_id"]),
        style=CopyStyle(p["style"]),
        author=str(p.get("author") or ""),
        tag_ticket=bool(p.get("tag_ticket", False)),
        media_changed=bool(p.get("media_changed", False)),
    ),
}
