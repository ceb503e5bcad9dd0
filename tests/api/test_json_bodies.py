"""The hot endpoints' orjson answers are byte for byte what the Pydantic models would write."""

from __future__ import annotations

from datetime import UTC, datetime

from api.json_bodies import JsonBody, message_json, page_json, ticket_json
from api.schemas import MessageOut, TicketOut, TicketPageOut
from core.domain.actors import Attachment
from core.domain.values import AttachmentKind, Priority, Role, Status
from core.views import CustomerView, MessageView, TicketPage, TicketView

WHOLE_SECOND = datetime(2026, 1, 23, 16, 30, 40, tzinfo=UTC)
WITH_MICROS = datetime(2026, 11, 29, 4, 29, 46, 311390, tzinfo=UTC)


def _ticket(number: int, **changes: object) -> TicketView:
    values: dict[str, object] = {
        "number": number,
        "subject": "Päyment <failed> & “retried” 🙂",
        "status": Status.OPEN,
        "priority": Priority.URGENT,
        "category": "billing",
        "customer": CustomerView(
            id=3,
            telegram_user_id=10_004_787,
            display_name='Ann "the customer"',
            username=None,
            language_code="de",
        ),
        "assignee": "agent8",
        "assignee_id": 8,
        "follow_up_of": 41,
        "created_at": WHOLE_SECOND,
        "updated_at": WITH_MICROS,
        "status_changed_at": WITH_MICROS,
        "first_response_at": WITH_MICROS,
        "resolved_at": None,
        "closed_at": None,
        "rating": 4,
        "rating_comment": "line one\nline two\t\u2028",
        "staff_topic_id": 77,
        "staff_card_message_id": 78,
        "tags": ("vip",),
    }
    values.update(changes)
    return TicketView(**values)  # type: ignore[arg-type]


def _body(content: object) -> bytes:
    return bytes(JsonBody(content).body)


class TestJsonBodies:
    def test_a_ticket_matches_its_model(self) -> None:
        for view in (
            _ticket(1),
            _ticket(2, category=None, assignee=None, follow_up_of=None, rating=None),
            _ticket(3, status=Status.CLOSED, resolved_at=WHOLE_SECOND, closed_at=WITH_MICROS),
        ):
            assert _body(ticket_json(view)) == TicketOut.of(view).model_dump_json().encode()

    def test_a_page_matches_its_model(self) -> None:
        for page in (
            TicketPage((_ticket(1), _ticket(2, rating_comment=None)), "1795926586211113.98146"),
            TicketPage((), None),
        ):
            model = TicketPageOut(
                items=[TicketOut.of(view) for view in page.tickets], next_cursor=page.next_cursor
            )
            assert _body(page_json(page)) == model.model_dump_json().encode()

    def test_a_message_matches_its_model(self) -> None:
        for attachment in (None, Attachment(AttachmentKind.VOICE, "file-1", "0:12")):
            view = MessageView(
                id=100_819,
                ticket_number=100_000,
                author_role=Role.AGENT,
                author_name="agent1",
                text="Thanks, we are looking into it & will answer <soon>.",
                formatted=None,
                attachment=attachment,
                album=None,
                internal=False,
                created_at=WITH_MICROS,
                origin=None,
            )
            assert _body(message_json(view)) == MessageOut.of(view).model_dump_json().encode()

    def test_the_body_says_it_is_json(self) -> None:
        response = JsonBody({"a": 1}, status_code=201)
        assert response.status_code == 201
        assert response.headers["content-type"] == "application/json"
        assert response.headers["content-length"] == str(len(b'{"a":1}'))
