"""Putting new messages into chats, with the envelope Telegram adds around the content.

Both sides use it: the bot's send methods and the test-side ``user_sends``. A message in a
forum topic carries ``message_thread_id`` and ``is_topic_message`` and, unless it is an
explicit reply, ``reply_to_message`` = the topic's creation service message, as Telegram does.
"""

from __future__ import annotations

from typing import Any

from sandbox.botapi.errors import bad_request
from sandbox.botapi.params import MEDIA_KINDS, RequestParams
from sandbox.botapi.state import (
    ApiObject,
    BotApiState,
    FakeChat,
    FakeTopic,
    FakeUser,
    StoredMessage,
    ThreadPlacement,
    unix_now,
)

CONTENT_FIELDS = (
    "text",
    "entities",
    "link_preview_options",
    *MEDIA_KINDS,
    "location",
    "venue",
    "contact",
    "caption",
    "caption_entities",
    "has_media_spoiler",
    "show_caption_above_media",
)
"""Message fields that make up its content (what copyMessage copies)."""


def post_message(
    state: BotApiState,
    *,
    chat: FakeChat,
    sender: FakeUser,
    content: ApiObject,
    placement: ThreadPlacement | None = None,
    reply_to: StoredMessage | None = None,
    reply_markup: ApiObject | None = None,
    media_group_id: str | None = None,
    extra: ApiObject | None = None,
    is_service: bool = False,
) -> StoredMessage:
    """Create, store and return a message.

    Args:
        state: The world to post into.
        chat: Target chat.
        sender: Who sends it (the bot or a user).
        content: The content fields (``text``/``entities``, a media field, ``caption``...).
        placement: Topic or reply thread, from :meth:`BotApiState.placement`.
        reply_to: An explicit reply target in the same chat.
        reply_markup: Inline keyboard to attach (already validated).
        media_group_id: Album id shared by the messages of one album.
        extra: Further envelope fields (``forward_origin``, ``edit_date``...).
        is_service: A service message (topic created, closed...).
    """
    placement = placement or ThreadPlacement()
    message_id = state.next_message_id(chat.id)
    data: ApiObject = {
        "message_id": message_id,
        "from": sender.to_api(),
        "chat": chat.to_api(),
        "date": unix_now(),
    }
    if placement.thread_id is not None:
        data["message_thread_id"] = placement.thread_id
        if placement.is_topic:
            data["is_topic_message"] = True
    root = reply_to
    if root is None and placement.is_topic and placement.thread_id is not None:
        root = state.message(chat.id, placement.thread_id)
    if root is not None:
        data["reply_to_message"] = root.embedded()
    if media_group_id is not None:
        data["media_group_id"] = media_group_id
    data.update(extra or {})
    data.update(content)
    if reply_markup is not None:
        data["reply_markup"] = reply_markup
    return state.store(StoredMessage(chat.id, message_id, data, sender.id, is_service))


def create_topic(
    state: BotApiState,
    *,
    chat: FakeChat,
    creator: FakeUser,
    name: str,
    icon_color: int,
    icon_custom_emoji_id: str | None = None,
) -> tuple[FakeTopic, StoredMessage]:
    """Open a forum topic: its ``forum_topic_created`` message id is the thread id."""
    thread_id = state.next_message_id(chat.id)
    created: ApiObject = {"name": name, "icon_color": icon_color}
    if icon_custom_emoji_id:
        created["icon_custom_emoji_id"] = icon_custom_emoji_id
    data: ApiObject = {
        "message_id": thread_id,
        "from": creator.to_api(),
        "chat": chat.to_api(),
        "date": unix_now(),
        "message_thread_id": thread_id,
        "is_topic_message": True,
        "forum_topic_created": created,
    }
    message = state.store(StoredMessage(chat.id, thread_id, data, creator.id, is_service=True))
    topic = FakeTopic(thread_id, name, icon_color, icon_custom_emoji_id)
    chat.topics[thread_id] = topic
    return topic, message


def post_service_message(
    state: BotApiState, *, chat: FakeChat, sender: FakeUser, topic: FakeTopic, service: ApiObject
) -> StoredMessage:
    """Post a service message such as ``forum_topic_closed`` into a topic."""
    return post_message(
        state,
        chat=chat,
        sender=sender,
        content=service,
        placement=ThreadPlacement(topic.thread_id, is_topic=True),
        is_service=True,
    )


def message_content(message: StoredMessage) -> ApiObject:
    """The content fields of a message, as copyMessage copies them."""
    return {key: value for key, value in message.snapshot().items() if key in CONTENT_FIELDS}


def reply_target(state: BotApiState, chat: FakeChat, params: RequestParams) -> StoredMessage | None:
    """The message a bot message replies to (``reply_parameters`` or ``reply_to_message_id``).

    Raises:
        ApiError: 400 ``message to be replied not found`` unless sending without a reply is
            allowed.
    """
    reply: dict[str, Any] = params.json_object("reply_parameters") or {}
    message_id = reply.get("message_id", params.integer("reply_to_message_id"))
    if message_id is None:
        return None
    allow_without = bool(
        reply.get("allow_sending_without_reply", params.flag("allow_sending_without_reply"))
    )
    reply_chat = chat
    if reply.get("chat_id") not in (None, chat.id):
        reply_chat = state.chat(reply["chat_id"])
    target = state.message(reply_chat.id, int(message_id))
    if target is None and not allow_without:
        raise bad_request("message to be replied not found")
    return target
