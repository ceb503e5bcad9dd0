"""The control API: drive and inspect a server running in another process (JSON over HTTP).

All routes live under ``/_control``; bodies and answers are JSON. Errors answer 400 with
``{"error": "..."}``. See the package docstring for the list of routes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.botapi.http_app import json_response
from sandbox.botapi.params import MEDIA_KINDS

if TYPE_CHECKING:
    from sandbox.botapi.server import FakeBotApi
    from sandbox.botapi.state import FakeChat, FakeUser

RouteHandler = Callable[[Request], Awaitable[Response]]
SEND_OPTIONS = frozenset(
    {
        "text",
        "caption",
        "thread_id",
        "reply_to",
        "entities",
        *MEDIA_KINDS,
    }
)


def control_routes(server: FakeBotApi) -> list[BaseRoute]:
    """The ``/_control`` routes of ``server``."""
    control = _Control(server)
    return [
        Route("/_control/stats", _json_route(control.stats), methods=["GET"]),
        Route("/_control/users", _json_route(control.add_user), methods=["POST"]),
        Route("/_control/groups", _json_route(control.add_group), methods=["POST"]),
        Route("/_control/members", _json_route(control.add_member), methods=["POST"]),
        Route("/_control/topics", _json_route(control.add_topic), methods=["POST"]),
        Route("/_control/topics", _json_route(control.list_topics), methods=["GET"]),
        Route("/_control/user_sends", _json_route(control.user_sends), methods=["POST"]),
        Route("/_control/user_presses", _json_route(control.user_presses), methods=["POST"]),
        Route("/_control/block", _json_route(control.block), methods=["POST"]),
        Route("/_control/private_topics", _json_route(control.private_topics), methods=["POST"]),
        Route("/_control/faults", _json_route(control.add_fault), methods=["POST"]),
        Route("/_control/faults", _json_route(control.clear_faults), methods=["DELETE"]),
        Route("/_control/messages", _json_route(control.messages), methods=["GET"]),
        Route("/_control/calls", _json_route(control.calls), methods=["GET"]),
        Route("/_control/updates", _json_route(control.update_times), methods=["GET"]),
        Route("/_control/raw_updates", _json_route(control.inject_raw_update), methods=["POST"]),
    ]


def _json_route(action: Callable[[dict[str, Any]], Awaitable[Any]]) -> RouteHandler:
    """Wrap ``action(arguments) -> answer``: arguments from query and JSON body."""

    async def handle(request: Request) -> Response:
        try:
            answer = await action(await _arguments(request))
        except (ValueError, KeyError, TypeError) as error:
            return json_response({"error": f"{type(error).__name__}: {error}"}, 400)
        return json_response(answer)

    return handle


async def _arguments(request: Request) -> dict[str, Any]:
    """Query parameters plus the JSON object body, if any."""
    arguments: dict[str, Any] = dict(request.query_params)
    raw = await request.body()
    if raw:
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise TypeError("the body must be a JSON object")
        arguments.update(body)
    return arguments


class _Control:
    """The actions behind the control routes."""

    def __init__(self, server: FakeBotApi) -> None:
        self.server = server

    def _user(self, arguments: dict[str, Any]) -> FakeUser:
        return self.server.state.users[int(arguments["user_id"])]

    def _chat(self, arguments: dict[str, Any], key: str = "chat_id") -> FakeChat:
        return self.server.state.chats[int(arguments[key])]

    async def stats(self, _arguments: dict[str, Any]) -> Any:
        return {
            **self.server.stats.to_json(),
            "pending_updates": len(self.server.pending_updates),
        }

    async def add_user(self, arguments: dict[str, Any]) -> Any:
        options = {k: arguments[k] for k in ("username", "last_name", "id") if k in arguments}
        return self.server.add_user(str(arguments["first_name"]), **options).to_api()

    async def add_group(self, arguments: dict[str, Any]) -> Any:
        options = {
            k: arguments[k] for k in ("forum", "supergroup", "id", "username") if k in arguments
        }
        return self.server.add_group(str(arguments["title"]), **options).to_api()

    async def add_member(self, arguments: dict[str, Any]) -> Any:
        status = arguments.get("status", "member")
        self._chat(arguments).add_member(self._user(arguments), status)
        return {"ok": True}

    async def add_topic(self, arguments: dict[str, Any]) -> Any:
        return self.server.add_topic(self._chat(arguments), str(arguments["name"])).to_api()

    async def list_topics(self, arguments: dict[str, Any]) -> Any:
        return [asdict(topic) for topic in self.server.topics(self._chat(arguments))]

    async def user_sends(self, arguments: dict[str, Any]) -> Any:
        options = {key: value for key, value in arguments.items() if key in SEND_OPTIONS}
        if "chat_id" in arguments and int(arguments["chat_id"]) != int(arguments["user_id"]):
            options["chat"] = self._chat(arguments)
        for pair in ("location", "contact"):
            if pair in arguments:
                options[pair] = tuple(arguments[pair])
        return await self.server.user_sends(self._user(arguments), **options)

    async def user_presses(self, arguments: dict[str, Any]) -> Any:
        message = self.server.message(int(arguments["chat_id"]), int(arguments["message_id"]))
        if message is None:
            raise ValueError("no such message")
        query_id = await self.server.user_presses(
            self._user(arguments),
            message,
            arguments.get("data"),
            button_text=arguments.get("button_text"),
        )
        return {"callback_query_id": query_id}

    async def block(self, arguments: dict[str, Any]) -> Any:
        self._user(arguments).blocked_bot = bool(arguments.get("blocked", True))
        return {"ok": True}

    async def private_topics(self, arguments: dict[str, Any]) -> Any:
        self.server.set_private_topics(bool(arguments.get("enabled", True)))
        return {"ok": True}

    async def add_fault(self, arguments: dict[str, Any]) -> Any:
        names = ("chat_id", "status", "retry_after", "description", "hang", "answer_delay")
        options = {key: arguments[key] for key in names if key in arguments}
        rule = self.server.faults.add(
            arguments.get("method"), times=arguments.get("times", 1), **options
        )
        return {"ok": True, "remaining": rule.remaining}

    async def clear_faults(self, _arguments: dict[str, Any]) -> Any:
        self.server.faults.clear()
        return {"ok": True}

    async def messages(self, arguments: dict[str, Any]) -> Any:
        thread_id = arguments.get("thread_id")
        return self.server.chat_messages(
            int(arguments["chat_id"]),
            int(thread_id) if thread_id is not None else None,
            include_service=str(arguments.get("include_service", "")).lower() == "true",
        )

    async def update_times(self, _arguments: dict[str, Any]) -> Any:
        """When each update was queued and first handed to the bot (monotonic seconds)."""
        return self.server.state.updates.timings()

    async def inject_raw_update(self, arguments: dict[str, Any]) -> Any:
        """Queue ``{"update_id": N, kind: payload}`` as given, malformed or not."""
        payload = arguments["payload"]
        if not isinstance(payload, dict):
            raise TypeError("payload must be a JSON object")
        return self.server.inject_raw_update(str(arguments["kind"]), payload)

    async def calls(self, arguments: dict[str, Any]) -> Any:
        method = arguments.get("method")
        calls = self.server.calls_of(method) if method else self.server.calls
        if arguments.get("since") is not None:
            # Only the calls made since a moment (the server's monotonic clock): a poller
            # waiting for one call then costs the server little, however many came before.
            since = float(arguments["since"])
            calls = [call for call in calls if call.at >= since]
        return [
            {
                "method": call.method,
                "params": call.params,
                "at": call.at,
                "status": call.status,
                "description": call.description,
                "injected": call.injected,
            }
            for call in calls
        ]
