"""What the page shows, as JSON: the people, each person's chats, a chat's messages, menus.

Pure reads of the local Bot API's world plus the sandbox's cast; nothing here changes it.
"""

from __future__ import annotations

from typing import Any

from sandbox.botapi import FakeBotApi, FakeChat, FakeUser
from sandbox.botapi.state import StoredMessage
from sandbox.persistence import Cast

SPOILER_BLOT = "░"
"""What stands for each character of a spoiler in a chat's preview line."""
GENERAL = "general"
"""The thread value the page uses for a forum's General topic."""


def people(server: FakeBotApi, cast: Cast) -> dict[str, Any]:
    """The bot, and every person the page can act as (agents first, then customers)."""
    state = server.state
    listed = [_person(state.users[user_id], "agent", cast) for user_id in cast.agents]
    listed += [_person(state.users[user_id], "customer", cast) for user_id in cast.customers]
    return {
        "bot": state.bot.to_api(),
        "staff_chat_id": cast.staff_chat_id,
        "people": listed,
    }


def _person(user: FakeUser, role: str, cast: Cast) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.full_name,
        "username": user.username,
        "role": role,
        "account": cast.agents.get(user.id),
        "blocked_bot": user.blocked_bot,
    }


def chats_of(server: FakeBotApi, person: FakeUser) -> list[dict[str, Any]]:
    """The chats ``person`` sees: their chat with the bot, then the groups they are in."""
    state = server.state
    listed = [_private_chat(server, state.private_chat(person))]
    for chat in state.chats.values():
        if chat.type in {"group", "supergroup"} and chat.status_of(person) in {
            "creator",
            "administrator",
            "member",
        }:
            listed.append(_group_chat(server, chat))
    return listed


def _private_chat(server: FakeBotApi, chat: FakeChat) -> dict[str, Any]:
    return {
        "id": chat.id,
        "kind": "private",
        "title": server.bot.first_name,
        "last": _last_line(server, chat.id, None),
    }


def _group_chat(server: FakeBotApi, chat: FakeChat) -> dict[str, Any]:
    topics = [
        {
            "thread_id": topic.thread_id,
            "name": topic.name,
            "icon_color": topic.icon_color,
            "closed": topic.closed,
            "deleted": topic.deleted,
            "last": None if topic.deleted else _last_line(server, chat.id, topic.thread_id),
        }
        for topic in reversed(list(chat.topics.values()))
    ]
    return {
        "id": chat.id,
        "kind": "forum" if chat.is_forum else "group",
        "title": chat.title,
        "topics": topics,
        "last": _last_line(server, chat.id, GENERAL if chat.is_forum else None),
    }


def _last_line(server: FakeBotApi, chat_id: int, thread: int | str | None) -> str:
    last = next(
        (m.data for m in reversed(server.state.chat_history(chat_id)) if _in_thread(m, thread)),
        None,
    )
    if last is None:
        return ""
    text = str(last.get("text") or last.get("caption") or "")
    entities = last.get("entities") or last.get("caption_entities") or []
    text = hide_spoilers(text, entities)
    if not text:
        kind = next((k for k in ("photo", "document", "sticker", "voice") if k in last), "")
        text = {"photo": "Photo", "document": "File", "sticker": "Sticker", "voice": "Voice"}.get(
            kind, "Service message"
        )
    return text[:80]


def hide_spoilers(text: str, entities: list[dict[str, Any]]) -> str:
    """``text`` with its spoilers blotted out, as a chat list's preview shows them.

    Entity offsets count UTF-16 code units, so the text is cut in UTF-16.
    """
    spoilers = [entity for entity in entities if entity.get("type") == "spoiler"]
    if not spoilers:
        return text
    units = bytearray(text.encode("utf-16-le"))
    blot = SPOILER_BLOT.encode("utf-16-le")
    for entity in spoilers:
        start, length = int(entity["offset"]), int(entity["length"])
        units[start * 2 : (start + length) * 2] = blot * length
    return units.decode("utf-16-le", errors="replace")


def messages_in(server: FakeBotApi, chat_id: int, thread: int | str | None) -> list[Any]:
    """A chat's messages, oldest first, service messages included.

    Args:
        server: The world.
        chat_id: The chat.
        thread: A forum topic's thread id, :data:`GENERAL` for a forum's General topic, or
            None for the whole chat.
    """
    return [m.snapshot() for m in server.state.chat_history(chat_id) if _in_thread(m, thread)]


def _in_thread(message: StoredMessage, thread: int | str | None) -> bool:
    if thread is None:
        return True
    if thread == GENERAL:
        return not message.data.get("is_topic_message")
    return message.topic_id == int(thread)


def command_menu(server: FakeBotApi, person: FakeUser, chat: FakeChat) -> list[dict[str, Any]]:
    """The bot's command menu as Telegram shows it to ``person`` in ``chat``.

    The narrowest scope with commands wins (chat member, chat, all private or group chats,
    default), in the person's language first and then without a language.
    """
    scopes: list[dict[str, Any]]
    if chat.type == "private":
        scopes = [{"type": "chat", "chat_id": chat.id}, {"type": "all_private_chats"}]
    else:
        scopes = [
            {"type": "chat_member", "chat_id": chat.id, "user_id": person.id},
            {"type": "chat", "chat_id": chat.id},
            {"type": "all_group_chats"},
        ]
        if chat.status_of(person) in {"creator", "administrator"}:
            scopes.insert(1, {"type": "chat_administrators", "chat_id": chat.id})
            scopes.append({"type": "all_chat_administrators"})
    candidates: list[dict[str, Any] | None] = [*scopes, None]
    for scope in candidates:
        for language in dict.fromkeys((person.language_code or "", "")):
            menu = server.commands(scope, language)
            if menu:
                return menu
    return []
