"""QueryRoute answers exactly as FastAPI's own route would, and refuses what it cannot serve."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Annotated, Any

import httpx
import orjson
import pytest
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response

from api.errors import install_error_handlers
from api.query_route import QueryRoute
from core.domain.values import Priority, Status


async def caller(request: Request) -> str:
    return request.headers.get("x-caller", "nobody")


async def echo(
    *,
    who: Annotated[str, Depends(caller)],
    status: Annotated[list[Status] | None, Query()] = None,
    assignee: Annotated[str | None, Query(max_length=8)] = None,
    priority: Priority | None = None,
    customer: Annotated[int | None, Query(description="A number.")] = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """Say what the route made of the request."""
    seen = {
        "who": who,
        "status": status,
        "assignee": assignee,
        "priority": priority,
        "customer": customer,
        "since": since,
        "limit": limit,
    }
    return Response(orjson.dumps(seen), media_type="application/json")


async def needs_a_query(q: str) -> str:
    return q


async def with_a_query_dependency(value: Annotated[str, Depends(needs_a_query)]) -> Response:
    return Response(value)


async def echo_required(
    q: Annotated[str, Query(min_length=2)], page: Annotated[tuple[int, ...], Query()] = (1, 2)
) -> Response:
    """A required parameter: an empty query is refused; a tuple default is shared safely."""
    return Response(orjson.dumps({"q": q, "page": page}), media_type="application/json")


def plain_dependency(request: Request) -> str:
    return request.url.path


async def yielding_dependency(request: Request) -> AsyncIterator[str]:
    yield request.url.path


async def with_a_plain_dependency(value: Annotated[str, Depends(plain_dependency)]) -> Response:
    return Response(value)


async def with_a_yielding_dependency(
    value: Annotated[str, Depends(yielding_dependency)],
) -> Response:
    return Response(value)


def app_with(route_class: type[Any] | None) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    router = APIRouter(route_class=route_class) if route_class else APIRouter()
    router.get("/echo")(echo)
    router.get("/required")(echo_required)
    app.include_router(router)
    return app


QUERIES = [
    "",
    "status=new&status=closed&assignee=bo&priority=high&customer=7&limit=5",
    "since=2026-11-02T09:00:00Z&status=open",
    "status=",
    "limit=0",
    "limit=101",
    "limit=abc",
    "status=bogus&limit=x",
    "assignee=far-too-long-a-name",
    "customer=1.5",
    "since=yesterday",
    "priority=",
    "unknown=1&limit=3",
    "limit=3&limit=4",
]


class TestSameAnswersAsFastApi:
    @pytest.mark.parametrize("query", QUERIES)
    async def test_query(self, query: str) -> None:
        answers = []
        for app in (app_with(None), app_with(QueryRoute)):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                answer = await client.get(f"/echo?{query}", headers={"x-caller": "cat"})
            answers.append((answer.status_code, answer.json()))
        assert answers[0] == answers[1]

    @pytest.mark.parametrize("query", ["", "q=x", "q=xy", "q=xy&page=3&page=4"])
    async def test_a_required_parameter(self, query: str) -> None:
        answers = []
        for app in (app_with(None), app_with(QueryRoute)):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                for _ in range(2):  # the second request as the first: nothing kept between
                    answer = await client.get(f"/required?{query}")
                    answers.append((answer.status_code, answer.json()))
        assert answers[:2] == answers[2:]

    def test_the_same_openapi_schema(self) -> None:
        assert app_with(None).openapi() == app_with(QueryRoute).openapi()


class TestRefusedWhenBuilt:
    def test_a_path_parameter(self) -> None:
        async def one(number: int) -> Response:
            return Response(str(number))

        with pytest.raises(TypeError, match="query parameters only"):
            APIRouter(route_class=QueryRoute).get("/x/{number}")(one)

    def test_a_dependency_needing_more_than_the_request(self) -> None:
        with pytest.raises(TypeError, match="request only"):
            APIRouter(route_class=QueryRoute).get("/x")(with_a_query_dependency)

    @pytest.mark.parametrize("endpoint", [with_a_plain_dependency, with_a_yielding_dependency])
    def test_a_dependency_that_is_no_coroutine(self, endpoint: Callable[..., Any]) -> None:
        with pytest.raises(TypeError, match="async def"):
            APIRouter(route_class=QueryRoute).get("/x")(endpoint)

    def test_a_plain_def(self) -> None:
        def one() -> Response:
            return Response("x")

        with pytest.raises(TypeError, match="async def"):
            APIRouter(route_class=QueryRoute).get("/x")(one)
