"""Saving the sandbox's Telegram world to its directory, and bringing it back.

``world.json`` holds the people, chats, topics, messages, the bot's command menus, the
updates the desk has not confirmed yet and every id sequence, so that a restarted world goes
on where it stopped, in step with the desk's own database next to it. File contents live in
``files/`` (one file per file id, written once). Saves are atomic: a new file is written
and renamed over the old one, so a crash leaves the previous save intact.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sandbox.botapi import FakeBotApi, FakeChat, FakeTopic, FakeUser
from sandbox.botapi.media import StoredFile
from sandbox.botapi.sequences import IdSequence
from sandbox.botapi.state import StoredMessage

FORMAT = 1
WORLD_FILE = "world.json"
FILES_DIR = "files"


class WorldFileError(Exception):
    """Raised when the saved world cannot be read; the message names the file."""


@dataclass
class Cast:
    """Who is who in the sandbox (the Telegram world itself does not know roles).

    Attributes:
        staff_chat_id: The staff forum (the desk's ``STAFF_CHAT_ID``).
        customers: User ids of the customers, in the order they were added.
        agents: Agent account name by Telegram user id.
    """

    staff_chat_id: int
    customers: list[int] = field(default_factory=list)
    agents: dict[int, str] = field(default_factory=dict)


class WorldStore:
    """The saved world in one directory."""

    def __init__(self, directory: Path) -> None:
        """Keep the world in ``directory`` (``world.json`` and ``files/``)."""
        self.directory = directory
        self.path = directory / WORLD_FILE
        self.files_dir = directory / FILES_DIR
        self._last_saved: str | None = None

    def exists(self) -> bool:
        """A world was saved here before."""
        return self.path.exists()

    def save(self, server: FakeBotApi, cast: Cast) -> bool:
        """Write the world (atomically) and new file contents, unless nothing changed.

        Returns:
            Whether anything was written.
        """
        text = json.dumps(snapshot(server, cast), ensure_ascii=False)
        if text == self._last_saved:
            return False
        self.files_dir.mkdir(parents=True, exist_ok=True)
        for stored in server.state.files._files.values():
            blob = self.files_dir / _blob_name(stored.file_id)
            if stored.content is not None and not blob.exists():
                blob.write_bytes(stored.content)
        temporary = self.path.with_suffix(".json.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, self.path)
        self._last_saved = text
        return True

    def load(self, server: FakeBotApi) -> Cast:
        """Fill the (empty) ``server`` with the saved world and return the cast.

        Raises:
            WorldFileError: The file is unreadable, not JSON, or not a saved world.
        """
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise WorldFileError(f"{self.path} cannot be read: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise WorldFileError(f"{self.path} is not a sandbox world (format {FORMAT})")
        try:
            cast = restore(server, data, self.files_dir)
        except (KeyError, TypeError, ValueError, AttributeError, OSError) as exc:
            raise WorldFileError(f"{self.path} is damaged ({type(exc).__name__}: {exc})") from None
        self._last_saved = json.dumps(snapshot(server, cast), ensure_ascii=False)
        return cast


def snapshot(server: FakeBotApi, cast: Cast) -> dict[str, Any]:
    """The world as one JSON-ready dict."""
    state = server.state
    return {
        "format": FORMAT,
        "cast": {
            "staff_chat_id": cast.staff_chat_id,
            "customers": cast.customers,
            "agents": {str(user_id): name for user_id, name in cast.agents.items()},
        },
        "sequences": {
            "users": server._user_ids.next_value,
            "supergroups": server._supergroup_ids.next_value,
            "groups": server._group_ids.next_value,
            "media_groups": state._media_group_counter.next_value,
            "callbacks": state._callback_counter.next_value,
            "files": state.files._counter.next_value,
            "updates": state.updates._ids.next_value,
        },
        "users": [asdict(user) for user in state.users.values() if user.id != state.bot.id],
        "chats": [
            _chat_json(chat, state._next_message_ids[chat.id]) for chat in state.chats.values()
        ],
        "messages": [
            [m.chat_id, m.message_id, m.data, m.sender_id, m.is_service]
            for chat_messages in state.messages.values()
            for m in chat_messages.values()
        ],
        "files": [_file_json(stored) for stored in state.files._files.values()],
        "pending_updates": state.updates.pending,
        "callback_queries": {
            query_id: [m.chat_id, m.message_id] for query_id, m in state.callback_queries.items()
        },
        "callback_answers": state.callback_answers,
        "commands": [[scope, language, menu] for (scope, language), menu in state.commands.items()],
        "delivered_by_chat": {str(chat_id): n for chat_id, n in state.delivered_by_chat.items()},
    }


def restore(server: FakeBotApi, data: dict[str, Any], files_dir: Path) -> Cast:
    """Put a :func:`snapshot` back into an empty ``server``; return the cast."""
    state = server.state
    sequences = data["sequences"]
    server._user_ids = IdSequence(int(sequences["users"]))
    server._supergroup_ids = IdSequence(int(sequences["supergroups"]), -1)
    server._group_ids = IdSequence(int(sequences["groups"]), -1)
    state._media_group_counter = IdSequence(int(sequences["media_groups"]))
    state._callback_counter = IdSequence(int(sequences["callbacks"]))
    state.files._counter = IdSequence(int(sequences["files"]))
    state.updates._ids = IdSequence(int(sequences["updates"]))
    for user in data["users"]:
        state.users[int(user["id"])] = FakeUser(**user)
    for chat in data["chats"]:
        _restore_chat(server, chat)
    for chat_id, message_id, message, sender_id, is_service in data["messages"]:
        stored = StoredMessage(int(chat_id), int(message_id), dict(message), int(sender_id))
        stored.is_service = bool(is_service)
        state.messages[stored.chat_id][stored.message_id] = stored
    for entry in data["files"]:
        _restore_file(server, entry, files_dir)
    for update in data["pending_updates"]:
        if not isinstance(update, dict) or "update_id" not in update:
            raise ValueError("a pending update has no update_id")
        state.updates._pending.append(update)
        state.updates._history.append(update)
    for query_id, (chat_id, message_id) in data["callback_queries"].items():
        message = state.message(int(chat_id), int(message_id))
        if message is not None:
            state.callback_queries[str(query_id)] = message
    state.callback_answers.update(data["callback_answers"])
    for scope, language, menu in data["commands"]:
        state.commands[str(scope), str(language)] = list(menu)
    for chat_id, count in data["delivered_by_chat"].items():
        state.delivered_by_chat[int(chat_id)] = int(count)
    cast = data["cast"]
    return Cast(
        staff_chat_id=int(cast["staff_chat_id"]),
        customers=[int(user_id) for user_id in cast["customers"]],
        agents={int(user_id): str(name) for user_id, name in cast["agents"].items()},
    )


def _chat_json(chat: FakeChat, next_ids: IdSequence) -> dict[str, Any]:
    return {
        "id": chat.id,
        "type": chat.type,
        "title": chat.title,
        "is_forum": chat.is_forum,
        "username": chat.username,
        "user_id": chat.user.id if chat.user is not None else None,
        "bot_status": chat.bot_status,
        "bot_can_manage_topics": chat.bot_can_manage_topics,
        "bot_can_delete_messages": chat.bot_can_delete_messages,
        "members": [[user.id, status] for user, status in chat.members.values()],
        "topics": [asdict(topic) for topic in chat.topics.values()],
        "next_message_id": next_ids.next_value,
    }


def _restore_chat(server: FakeBotApi, entry: dict[str, Any]) -> None:
    state = server.state
    user_id = entry["user_id"]
    chat = FakeChat(
        id=int(entry["id"]),
        type=entry["type"],
        title=entry["title"],
        is_forum=bool(entry["is_forum"]),
        username=entry["username"],
        user=state.users[int(user_id)] if user_id is not None else None,
        bot_status=entry["bot_status"],
        bot_can_manage_topics=bool(entry["bot_can_manage_topics"]),
        # Worlds saved before the right was modelled had it.
        bot_can_delete_messages=bool(entry.get("bot_can_delete_messages", True)),
    )
    for member_id, status in entry["members"]:
        chat.members[int(member_id)] = (state.users[int(member_id)], status)
    for topic in entry["topics"]:
        restored = FakeTopic(**topic)
        chat.topics[restored.thread_id] = restored
    state.add_chat(chat)
    state._next_message_ids[chat.id] = IdSequence(int(entry["next_message_id"]))


def _file_json(stored: StoredFile) -> dict[str, Any]:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "kind": stored.kind,
        "file_size": stored.file_size,
        "file_path": stored.file_path,
        "has_content": stored.content is not None,
        "media": stored.media,
    }


def _restore_file(server: FakeBotApi, entry: dict[str, Any], files_dir: Path) -> None:
    content = None
    if entry["has_content"]:
        content = (files_dir / _blob_name(str(entry["file_id"]))).read_bytes()
    stored = StoredFile(
        file_id=str(entry["file_id"]),
        file_unique_id=str(entry["file_unique_id"]),
        kind=str(entry["kind"]),
        file_size=int(entry["file_size"]),
        file_path=str(entry["file_path"]),
        content=content,
        media=entry["media"],
    )
    server.state.files._files[stored.file_id] = stored


def _blob_name(file_id: str) -> str:
    """A safe file name for a file id (ids are ours, but never trust a path from data)."""
    return base64.urlsafe_b64encode(file_id.encode()).decode().rstrip("=")
