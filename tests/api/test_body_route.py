"""BodyRoute answers exactly as FastAPI's own route would, and refuses what it cannot serve."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Annotated, Any

import httpx
import orjson
import pytest
from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, Form, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.types import Message

from api.app import add_routes, create_app
from api.body_route import BodyRoute
from api.errors import install_error_handlers
from api.settings import ApiSettings
from core.clock import ManualClock
from core.desk import Desk
from core.domain.values import Priority
from core.errors import CredentialsRejected
from tests.api.test_original_endpoints import report


class Note(BaseModel):
    content: str = Field(min_length=1, max_length=10)
    internal: bool = False
    priority: Priority | None = None


async def caller(request: Request) -> str:
    """Who calls: the x-caller header, or a 401 in the desk's shape, as the bearer check."""
    who = request.headers.get("x-caller")
    if who is None:
        raise CredentialsRejected("Send a caller.")
    return who


async def write(number: int, body: Note, who: Annotated[str, Depends(caller)]) -> Response:
    """Say what the route made of the request."""
    seen = {"number": number, "body": body.model_dump(mode="json"), "who": who}
    return Response(json.dumps(seen), status_code=201, media_type="application/json")


async def write_with_request(
    name: str, body: Note, request: Request, who: Annotated[str, Depends(caller)]
) -> Response:
    """The same, and whether FastAPI's own handler served it (it sets up exit stacks)."""
    generic = "fastapi_inner_astack" in request.scope
    seen = {"name": name, "content": body.content, "who": who, "generic": generic}
    return Response(orjson.dumps(seen), media_type="application/json")


def app_with(route_class: type[APIRoute] | None) -> FastAPI:
    """An app with the routes added as the desk adds them (an included router's routes are
    served by FastAPI's handler whatever their class)."""
    app = FastAPI()
    install_error_handlers(app)
    router = APIRouter(route_class=route_class) if route_class else APIRouter()
    router.post("/notes/{number}", status_code=201)(write)
    router.put("/named/{name}")(write_with_request)
    add_routes(app, router)
    return app


JSON = "application/json"
GOOD = b'{"content": "hello"}'
REQUESTS: list[tuple[str, bytes, str | None, str | None]] = [
    # path, body, content type, caller
    ("/notes/5", GOOD, JSON, "cat"),
    ("/notes/5", b'{"content": "hi", "internal": true, "priority": "high"}', JSON, "cat"),
    ("/notes/5", b'{"content": "hi", "extra": 1}', JSON, "cat"),
    ("/notes/05", GOOD, JSON, "cat"),
    ("/notes/-3", GOOD, JSON, "cat"),
    ("/notes/5", GOOD, "application/json; charset=utf-8", "cat"),
    ("/notes/5", GOOD, "application/merge-patch+json", "cat"),
    ("/notes/5", GOOD, "text/plain", "cat"),
    ("/notes/5", GOOD, None, "cat"),
    ("/notes/5", b"", JSON, "cat"),
    ("/notes/5", b"", None, "cat"),
    ("/notes/5", b'{"content": ', JSON, "cat"),
    ("/notes/5", b'{"content": ', JSON, None),
    ("/notes/5", b"\xff\xfe{", JSON, "cat"),
    ("/notes/5", b"[1, 2]", JSON, "cat"),
    ("/notes/5", b'"content"', JSON, "cat"),
    ("/notes/5", b"null", JSON, "cat"),
    ("/notes/5", b"{}", JSON, "cat"),
    ("/notes/5", b'{"content": ""}', JSON, "cat"),
    ("/notes/5", b'{"content": "far too long a note"}', JSON, "cat"),
    ("/notes/5", b'{"content": 7}', JSON, "cat"),
    ("/notes/5", b'{"content": "hi", "internal": "maybe"}', JSON, "cat"),
    ("/notes/5", b'{"content": "hi", "priority": "urgent"}', JSON, "cat"),
    ("/notes/5", b'{"content": "a", "content": "b"}', JSON, "cat"),
    ("/notes/5", b'{"content": "hi", "internal": NaN}', JSON, "cat"),
    ("/notes/5", GOOD, JSON, None),
    ("/notes/5", b"{}", JSON, None),
    ("/notes/x", GOOD, JSON, "cat"),
    ("/notes/x", b"{}", JSON, "cat"),
    ("/notes/x", b"{}", JSON, None),
    ("/notes/1.5", GOOD, JSON, "cat"),
    ("/notes/99999999999999999999999", GOOD, JSON, "cat"),
]


async def answers_of(app: FastAPI, method: str, requests: list[Any]) -> list[Any]:
    answers = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for path, body, content_type, who in requests:
            headers = {}
            if content_type is not None:
                headers["content-type"] = content_type
            if who is not None:
                headers["x-caller"] = who
            answer = await client.request(method, path, content=body, headers=headers)
            answers.append((answer.status_code, dict(answer.headers), answer.content))
    return answers


async def raw_answer(
    app: FastAPI, path: str, messages: list[tuple[bytes, bool] | None]
) -> tuple[int, bytes]:
    """POST to the app with the body in those messages; its status and body."""
    incoming: list[Message] = [
        {"type": "http.disconnect"}
        if message is None
        else {"type": "http.request", "body": message[0], "more_body": message[1]}
        for message in messages
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"x-caller", b"cat")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body


class TestSameAnswersAsFastApi:
    @pytest.mark.parametrize("request_", REQUESTS, ids=[str(r) for r in REQUESTS])
    async def test_request(self, request_: tuple[str, bytes, str | None, str | None]) -> None:
        fastapi, body_route = [
            await answers_of(app_with(route_class), "POST", [request_])
            for route_class in (None, BodyRoute)
        ]
        assert body_route == fastapi

    @pytest.mark.parametrize(
        "messages",
        [
            [(b'{"content":', True), (b' "in parts"}', False)],
            [(b'{"content":', True), (b"", True), (b' "in parts"}', False)],
            [(b"", True), (b'{"content": "late"}', False)],
            [(b'{"content":', True), None],
            [None],
        ],
        ids=["two parts", "an empty part", "an empty first part", "gone midway", "gone"],
    )
    async def test_a_body_in_parts(self, messages: list[tuple[bytes, bool] | None]) -> None:
        """Sent in parts, or the client gone before the end (None: a disconnect)."""
        answers = []
        for app in (app_with(None), app_with(BodyRoute)):
            answers.append(await raw_answer(app, "/notes/5", messages))
        assert answers[1] == answers[0]
        assert answers[0][0] == (201 if messages[-1] is not None else 400)

    async def test_a_str_path_parameter_and_the_request(self) -> None:
        requests = [("/named/ann", GOOD, JSON, "cat"), ("/named/ann", b"{}", JSON, "cat")]
        fastapi = await answers_of(app_with(None), "PUT", requests)
        body_route = await answers_of(app_with(BodyRoute), "PUT", requests)
        assert [status for status, _, _ in body_route] == [200, 422]
        assert orjson.loads(fastapi[0][2])["generic"] is True
        assert orjson.loads(body_route[0][2]) == {**orjson.loads(fastapi[0][2]), "generic": False}
        assert body_route[1] == fastapi[1]

    async def test_overridden_dependencies_are_fastapis_to_solve(self) -> None:
        async def someone_else() -> str:
            return "dog"

        app = app_with(BodyRoute)
        app.dependency_overrides[caller] = someone_else
        [(status, _, content)] = await answers_of(app, "PUT", [("/named/b", GOOD, JSON, None)])
        assert (status, orjson.loads(content)["who"]) == (200, "dog")

    def test_the_same_openapi_schema(self) -> None:
        assert app_with(None).openapi() == app_with(BodyRoute).openapi()


REPLY_PATHS = ["/tickets/{id}/messages", "/api/v1/tickets/{id}/messages"]


class TestTheDesksRoutes:
    def test_messages_are_written_through_body_routes(self, desk: Desk) -> None:
        app = create_app(desk, ApiSettings(_env_file=None))
        served = {
            route.path
            for route in app.routes
            if isinstance(route, BodyRoute) and route.methods == {"POST"}
        }
        assert served == {"/tickets/{ticket_id}/messages", "/api/v1/tickets/{ticket_id}/messages"}

    @pytest.mark.parametrize("path", REPLY_PATHS)
    @pytest.mark.parametrize("end", ["logout", "expiry", "disabled", "password"])
    async def test_a_token_ended_is_refused_on_the_next_reply(
        self,
        client: httpx.AsyncClient,
        ann: dict[str, str],
        agent: dict[str, str],
        desk: Desk,
        clock: ManualClock,
        path: str,
        end: str,
    ) -> None:
        url = path.format(id=await report(client, ann))
        answer = await client.post(url, json={"content": "On it."}, headers=agent)
        assert answer.status_code == 201, answer.text
        if end == "logout":
            assert (await client.post("/users/logout", headers=agent)).status_code == 204
        elif end == "expiry":
            clock.advance(timedelta(hours=12))
        elif end == "disabled":
            await desk.accounts.set_active("alice", active=False)
        else:
            await desk.accounts.reset_password("alice", "another-long-secret")
        answer = await client.post(url, json={"content": "Again."}, headers=agent)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "credentials_rejected"
        assert answer.headers["www-authenticate"] == "Bearer"

    @pytest.mark.parametrize("path", REPLY_PATHS)
    async def test_errors_keep_the_desks_shape(
        self, client: httpx.AsyncClient, ann: dict[str, str], agent: dict[str, str], path: str
    ) -> None:
        url = path.format(id=await report(client, ann))
        missing = path.format(id=999_999)
        cases = [
            (url, b'{"content": "hi"}', {}, 401, "credentials_rejected"),
            (url, b'{"content": ', agent, 422, "invalid_request"),
            (url, b"{}", agent, 422, "invalid_request"),
            (url, b"{}", {}, 401, "credentials_rejected"),
            (path.format(id="x"), b'{"content": "hi"}', agent, 422, "invalid_request"),
            (missing, b'{"content": "hi"}', agent, 404, "ticket_not_found"),
            (url, json.dumps({"content": "y" * 2_000_000}).encode(), agent, 413, None),
        ]
        for where, body, headers, status, code in cases:
            answer = await client.post(
                where, content=body, headers={**headers, "Content-Type": "application/json"}
            )
            assert answer.status_code == status, (where, body[:20], answer.text)
            error = answer.json()["error"]
            assert set(error) == {"code", "message"}
            assert code is None or error["code"] == code, error


async def with_a_query(number: int, body: Note, q: Annotated[str, Query()]) -> Response:
    return Response(q)


async def with_a_float(number: float, body: Note) -> Response:
    return Response(str(number))


async def without_a_body(number: int) -> Response:
    return Response(str(number))


async def with_two_bodies(number: int, body: Note, other: Note) -> Response:
    return Response(str(number))


async def with_a_form(number: int, content: Annotated[str, Form()]) -> Response:
    return Response(content)


def plain_caller(request: Request) -> str:
    return request.url.path


async def yielding_caller(request: Request) -> AsyncIterator[str]:
    yield request.url.path


async def needs_a_query(q: str) -> str:
    return q


async def with_a_plain_dependency(
    number: int, body: Note, who: Annotated[str, Depends(plain_caller)]
) -> Response:
    return Response(who)


async def with_a_yielding_dependency(
    number: int, body: Note, who: Annotated[str, Depends(yielding_caller)]
) -> Response:
    return Response(who)


async def with_a_query_dependency(
    number: int, body: Note, who: Annotated[str, Depends(needs_a_query)]
) -> Response:
    return Response(who)


def a_plain_def(number: int, body: Note) -> Response:
    return Response(str(number))


async def returning_a_model(number: int, body: Note) -> Note:
    return body


async def with_background_tasks(number: int, body: Note, tasks: BackgroundTasks) -> Response:
    return Response(str(number))


async def with_a_response(number: int, body: Note, response: Response) -> Response:
    return response


async def caller_setting_headers(request: Request, response: Response) -> str:
    return request.url.path


async def with_a_dependency_taking_the_response(
    number: int, body: Note, who: Annotated[str, Depends(caller_setting_headers)]
) -> Response:
    return Response(who)


async def with_the_caller_twice(
    number: int,
    body: Note,
    who: Annotated[str, Depends(caller)],
    again: Annotated[str, Depends(caller)],
) -> Response:
    return Response(who + again)


async def with_a_limited_dependency(
    number: int, body: Note, who: Annotated[str, Depends(caller, max_concurrency=2)]
) -> Response:
    return Response(who)


class TestRefusedWhenBuilt:
    @pytest.mark.parametrize(
        ("endpoint", "message"),
        [
            (with_a_query, "path parameters and a body only"),
            (with_a_float, "int or str path parameters"),
            (without_a_body, "one JSON body model"),
            (with_two_bodies, "one JSON body model"),
            (with_a_form, "one JSON body model"),
            (with_a_plain_dependency, "async def"),
            (with_a_yielding_dependency, "async def"),
            (with_a_query_dependency, "request only"),
            (a_plain_def, "async def"),
            (returning_a_model, "return a Response"),
            (with_background_tasks, "no response, background tasks"),
            (with_a_response, "no response, background tasks"),
            (with_a_dependency_taking_the_response, "request only"),
            (with_the_caller_twice, "declared once"),
            (with_a_limited_dependency, "unlimited"),
        ],
    )
    def test_an_endpoint_it_cannot_serve(self, endpoint: Callable[..., Any], message: str) -> None:
        with pytest.raises(TypeError, match=message):
            APIRouter(route_class=BodyRoute).post("/x/{number}")(endpoint)

    def test_a_body_limit_of_its_own(self) -> None:
        with pytest.raises(TypeError, match="body size limit"):
            APIRouter(route_class=BodyRoute).add_api_route(
                "/x/{number}", write, methods=["POST"], max_body_size=10
            )
