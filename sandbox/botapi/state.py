"""The world of the fake Bot API: the bot, users, chats, topics and messages.

Everything here is plain data plus the lookups every method needs (find a chat the bot may
write to, find the thread a message goes to). Message ids are counted per chat, and every
chat starts at its own base (1, 1001, 2001, ...) so a message id used in the wrong chat is
not found by accident.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from sandbox.botapi.errors import bad_request, forbidden
from sandbox.botapi.media import FileRegistry
from sandbox.botapi.sequences import IdSequence
from sandbox.botapi.updates import UpdateQueue

ApiObject = dict[str, Any]
"""A JSON object of the Bot API (a Message, a User, ...)."""

ChatType = Literal["private", "group", "supergroup", "channel"]
MemberStatus = Literal["creator", "administrator", "member", "left", "kicked"]

TOPIC_ICON_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
"""The six colors Telegram allows for topic icons; the first is the default."""

MESSAGE_IDS_PER_CHAT = 1000


def unix_now() -> int:
    """The current time as the Bot API sends dates."""
    return int(time.time())


@dataclass
class FakeUser:
    """A Telegram user (or the bot itself).

    Attributes:
        id: The user id, also the id of the user's private chat with the bot.
        first_name: Shown name.
        username: Without the ``@``.
        last_name: Optional last name.
        language_code: IETF language tag of the user's client.
        is_bot: True only for the bot.
        blocked_bot: The user blocked the bot: sends to them answer 403.
        started_bot: The user has opened a chat with the bot (else the bot may not write).
        hides_forwards: Privacy setting: forwards show only the name, not the account.
    """

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False
    blocked_bot: bool = False
    started_bot: bool = True
    hides_forwards: bool = False

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    def to_api(self) -> ApiObject:
        """The Bot API User object."""
        user: ApiObject = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code and not self.is_bot:
            user["language_code"] = self.language_code
        return user


@dataclass
class FakeTopic:
    """A forum topic.

    Attributes:
        thread_id: ``message_thread_id``: the id of the topic's creation service message.
        name: Topic name.
        icon_color: RGB color of the icon.
        icon_custom_emoji_id: Custom emoji of the icon, if any.
        closed: Closed by closeForumTopic (or a human admin).
        deleted: Deleted; sending into it answers ``message thread not found``.
    """

    thread_id: int
    name: str
    icon_color: int = TOPIC_ICON_COLORS[0]
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False

    def to_api(self) -> ApiObject:
        """The Bot API ForumTopic object."""
        topic: ApiObject = {
            "message_thread_id": self.thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            topic["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return topic


@dataclass
class FakeChat:
    """A chat the bot is in: a private chat, a group or a supergroup (maybe a forum).

    Attributes:
        id: Chat id (users: positive; groups: negative; supergroups: ``-100...``).
        type: ``private``, ``group``, ``supergroup`` or ``channel`` (only seen as the origin
            of a forwarded post).
        title: Group title (None for private chats).
        is_forum: Topics are enabled.
        username: Public ``@username`` of a group, without the ``@``.
        user: The other side of a private chat.
        bot_status: The bot's membership (``administrator`` unless told otherwise).
        bot_can_manage_topics: The bot's admin right to create and edit topics.
        bot_can_delete_messages: The bot's admin right to delete messages (and topics).
        members: Status of each known member, by user id.
        topics: Forum topics by thread id.
    """

    id: int
    type: ChatType
    title: str | None = None
    is_forum: bool = False
    username: str | None = None
    user: FakeUser | None = None
    bot_status: MemberStatus = "administrator"
    bot_can_manage_topics: bool = True
    bot_can_delete_messages: bool = True
    members: dict[int, tuple[FakeUser, MemberStatus]] = field(default_factory=dict)
    topics: dict[int, FakeTopic] = field(default_factory=dict)

    def add_member(self, user: FakeUser, status: MemberStatus = "member") -> None:
        """Make ``user`` a member (or ``administrator``/``creator``) of this group."""
        if self.type == "private":
            raise ValueError("a private chat has no members to add")
        self.members[user.id] = (user, status)

    def remove_member(self, user: FakeUser) -> None:
        """The user left the group."""
        self.members[user.id] = (user, "left")

    def status_of(self, user: FakeUser) -> MemberStatus:
        """The membership status of ``user`` (``left`` when unknown)."""
        if self.user is not None:
            return "member" if user.id == self.user.id else "left"
        return self.members.get(user.id, (user, "left"))[1]

    def live_topic(self, thread_id: int) -> FakeTopic | None:
        """The topic with this thread id unless it does not exist or was deleted."""
        topic = self.topics.get(thread_id)
        return topic if topic is not None and not topic.deleted else None

    def to_api(self) -> ApiObject:
        """The short Chat object carried inside messages."""
        chat: ApiObject = {"id": self.id, "type": self.type}
        if self.user is not None:
            chat["first_name"] = self.user.first_name
            if self.user.last_name:
                chat["last_name"] = self.user.last_name
            if self.user.username:
                chat["username"] = self.user.username
        if self.title is not None:
            chat["title"] = self.title
        if self.username:
            chat["username"] = self.username
        if self.is_forum:
            chat["is_forum"] = True
        return chat


@dataclass
class StoredMessage:
    """A message in a chat, as the Bot API shows it.

    Attributes:
        chat_id: The chat it is in.
        message_id: Its id in that chat.
        data: The Bot API Message object.
        sender_id: The user (or bot) id that sent it.
        is_service: A service message (topic created/closed/...), not content.
    """

    chat_id: int
    message_id: int
    data: ApiObject
    sender_id: int
    is_service: bool = False

    @property
    def topic_id(self) -> int | None:
        """The forum topic it belongs to, or None (General topic, non-forum chats)."""
        if self.data.get("is_topic_message"):
            thread_id = self.data.get("message_thread_id")
            return int(thread_id) if thread_id is not None else None
        return None

    @property
    def thread_id(self) -> int | None:
        """``message_thread_id`` as sent (a topic, or a reply thread outside topics)."""
        thread_id = self.data.get("message_thread_id")
        return int(thread_id) if thread_id is not None else None

    def snapshot(self) -> ApiObject:
        """A deep copy of the Message object, safe to hand out."""
        return copy.deepcopy(self.data)

    def embedded(self) -> ApiObject:
        """The message as carried in ``reply_to_message`` (one level deep, like Telegram)."""
        data = self.snapshot()
        data.pop("reply_to_message", None)
        return data


@dataclass(frozen=True)
class ThreadPlacement:
    """Where in a chat a new message goes.

    Attributes:
        thread_id: ``message_thread_id`` to set, or None.
        is_topic: The thread is a forum topic (sets ``is_topic_message``).
    """

    thread_id: int | None = None
    is_topic: bool = False


class BotApiState:
    """Everything the fake server knows, shared by the methods and the test-side API."""

    def __init__(self, bot: FakeUser, *, strict_html: bool = True) -> None:
        """Start an empty world around ``bot``.

        ``private_topics`` is the bot's BotFather setting "threaded mode": its private chats
        have topics (``getMe`` says ``has_topics_enabled``; the bot may create topics there).
        """
        self.bot = bot
        self.strict_html = strict_html
        self.private_topics = False
        self.users: dict[int, FakeUser] = {bot.id: bot}
        self.chats: dict[int, FakeChat] = {}
        self.messages: dict[int, dict[int, StoredMessage]] = {}
        self.files = FileRegistry()
        self.updates = UpdateQueue()
        self.callback_queries: dict[str, StoredMessage] = {}
        self.callback_answers: dict[str, ApiObject] = {}
        # Reactions on messages: (chat id, message id, who reacted) -> ReactionType objects.
        self.reactions: dict[tuple[int, int, int], list[ApiObject]] = {}
        self.commands: dict[tuple[str, str], list[ApiObject]] = {}
        self.delivered_by_chat: dict[int, int] = {}
        self._next_message_ids: dict[int, IdSequence] = {}
        self._media_group_counter = IdSequence(13_000_000_000_000_000)
        self._callback_counter = IdSequence(4_711_000)

    # Registry -----------------------------------------------------------------------------

    def add_chat(self, chat: FakeChat) -> FakeChat:
        """Register a chat and its message id counter."""
        if chat.id in self.chats:
            raise ValueError(f"chat {chat.id} already exists")
        base = 1 + MESSAGE_IDS_PER_CHAT * len(self.chats)
        self.chats[chat.id] = chat
        self.messages[chat.id] = {}
        self._next_message_ids[chat.id] = IdSequence(base)
        return chat

    def next_message_id(self, chat_id: int) -> int:
        """Allocate the next message id in a chat."""
        return next(self._next_message_ids[chat_id])

    def next_media_group_id(self) -> str:
        """A fresh ``media_group_id``."""
        return str(next(self._media_group_counter))

    def next_callback_query_id(self) -> str:
        """A fresh callback query id."""
        return str(next(self._callback_counter))

    def private_chat(self, user: FakeUser) -> FakeChat:
        """The private chat between ``user`` and the bot (created on first use)."""
        chat = self.chats.get(user.id)
        if chat is None:
            chat = self.add_chat(FakeChat(id=user.id, type="private", user=user))
        return chat

    # Lookups used by methods --------------------------------------------------------------

    def find_chat(self, chat_id: int | str) -> FakeChat | None:
        """The chat with this id or ``@username`` that the bot can see, or None."""
        if isinstance(chat_id, str):
            name = chat_id.removeprefix("@").lower()
            return next(
                (c for c in self.chats.values() if (c.username or "").lower() == name), None
            )
        chat = self.chats.get(chat_id)
        if chat is None or (chat.user is not None and not chat.user.started_bot):
            return None
        return chat

    def chat(self, chat_id: int | str) -> FakeChat:
        """The chat the bot reads or manages.

        Raises:
            ApiError: 400 ``chat not found``.
        """
        chat = self.find_chat(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def chat_to_write(self, chat_id: int | str) -> FakeChat:
        """The chat the bot is about to send into.

        Raises:
            ApiError: 400 ``chat not found``; 403 when the user blocked the bot, never started
                it, or the bot is not in the group.
        """
        chat = self.find_chat(chat_id)
        if chat is None:
            user = self.users.get(chat_id) if isinstance(chat_id, int) else None
            if user is not None and not user.started_bot:
                raise forbidden("bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        if chat.user is not None and chat.user.blocked_bot:
            raise forbidden("bot was blocked by the user")
        if chat.bot_status == "kicked":
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        if chat.bot_status == "left":
            raise forbidden(f"bot is not a member of the {chat.type} chat")
        return chat

    def placement(self, chat: FakeChat, thread_id: int | None) -> ThreadPlacement:
        """Where a bot message with ``message_thread_id=thread_id`` goes.

        Raises:
            ApiError: 400 ``message thread not found`` for a missing or deleted topic (or,
                outside forums, a missing thread root).
        """
        if thread_id is None or thread_id == 0:
            return ThreadPlacement()
        if chat.is_forum or (chat.type == "private" and self.private_topics):
            if chat.live_topic(thread_id) is None:
                raise bad_request("message thread not found")
            return ThreadPlacement(thread_id, is_topic=True)
        if thread_id not in self.messages[chat.id]:
            raise bad_request("message thread not found")
        return ThreadPlacement(thread_id)

    def message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        """A stored message, or None."""
        return self.messages.get(chat_id, {}).get(message_id)

    def store(self, message: StoredMessage) -> StoredMessage:
        """Keep a new message (and count it when the bot sent content)."""
        self.messages[message.chat_id][message.message_id] = message
        if message.sender_id == self.bot.id and not message.is_service:
            count = self.delivered_by_chat.get(message.chat_id, 0)
            self.delivered_by_chat[message.chat_id] = count + 1
        return message

    def chat_history(self, chat_id: int) -> list[StoredMessage]:
        """All messages of a chat, oldest first."""
        return list(self.messages.get(chat_id, {}).values())
