"""Notices to and from the JSON of an outbox row, including rows earlier versions wrote."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.domain.actors import ChatRef, ForwardOrigin
from core.domain.figures import Figures, OldTicket
from core.domain.values import ForwardKind, NoticeKind, Role, Status
from core.notices import codec
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

SENT = datetime(2025, 11, 26, 6, 53, tzinfo=UTC)
NEWS = ForwardOrigin(ForwardKind.CHANNEL, "News", SENT, "news", "Jane")
FIGURES = Figures(
    since=datetime(2026, 3, 5, 10, tzinfo=UTC),
    until=datetime(2026, 3, 6, 10, tzinfo=UTC),
    performance_since=datetime(2026, 2, 27, 10, tzinfo=UTC),
    by_status={"new": 1, "open": 1, "pending": 0, "resolved": 0, "closed": 0},
    first_response_breaches=1,
    resolution_breaches=1,
    oldest_open=(
        OldTicket(1, "Printer on fire", Status.OPEN, datetime(2026, 3, 2, 9, tzinfo=UTC)),
        OldTicket(2, "Second", Status.NEW, datetime(2026, 3, 3, 10, tzinfo=UTC)),
    ),
    median_first_response=timedelta(0),
    median_resolution=timedelta(seconds=90000),
    resolved=1,
)

EVERY_KIND: list[NoticeBody] = [
    TopicCreate(),
    CardPost(),
    CardRefresh(),
    TopicClose(),
    TopicReopen(),
    EventLine(7, "status", "alice", Role.AGENT, Status.OPEN, Status.PENDING, "waiting"),
    EventLine(8, "assigned", "", Role.SYSTEM, detail="nobody"),
    MessageCopy((1, 2), CopyStyle.CUSTOMER, "Ann", origins=(ChatRef(7001, 5), ChatRef(7001, 6))),
    MessageCopy((3,), CopyStyle.REPLY, "alice", tag_ticket=True),
    MessageCopy((4,), CopyStyle.NOTE, "alice", forwarded_from=NEWS),
    TicketConfirmed("Printer on fire"),
    StatusChanged("Printer", Status.RESOLVED, Role.AGENT, ask_rating=True, event_id=3),
    StatusChanged("Printer", Status.CLOSED, Role.SYSTEM, False, 4, "no answer from the customer"),
    AssignedToYou("alice", "Printer on fire"),
    SlaAlert("Printer on fire", "first response", "1h"),
    PendingReminder("Printer on fire", "6d"),
    Digest(FIGURES),
    Digest(Figures(FIGURES.since, FIGURES.until, FIGURES.performance_since, average_rating=4.5)),
    Digest(replace(FIGURES, by_tag=(("printer", 2), ("billing", 1)))),
    SwarmAlert(),
    CustomerTopicClose(),
    CustomerTopicReopen(),
    MessageEdit(9, CopyStyle.CUSTOMER, "Ann"),
    MessageEdit(10, CopyStyle.REPLY, "alice", tag_ticket=True, media_changed=True),
    MessageReaction(11, ("👍",)),
    MessageReaction(12, ()),
    TopicDelete(501, -1001234),
    TopicDelete(502),
    TopicAnonymize(),
]

# Kinds added after typed notices: no row of theirs was ever written in an older shape.
NEWER_KINDS = {
    NoticeKind.STAFF_ALERT.value,
    NoticeKind.CUSTOMER_TOPIC_CLOSE.value,
    NoticeKind.CUSTOMER_TOPIC_REOPEN.value,
    NoticeKind.MESSAGE_EDIT.value,
    NoticeKind.MESSAGE_REACTION.value,
    NoticeKind.TOPIC_DELETE.value,
    NoticeKind.TOPIC_ANONYMIZE.value,
}

# Payloads exactly as the version before typed notices wrote them (dumped from its outbox).
WRITTEN_BEFORE: list[tuple[str, dict[str, Any], NoticeBody]] = [
    ("topic_create", {}, TopicCreate()),
    ("card_post", {}, CardPost()),
    ("card_refresh", {}, CardRefresh()),
    ("topic_close", {}, TopicClose()),
    ("topic_reopen", {}, TopicReopen()),
    (
        "message_copy",
        {
            "message_ids": [1],
            "style": "customer",
            "author": "Ann",
            "tag_ticket": False,
            "forwarded_from": {
                "kind": "channel",
                "name": "News",
                "date": "2025-11-26T06:53:00+00:00",
                "username": "news",
                "signature": "Jane",
            },
            "origins": [[7001, 500]],
        },
        MessageCopy((1,), CopyStyle.CUSTOMER, "Ann", False, NEWS, (ChatRef(7001, 500),)),
    ),
    (
        "message_copy",
        {"message_ids": [3], "style": "reply", "author": "alice", "tag_ticket": False},
        MessageCopy((3,), CopyStyle.REPLY, "alice"),
    ),
    ("ticket_confirmed", {"subject": "Printer on fire"}, TicketConfirmed("Printer on fire")),
    (
        "event_line",
        {
            "event_id": 2,
            "kind": "assigned",
            "actor": "alice",
            "actor_role": "agent",
            "from": None,
            "to": None,
            "detail": "alice",
        },
        EventLine(2, "assigned", "alice", Role.AGENT, None, None, "alice"),
    ),
    (
        "status_changed",
        {
            "subject": "Printer on fire",
            "to": "open",
            "by": "agent",
            "ask_rating": False,
            "event_id": 3,
            "reason": None,
        },
        StatusChanged("Printer on fire", Status.OPEN, Role.AGENT, False, 3, None),
    ),
    (
        "assigned_to_you",
        {"by": "alice", "subject": "Printer on fire"},
        AssignedToYou("alice", "Printer on fire"),
    ),
    (
        "sla_alert",
        {"subject": "Printer on fire", "which": "resolution", "target": "1d"},
        SlaAlert("Printer on fire", "resolution", "1d"),
    ),
    (
        "pending_reminder",
        {"subject": "Printer on fire", "closes_in": "5d23h"},
        PendingReminder("Printer on fire", "5d23h"),
    ),
    (
        "digest",
        {
            "since": "2026-03-05T10:00:00+00:00",
            "until": "2026-03-06T10:00:00+00:00",
            "performance_since": "2026-02-27T10:00:00+00:00",
            "by_status": {"new": 1, "open": 1, "pending": 0, "resolved": 0, "closed": 0},
            "opened": 0,
            "first_response_breaches": 1,
            "resolution_breaches": 1,
            "oldest_open": [
                [1, "Printer on fire", "open", "2026-03-02T09:00:00+00:00"],
                [2, "Second", "new", "2026-03-03T10:00:00+00:00"],
            ],
            "median_first_response": 0.0,
            "median_resolution": 90000.0,
            "average_rating": None,
            "ratings": 0,
            "resolved": 1,
            "rated_of_resolved": 0,
        },
        Digest(FIGURES),
    ),
]


def _through_json_text(body: NoticeBody) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(json.dumps(codec.encode(body)))
    return decoded


class TestRoundTrip:
    def test_the_examples_cover_every_kind(self) -> None:
        assert {body.kind for body in EVERY_KIND} == set(NoticeKind)

    @pytest.mark.parametrize("body", EVERY_KIND, ids=lambda body: type(body).__name__)
    def test_every_kind_reads_back_as_written(self, body: NoticeBody) -> None:
        assert codec.decode(body.kind, _through_json_text(body)) == body


class TestRowsWrittenBefore:
    def test_the_examples_cover_every_kind(self) -> None:
        assert {kind for kind, _, _ in WRITTEN_BEFORE} == {
            kind.value for kind in NoticeKind
        } - NEWER_KINDS

    @pytest.mark.parametrize(
        ("kind", "payload", "body"), WRITTEN_BEFORE, ids=[kind for kind, _, _ in WRITTEN_BEFORE]
    )
    def test_an_earlier_versions_payload_reads(
        self, kind: str, payload: dict[str, Any], body: NoticeBody
    ) -> None:
        assert codec.decode(NoticeKind(kind), payload) == body

    @pytest.mark.parametrize(
        ("kind", "payload", "body"), WRITTEN_BEFORE, ids=[kind for kind, _, _ in WRITTEN_BEFORE]
    )
    def test_the_stored_shape_is_unchanged(
        self, kind: str, payload: dict[str, Any], body: NoticeBody
    ) -> None:
        assert (body.kind.value, codec.encode(body)) == (kind, payload)


class TestProgress:
    def test_a_send_cut_short_keeps_its_progress_beside_the_notice(self) -> None:
        copy = MessageCopy((1,), CopyStyle.CUSTOMER, "Ann")
        payload = codec.with_progress(codec.encode(copy), 2)

        assert codec.decode(NoticeKind.MESSAGE_COPY, payload) == copy
        assert codec.progress_of(payload) == 2

    @pytest.mark.parametrize("payload", [{}, {"done": "2"}, {"done": True}, {"done": None}])
    def test_no_or_unreadable_progress_is_none(self, payload: dict[str, Any]) -> None:
        assert codec.progress_of(payload) == 0


class TestUnreadable:
    @pytest.mark.parametrize(
        ("kind", "payload"),
        [
            (NoticeKind.MESSAGE_COPY, {}),
            (NoticeKind.MESSAGE_COPY, {"message_ids": [1], "style": "shout"}),
            (NoticeKind.STATUS_CHANGED, {"subject": "s", "to": "lost", "by": "agent"}),
            (NoticeKind.EVENT_LINE, {"event_id": "x", "kind": "status", "actor_role": "agent"}),
            (NoticeKind.DIGEST, {"since": "yesterday"}),
            (NoticeKind.TICKET_CONFIRMED, {}),
        ],
    )
    def test_a_payload_that_does_not_fit_is_unreadable_not_an_exception(
        self, kind: NoticeKind, payload: dict[str, Any]
    ) -> None:
        body = codec.decode(kind, payload)

        assert isinstance(body, UnreadableNotice)
        assert body.kind is kind
        assert kind.value in body.reason
