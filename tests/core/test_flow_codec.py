"""Conversation states to and from a conversation row, including rows earlier versions wrote."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from core.desk import Desk
from core.domain.actors import Attachment, ChatRef, ForwardOrigin, NewMessage
from core.domain.values import AttachmentKind, ForwardKind
from core.flows import codec
from core.flows.states import (
    Flow,
    FlowState,
    IntakeState,
    IntakeStep,
    LoginState,
    LoginStep,
    OfferState,
    UnknownFlow,
)
from core.store.tables import ConversationRow

SENT = datetime(2025, 11, 26, 6, 53, tzinfo=UTC)
PHOTO = NewMessage(
    text="Smoke <here> 🔥",
    formatted="<b>Smoke</b> &lt;here&gt; 🔥",
    attachment=Attachment(AttachmentKind.PHOTO, "photo-x"),
    origin=ChatRef(7001, 42),
    album="alb-9",
)
FORWARDED = NewMessage(
    text="Pay now",
    origin=ChatRef(7001, 44),
    forwarded_from=ForwardOrigin(ForwardKind.CHANNEL, "News", SENT, "news", "Jane"),
)

EVERY_STATE: list[FlowState] = [
    *(IntakeState(step) for step in IntakeStep),
    IntakeState(IntakeStep.DESCRIPTION, 12, "Billing", "Printer on fire", last_message_id=77),
    *(LoginState(step) for step in LoginStep),
    LoginState(LoginStep.PASSWORD, "alice", last_message_id=5),
    OfferState(),
    OfferState((PHOTO, FORWARDED), ("alb-9",), follow_up_of=3, last_message_id=44),
]

# Rows exactly as the version before typed conversations wrote them.
WRITTEN_BEFORE: list[tuple[str, str, dict[str, Any], FlowState]] = [
    ("intake", "category", {"follow_up_of": None}, IntakeState(IntakeStep.CATEGORY)),
    (
        "intake",
        "subject",
        {"follow_up_of": 4, "category": "Billing"},
        IntakeState(IntakeStep.SUBJECT, follow_up_of=4, category="Billing"),
    ),
    (
        "intake",
        "description",
        {"follow_up_of": None, "subject": "Printer on fire", "last_message_id": 501},
        IntakeState(IntakeStep.DESCRIPTION, subject="Printer on fire", last_message_id=501),
    ),
    ("login", "username", {}, LoginState(LoginStep.USERNAME)),
    ("login", "password", {"username": "alice"}, LoginState(LoginStep.PASSWORD, "alice")),
    (
        "offer",
        "confirm",
        {
            "held": [
                {
                    "text": "Smoke <here> 🔥",
                    "formatted": "<b>Smoke</b> &lt;here&gt; 🔥",
                    "attachment": ["photo", "photo-x", ""],
                    "origin": [7001, 42],
                    "album": "alb-9",
                    "copyable": True,
                    "forwarded_from": None,
                },
                {
                    "text": "Pay now",
                    "formatted": None,
                    "attachment": None,
                    "origin": [7001, 44],
                    "album": None,
                    "copyable": True,
                    "forwarded_from": {
                        "kind": "channel",
                        "name": "News",
                        "date": "2025-11-26T06:53:00+00:00",
                        "username": "news",
                        "signature": "Jane",
                    },
                },
            ],
            "albums": ["alb-9"],
            "follow_up_of": None,
            "last_message_id": 44,
        },
        OfferState((PHOTO, FORWARDED), ("alb-9",), last_message_id=44),
    ),
]


class TestRoundTrip:
    def test_the_examples_cover_every_flow(self) -> None:
        assert {state.flow for state in EVERY_STATE} == set(Flow)

    @pytest.mark.parametrize("state", EVERY_STATE, ids=repr)
    def test_every_state_reads_back_as_written(self, state: FlowState) -> None:
        flow, step, data = codec.encode(state)

        assert codec.decode(flow.value, step, json.loads(json.dumps(data))) == state


class TestRowsWrittenBefore:
    @pytest.mark.parametrize(("flow", "step", "data", "state"), WRITTEN_BEFORE)
    def test_an_earlier_versions_row_reads(
        self, flow: str, step: str, data: dict[str, Any], state: FlowState
    ) -> None:
        assert codec.decode(flow, step, data) == state

    @pytest.mark.parametrize(("flow", "step", "data", "state"), WRITTEN_BEFORE)
    def test_the_stored_shape_is_unchanged(
        self, flow: str, step: str, data: dict[str, Any], state: FlowState
    ) -> None:
        assert codec.encode(state) == (flow, step, data)


class TestUnknownFlows:
    @pytest.mark.parametrize(
        ("flow", "step", "data"),
        [
            ("comment", "comment", {"ticket": 5}),  # a flow an older version had
            ("intake", "phone", {}),  # a step this version does not ask
            ("login", "password", {"username": 7}),
            ("intake", "subject", {"follow_up_of": "five"}),
            ("offer", "confirm", {"held": [{"attachment": ["hologram", "", ""]}]}),
            ("offer", "confirm", {"held": "everything"}),
        ],
    )
    def test_what_this_version_cannot_read_is_an_unknown_flow(
        self, flow: str, step: str, data: dict[str, Any]
    ) -> None:
        assert codec.decode(flow, step, data) == UnknownFlow(flow, step)

    async def test_the_service_hands_out_an_unknown_flow_for_the_front_end_to_end(
        self, desk: Desk
    ) -> None:
        async with desk.database.write_session() as session:
            session.add(
                ConversationRow(
                    chat_id=7001,
                    flow="comment",
                    step="comment",
                    data={"ticket": 5},
                    updated_at=desk.clock.now(),
                )
            )
            await session.commit()
        conversation = await desk.conversations.get(7001)

        assert conversation is not None
        assert (conversation.flow, conversation.state) == (None, UnknownFlow("comment", "comment"))
        assert await desk.conversations.clear(7001)


class TestHeldMessages:
    @pytest.mark.parametrize(
        "held",
        [
            NewMessage(text="hello"),
            PHOTO,
            NewMessage(
                attachment=Attachment(AttachmentKind.LOCATION, "", "52.52000, 13.40500"),
                origin=ChatRef(7001, 43),
            ),
            NewMessage(text="x", formatted="x", origin=ChatRef(-100_777, 7), copyable=False),
            FORWARDED,
        ],
    )
    def test_round_trip_through_json_text(self, held: NewMessage) -> None:
        assert codec.held_message(json.loads(json.dumps(codec.held_json(held)))) == held

    @pytest.mark.parametrize("kind", list(AttachmentKind))
    def test_round_trips_every_attachment_kind(self, kind: AttachmentKind) -> None:
        held = NewMessage(attachment=Attachment(kind, f"{kind}-id", "details"))

        assert codec.held_message(json.loads(json.dumps(codec.held_json(held)))) == held

    def test_missing_fields_read_as_defaults(self) -> None:
        assert codec.held_message({}) == NewMessage()
