"""The page's HTTP side: the static client, its JSON API, files and the live event stream.

Every action of the page is a person doing something in Telegram (write, upload, press a
button) or a fault Telegram could show; each goes through the local Bot API's world, so the
desk sees exactly what it would see from Telegram.

Routes (all JSON unless said otherwise; errors answer 400 ``{"error": "..."}``):

=======  ===========================  ==================================================
GET      /                            the page (HTML)
GET      /static/...                  its scripts and styles
GET      /sandbox/api/people          the bot, the agents and the customers
GET      /sandbox/api/chats           ?as= → the chats that person sees, with topics
GET      /sandbox/api/messages        ?chat_id=&thread= → messages, service ones included
GET      /sandbox/api/commands        ?as=&chat_id= → the bot's command menu there
POST     /sandbox/api/send            form: as, chat_id, thread?, reply_to?, text?, file*
                                      (2 to 10 files make one album; a long text goes
                                      in parts) → what was sent, in order
POST     /sandbox/api/edit            {as, chat_id, message_id, text} → the edited message
POST     /sandbox/api/press           {as, chat_id, message_id, data} → {query_id}
POST     /sandbox/api/customers       {first_name} → the new person
POST     /sandbox/api/agents          {first_name, username} → the person and a password
POST     /sandbox/api/faults          {kind: 429|5xx|timeout, count} → {ok}
DELETE   /sandbox/api/faults          → {ok}
POST     /sandbox/api/block           {user_id, blocked} → {ok}
POST     /sandbox/api/delete_topic    {thread_id} → {ok}
GET      /sandbox/api/events          server-sent events: changed, failure, toast
GET      /sandbox/files/{file_id}     a file's bytes
=======  ===========================  ==================================================
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from sandbox.botapi import FakeBotApi, FakeUser
from sandbox.botapi.http_app import MAX_REQUEST_BYTES, json_response
from sandbox.botapi.methods import MESSAGE_SENDING_METHODS
from sandbox.botapi.user_actions import MAX_ALBUM_ITEMS, SentFile
from sandbox.desk_process import DESK_HTTP_TIMEOUT_SECONDS
from sandbox.events import EventHub
from sandbox.page import views
from sandbox.page.long_texts import MAX_CAPTION, split_text
from sandbox.persistence import Cast

STATIC = Path(__file__).parent / "static"
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
USERNAME = re.compile(r"[a-z][a-z0-9_]{2,31}")
TIMEOUT_HANG_SECONDS = DESK_HTTP_TIMEOUT_SECONDS + 1
"""Longer than the sandbox desk's HTTP timeout: its request times out first."""
FAULTS: dict[str, dict[str, Any]] = {
    "429": {"status": 429, "retry_after": 3},
    "5xx": {"status": 502},
    "timeout": {"hang": TIMEOUT_HANG_SECONDS},
}
MAX_FAULT_COUNT = 100


class PageError(Exception):
    """Raised for a page request that cannot be done; the message says why."""


AgentFactory = Callable[[str], Awaitable[str]]
"""Creates an agent account with a fresh password and returns the password."""


@dataclass
class SandboxPage:
    """What the page works on.

    Attributes:
        server: The local Bot API and its world.
        cast: Who is an agent or a customer, and the staff chat.
        events: Where news for open pages goes.
        create_account: Creates an agent account through the desk's own command line.
    """

    server: FakeBotApi
    cast: Cast
    events: EventHub
    create_account: AgentFactory

    def person(self, value: Any) -> FakeUser:
        """The person with this user id (an agent or a customer)."""
        try:
            user_id = int(value)
        except (TypeError, ValueError):
            raise PageError("say who acts: as=<user id>") from None
        if user_id not in self.cast.agents and user_id not in self.cast.customers:
            raise PageError(f"no person {user_id}")
        return self.server.state.users[user_id]

    def changed(self) -> None:
        """Tell every open page that the world changed."""
        self.events.publish({"type": "changed", "method": "page"})


def page_routes(page: SandboxPage) -> list[BaseRoute]:
    """The routes serving ``page``."""
    actions = _Actions(page)
    return [
        Route("/", _index, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Route("/sandbox/api/people", _json(actions.people), methods=["GET"]),
        Route("/sandbox/api/chats", _json(actions.chats), methods=["GET"]),
        Route("/sandbox/api/messages", _json(actions.messages), methods=["GET"]),
        Route("/sandbox/api/commands", _json(actions.commands), methods=["GET"]),
        Route("/sandbox/api/send", _json(actions.send), methods=["POST"]),
        Route("/sandbox/api/edit", _json(actions.edit), methods=["POST"]),
        Route("/sandbox/api/press", _json(actions.press), methods=["POST"]),
        Route("/sandbox/api/customers", _json(actions.add_customer), methods=["POST"]),
        Route("/sandbox/api/agents", _json(actions.add_agent), methods=["POST"]),
        Route("/sandbox/api/faults", _json(actions.add_fault), methods=["POST"]),
        Route("/sandbox/api/faults", _json(actions.clear_faults), methods=["DELETE"]),
        Route("/sandbox/api/block", _json(actions.block), methods=["POST"]),
        Route("/sandbox/api/delete_topic", _json(actions.delete_topic), methods=["POST"]),
        Route("/sandbox/api/events", actions.events, methods=["GET"]),
        Route("/sandbox/files/{file_id}", actions.file, methods=["GET"]),
    ]


async def _index(_request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


def _json(
    action: Callable[[Request], Awaitable[Any]],
) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        try:
            return json_response(await action(request))
        except PageError as error:
            return json_response({"error": str(error)}, 400)
        except (ValueError, KeyError, TypeError) as error:
            return json_response({"error": f"{type(error).__name__}: {error}"}, 400)

    return handle


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    body = json.loads(raw)
    if not isinstance(body, dict):
        raise PageError("the body must be a JSON object")
    return body


_CAPTIONED = ("photo", "document", "video", "audio", "voice", "animation")


async def _sent_file(upload: UploadFile) -> SentFile:
    content_type = upload.content_type or "application/octet-stream"
    kind = "photo" if content_type in PHOTO_TYPES else "document"
    return SentFile(kind, await upload.read(), upload.filename or "file", content_type)


def _as_document(file: SentFile) -> SentFile:
    return SentFile("document", file.content, file.file_name, file.mime_type)


class _Actions:
    """The handlers behind the routes."""

    def __init__(self, page: SandboxPage) -> None:
        self.page = page
        self.server = page.server

    async def people(self, _request: Request) -> Any:
        return views.people(self.server, self.page.cast)

    async def chats(self, request: Request) -> Any:
        return views.chats_of(self.server, self.page.person(request.query_params.get("as")))

    async def messages(self, request: Request) -> Any:
        chat_id = int(request.query_params["chat_id"])
        thread = request.query_params.get("thread") or None
        return views.messages_in(self.server, chat_id, thread)

    async def commands(self, request: Request) -> Any:
        person = self.page.person(request.query_params.get("as"))
        chat = self.server.chat(int(request.query_params["chat_id"]))
        return views.command_menu(self.server, person, chat)

    async def send(self, request: Request) -> Any:
        async with request.form(max_files=MAX_ALBUM_ITEMS, max_part_size=MAX_REQUEST_BYTES) as form:
            person = self.page.person(form.get("as"))
            chat_id = int(str(form.get("chat_id") or person.id))
            thread = str(form.get("thread") or "")
            reply_to = str(form.get("reply_to") or "")
            text = str(form.get("text") or "").strip()
            uploads = [
                upload
                for upload in form.getlist("file")
                if isinstance(upload, UploadFile) and upload.filename
            ]
            placement: dict[str, Any] = {
                "chat": None if chat_id == person.id else chat_id,
                "thread_id": int(thread) if thread and thread != views.GENERAL else None,
                "reply_to": int(reply_to) if reply_to else None,
            }
            files = [await _sent_file(upload) for upload in uploads]
            if not files and not text:
                raise PageError("write something or attach a file")
            # Like a Telegram app: a caption too long goes as messages after the files.
            caption = text if files and len(split_text(text, MAX_CAPTION)) == 1 else ""
            parts = [] if caption else split_text(text)
            sent: list[Any] = []
            if files:
                sent.append(await self._send_files(person, files, caption, placement))
                placement["reply_to"] = None
            for part in parts:
                sent.append(await self.server.user_sends(person, part, **placement))
                placement["reply_to"] = None
        self.page.changed()
        return sent

    async def _send_files(
        self, person: FakeUser, files: list[SentFile], caption: str, placement: dict[str, Any]
    ) -> Any:
        if len(files) > 1:
            # Telegram's apps send photos as a photo album, anything else as files.
            if any(file.kind != "photo" for file in files):
                files = [_as_document(file) for file in files]
            return await self.server.user_sends_files(
                person, files, caption=caption or None, **placement
            )
        file = files[0]
        return await self.server.user_sends_file(
            person,
            file.kind,
            file.content,
            file_name=file.file_name,
            mime_type=file.mime_type,
            caption=caption or None,
            **placement,
        )

    async def edit(self, request: Request) -> Any:
        body = await _body(request)
        person = self.page.person(body.get("as"))
        message = self.server.message(int(body["chat_id"]), int(body["message_id"]))
        if message is None:
            raise PageError("that message is gone")
        if (message.get("from") or {}).get("id") != person.id:
            raise PageError("only its author can edit a message")
        text = str(body.get("text") or "").strip()
        if not text:
            raise PageError("an edit needs the new text")
        if "text" in message:
            edited = await self.server.user_edits(message, text)
        elif "caption" in message or any(kind in message for kind in _CAPTIONED):
            edited = await self.server.user_edits(message, caption=text)
        else:
            raise PageError("this message has no text or caption to edit")
        self.page.changed()
        return edited

    async def press(self, request: Request) -> Any:
        body = await _body(request)
        person = self.page.person(body.get("as"))
        message = self.server.message(int(body["chat_id"]), int(body["message_id"]))
        if message is None:
            raise PageError("that message is gone")
        query_id = await self.server.user_presses(person, message, str(body["data"]))
        return {"query_id": query_id}

    async def add_customer(self, request: Request) -> Any:
        body = await _body(request)
        name = str(body.get("first_name") or "").strip()
        if not name:
            raise PageError("give the customer a name")
        user = self.server.add_user(name[:64])
        self.page.cast.customers.append(user.id)
        self.page.changed()
        return views.people(self.server, self.page.cast)

    async def add_agent(self, request: Request) -> Any:
        body = await _body(request)
        name = str(body.get("first_name") or "").strip()[:64]
        username = str(body.get("username") or "").strip().lower()
        if not name or not USERNAME.fullmatch(username):
            raise PageError(
                "give a name and a username of 3-32 letters, digits or _ (starting with a letter)"
            )
        if username in self.page.cast.agents.values():
            raise PageError(f"there is already an agent {username!r}")
        password = await self.page.create_account(username)
        user = self.server.add_user(name, username=username)
        self.server.chat(self.page.cast.staff_chat_id).add_member(user)
        self.page.cast.agents[user.id] = username
        self.page.changed()
        return {"id": user.id, "username": username, "password": password}

    async def add_fault(self, request: Request) -> Any:
        body = await _body(request)
        kind = str(body.get("kind"))
        if kind not in FAULTS:
            raise PageError(f"kind must be one of {sorted(FAULTS)}")
        count = int(body.get("count") or 1)
        if not 1 <= count <= MAX_FAULT_COUNT:
            raise PageError(f"count must be 1 to {MAX_FAULT_COUNT}")
        options: dict[str, Any] = {**FAULTS[kind]}
        self.server.faults.add(times=count, methods=MESSAGE_SENDING_METHODS, **options)
        return {"ok": True}

    async def clear_faults(self, _request: Request) -> Any:
        self.server.faults.clear()
        return {"ok": True}

    async def block(self, request: Request) -> Any:
        body = await _body(request)
        person = self.page.person(body.get("user_id"))
        person.blocked_bot = bool(body.get("blocked", True))
        self.page.changed()
        return {"ok": True}

    async def delete_topic(self, request: Request) -> Any:
        body = await _body(request)
        thread_id = int(body["thread_id"])
        self.server.delete_topic(self.page.cast.staff_chat_id, thread_id)
        self.page.changed()
        return {"ok": True}

    async def events(self, _request: Request) -> Response:
        return StreamingResponse(
            self.page.events.stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def file(self, request: Request) -> Response:
        stored = self.server.state.files.get(request.path_params["file_id"])
        if stored is None or stored.content is None:
            return Response(status_code=404)
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "max-age=3600"}
        if stored.kind == "photo":
            return Response(stored.content, media_type="image/jpeg", headers=headers)
        # Anything else is a download, never a page of this origin (no stored scripting).
        headers["Content-Disposition"] = "attachment"
        return Response(stored.content, media_type="application/octet-stream", headers=headers)
