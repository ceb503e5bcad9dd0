"""Forum topic methods: create, edit, close, reopen and delete topics.

They work in forum supergroups (the bot an admin with the right to manage topics) and, when
the bot's private chats have topics (Bot API 9.3–9.4), in a private chat with a user.

Each change posts the service message Telegram posts into the topic
(``forum_topic_created``, ``forum_topic_edited``, ``forum_topic_closed``,
``forum_topic_reopened``). A change that changes nothing answers ``TOPIC_NOT_MODIFIED``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.botapi.errors import bad_request
from sandbox.botapi.methods.editing import ADMIN_STATUSES
from sandbox.botapi.params import RequestParams
from sandbox.botapi.posting import create_topic, post_service_message
from sandbox.botapi.state import TOPIC_ICON_COLORS, ApiObject, BotApiState, FakeChat, FakeTopic

MAX_TOPIC_NAME_LENGTH = 128  # UTF-16 code units, as Telegram counts them


def create_forum_topic(state: BotApiState, params: RequestParams) -> ApiObject:
    """createForumTopic: a new topic; its thread id is the id of its service message."""
    chat = _managed_forum(state, params, action="create a topic")
    name = _topic_name(params.text("name") or "")
    icon_color = params.integer("icon_color") or TOPIC_ICON_COLORS[0]
    if icon_color not in TOPIC_ICON_COLORS:
        raise bad_request("TOPIC_ICON_COLOR_INVALID")
    topic, _ = create_topic(
        state,
        chat=chat,
        creator=state.bot,
        name=name,
        icon_color=icon_color,
        icon_custom_emoji_id=params.text("icon_custom_emoji_id") or None,
    )
    return topic.to_api()


def edit_forum_topic(state: BotApiState, params: RequestParams) -> bool:
    """editForumTopic: rename a topic or change its icon emoji."""
    chat = _managed_forum(state, params, action="manage topics")
    topic = _live_topic(chat, params)
    edited: ApiObject = {}
    name = params.text("name")
    if name is not None and _topic_name(name) != topic.name:
        edited["name"] = topic.name = name
    emoji = params.text("icon_custom_emoji_id")
    if emoji is not None and (emoji or None) != topic.icon_custom_emoji_id:
        topic.icon_custom_emoji_id = emoji or None
        edited["icon_custom_emoji_id"] = emoji
    if not edited:
        raise bad_request("TOPIC_NOT_MODIFIED")
    service = {"forum_topic_edited": edited}
    post_service_message(state, chat=chat, sender=state.bot, topic=topic, service=service)
    return True


def close_forum_topic(state: BotApiState, params: RequestParams) -> bool:
    """closeForumTopic: members can no longer write there (admins and the bot still can)."""
    return _set_closed(state, params, closed=True)


def reopen_forum_topic(state: BotApiState, params: RequestParams) -> bool:
    """reopenForumTopic: open a closed topic again."""
    return _set_closed(state, params, closed=False)


def delete_forum_topic(state: BotApiState, params: RequestParams) -> bool:
    """deleteForumTopic: the topic and all its messages are gone.

    In a group it takes the right to delete messages (Telegram's rule), not to manage topics.
    """
    chat = _forum(state, params)
    if chat.type != "private" and (
        chat.bot_status not in ADMIN_STATUSES or not chat.bot_can_delete_messages
    ):
        raise bad_request("not enough rights to delete topics")
    topic = _live_topic(chat, params)
    topic.deleted = True
    remove_topic_messages(state, chat, topic)
    return True


def remove_topic_messages(state: BotApiState, chat: FakeChat, topic: FakeTopic) -> None:
    """Delete every message of a topic, its service messages included."""
    messages = state.messages[chat.id]
    for message_id in [i for i, m in messages.items() if m.topic_id == topic.thread_id]:
        del messages[message_id]


def _set_closed(state: BotApiState, params: RequestParams, *, closed: bool) -> bool:
    chat = _managed_forum(state, params, action="manage topics")
    topic = _live_topic(chat, params)
    if topic.closed == closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = closed
    service: ApiObject = {"forum_topic_closed" if closed else "forum_topic_reopened": {}}
    post_service_message(state, chat=chat, sender=state.bot, topic=topic, service=service)
    return True


def _forum(state: BotApiState, params: RequestParams) -> FakeChat:
    """The chat of the call, when it has topics (a forum, or a private chat with them on)."""
    chat = state.chat(params.chat_id())
    if chat.type == "private":
        if not state.private_topics:
            raise bad_request("the chat is not a forum")
        return chat
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    return chat


def _managed_forum(state: BotApiState, params: RequestParams, *, action: str) -> FakeChat:
    chat = _forum(state, params)
    if chat.type == "private":
        return chat
    if chat.bot_status not in ADMIN_STATUSES or not chat.bot_can_manage_topics:
        raise bad_request(f"not enough rights to {action}")
    return chat


def _live_topic(chat: FakeChat, params: RequestParams) -> FakeTopic:
    topic = chat.live_topic(params.required_integer("message_thread_id"))
    if topic is None:
        raise bad_request("TOPIC_ID_INVALID")
    return topic


def _topic_name(name: str) -> str:
    """Check a topic name like Telegram: 1–128 UTF-16 code units (an emoji is often two)."""
    units = len(name.encode("utf-16-le")) // 2
    if not 1 <= units <= MAX_TOPIC_NAME_LENGTH:
        raise bad_request("TOPIC_NAME_INVALID")
    if not name.strip():
        raise bad_request("TOPIC_TITLE_EMPTY")
    return name


TOPIC_HANDLERS: dict[str, Callable[[BotApiState, RequestParams], Any]] = {
    "createForumTopic": create_forum_topic,
    "editForumTopic": edit_forum_topic,
    "closeForumTopic": close_forum_topic,
    "reopenForumTopic": reopen_forum_topic,
    "deleteForumTopic": delete_forum_topic,
}
