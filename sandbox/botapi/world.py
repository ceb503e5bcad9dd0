"""TelegramWorld: the people, chats and topics around the bot, and what happened in them.

The test-side half of :class:`~sandbox.botapi.server.FakeBotApi`, without HTTP: build
the world (users, groups, forums, topics), act as users (write, send albums, edit, press
buttons) and look at the result (messages per chat and topic, topics, button answers).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sandbox.botapi.methods.chats import commands_key
from sandbox.botapi.methods.topics import remove_topic_messages
from sandbox.botapi.params import RequestParams
from sandbox.botapi.posting import create_topic
from sandbox.botapi.sequences import IdSequence
from sandbox.botapi.state import (
    TOPIC_ICON_COLORS,
    ApiObject,
    BotApiState,
    FakeChat,
    FakeTopic,
    FakeUser,
    MemberStatus,
)
from sandbox.botapi.user_actions import MAX_ALBUM_ITEMS, SentFile, UserActions

ChatRef = FakeChat | FakeUser | int
"""A chat given as the chat, the user of a private chat, or the chat id."""


class TelegramWorld:
    """Users, chats and messages around one bot, driven and inspected from tests."""

    def __init__(self, bot: FakeUser, *, strict_html: bool = True) -> None:
        """An empty world around ``bot``.

        Args:
            bot: The bot's own user.
            strict_html: Also reject bare ``&`` in HTML (see ``html_check``).
        """
        self.bot = bot
        self.state = BotApiState(bot, strict_html=strict_html)
        self._user_actions = UserActions(self.state)
        self._user_ids = IdSequence(7_000_001)
        self._supergroup_ids = IdSequence(-1_001_000_000_001, -1)
        self._group_ids = IdSequence(-4_000_001, -1)

    # Building the world -------------------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        *,
        username: str | None = None,
        last_name: str | None = None,
        id: int | None = None,
        language_code: str | None = "en",
        started_bot: bool = True,
        hides_forwards: bool = False,
    ) -> FakeUser:
        """A new user; unless ``started_bot=False`` they have opened a chat with the bot."""
        user = FakeUser(
            id if id is not None else next(self._user_ids),
            first_name,
            username=username,
            last_name=last_name,
            language_code=language_code,
            started_bot=started_bot,
            hides_forwards=hides_forwards,
        )
        if user.id in self.state.users:
            raise ValueError(f"user {user.id} already exists")
        self.state.users[user.id] = user
        self.state.private_chat(user)
        return user

    def add_group(
        self,
        title: str,
        *,
        forum: bool = False,
        supergroup: bool = True,
        id: int | None = None,
        username: str | None = None,
        bot_status: MemberStatus = "administrator",
        bot_can_manage_topics: bool = True,
        bot_can_delete_messages: bool = True,
    ) -> FakeChat:
        """A group the bot is in (an admin unless ``bot_status`` says otherwise)."""
        if forum and not supergroup:
            raise ValueError("only supergroups can be forums")
        ids = self._supergroup_ids if supergroup else self._group_ids
        chat = FakeChat(
            id if id is not None else next(ids),
            "supergroup" if supergroup else "group",
            title=title,
            is_forum=forum,
            username=username,
            bot_status=bot_status,
            bot_can_manage_topics=bot_can_manage_topics,
            bot_can_delete_messages=bot_can_delete_messages,
        )
        return self.state.add_chat(chat)

    def add_channel(
        self, title: str, *, username: str | None = None, id: int | None = None
    ) -> FakeChat:
        """A channel the bot is not in: users forward its posts (see ``forwarded_from``)."""
        chat = FakeChat(
            id if id is not None else next(self._supergroup_ids),
            "channel",
            title=title,
            username=username,
            bot_status="left",
        )
        return self.state.add_chat(chat)

    def add_forum(self, title: str, **options: Any) -> FakeChat:
        """A forum supergroup where the bot is an admin that can manage topics."""
        return self.add_group(title, forum=True, **options)

    def add_topic(self, forum: ChatRef, name: str, *, creator: FakeUser | None = None) -> FakeTopic:
        """A topic created by a person (no update is sent to the bot)."""
        chat = self.chat(forum)
        if not chat.is_forum:
            raise ValueError(f"{chat.title!r} is not a forum")
        topic, _ = create_topic(
            self.state,
            chat=chat,
            creator=creator or self.bot,
            name=name,
            icon_color=TOPIC_ICON_COLORS[0],
        )
        return topic

    def block_bot(self, user: FakeUser) -> None:
        """The user blocks the bot: sends to them answer 403."""
        user.blocked_bot = True

    def unblock_bot(self, user: FakeUser) -> None:
        """The user unblocks the bot."""
        user.blocked_bot = False

    def delete_topic(self, forum: ChatRef, thread_id: int) -> None:
        """A person deletes a topic: sends into it answer ``message thread not found``."""
        topic = self.topic(forum, thread_id)
        topic.deleted = True
        remove_topic_messages(self.state, self.chat(forum), topic)

    def close_topic(self, forum: ChatRef, thread_id: int, *, closed: bool = True) -> None:
        """A person closes (or, with ``closed=False``, reopens) a topic; no update is sent."""
        self.topic(forum, thread_id).closed = closed

    def set_private_topics(self, enabled: bool) -> None:
        """Turn "threaded mode" of the bot's private chats on or off (as in BotFather).

        ``getMe`` says ``has_topics_enabled``; the bot may create, close and reopen topics in
        private chats. Topics made before it was turned off stay in the users' chats.
        """
        self.state.private_topics = enabled

    # Acting as users ----------------------------------------------------------------------

    async def user_sends(
        self,
        user: FakeUser,
        text: str | None = None,
        *,
        chat: ChatRef | None = None,
        thread_id: int | None = None,
        reply_to: int | ApiObject | None = None,
        entities: list[ApiObject] | None = None,
        caption: str | None = None,
        photo: bool = False,
        document: bool | str = False,
        video: bool = False,
        audio: bool = False,
        voice: bool = False,
        animation: bool = False,
        video_note: bool = False,
        sticker: bool | str = False,
        location: tuple[float, float] | None = None,
        contact: tuple[str, str] | None = None,
        venue: tuple[float, float, str, str] | None = None,
        forwarded_from: FakeUser | FakeChat | None = None,
        forward_date: int | None = None,
        forward_signature: str | None = None,
    ) -> ApiObject:
        """The user sends one message; the bot gets a ``message`` update.

        Args:
            user: The sender.
            text: Plain text (``/commands`` get a ``bot_command`` entity).
            chat: A group; None for the private chat with the bot.
            thread_id: Forum topic to write in (the message replies to the topic's root).
            reply_to: Message (or id) to reply to explicitly.
            entities: Explicit text entities instead of the detected commands.
            caption: Caption for the media.
            photo: Send a new photo.
            document: Send a document (a string gives its file name).
            video: Send a video.
            audio: Send an audio file.
            voice: Send a voice note.
            animation: Send a GIF animation.
            video_note: Send a round video.
            sticker: Send a sticker (a string gives its emoji).
            location: ``(latitude, longitude)``.
            contact: ``(phone_number, first_name)``.
            venue: ``(latitude, longitude, title, address)``.
            forwarded_from: The user forwards this content, first written by this user, group
                or channel: the message carries ``forward_origin``.
            forward_date: When the original was sent (unix time); now by default.
            forward_signature: The original's author signature (channel posts, anonymous
                admins).

        Returns:
            The Message as stored (and as delivered to the bot).
        """
        media: dict[str, dict[str, Any]] = {}
        flags = {"photo": photo, "video": video, "audio": audio, "voice": voice}
        flags.update(animation=animation, video_note=video_note)
        media.update({kind: {} for kind, wanted in flags.items() if wanted})
        if document:
            media["document"] = {"file_name": document} if isinstance(document, str) else {}
        if sticker:
            media["sticker"] = {"emoji": sticker} if isinstance(sticker, str) else {}
        if len(media) > 1:
            raise ValueError("one message carries one kind of media; use user_sends_album")
        content = self._user_actions.content(
            text=text,
            entities=entities,
            caption=caption,
            media=media or None,
            location=location,
            contact=contact,
            venue=venue,
        )
        origin = None
        if forwarded_from is not None:
            origin = self._user_actions.forward_origin(
                forwarded_from, date=forward_date, author_signature=forward_signature
            )
        message = self._user_actions.send(
            user,
            content,
            chat=self.chat(chat) if chat is not None else None,
            thread_id=thread_id,
            reply_to=reply_to,
            forward_origin=origin,
        )
        await asyncio.sleep(0)
        return message.snapshot()

    async def user_adds_bot(self, user: FakeUser, title: str) -> FakeChat:
        """The user makes a new group and adds the bot: it gets the ``new_chat_members``
        service message, as Telegram sends it even to bots in privacy mode.

        Returns:
            The group (the bot is a plain member).
        """
        chat = self.add_group(title, bot_status="member")
        chat.add_member(user, "creator")
        self._user_actions.send(user, {"new_chat_members": [self.bot.to_api()]}, chat=chat)
        await asyncio.sleep(0)
        return chat

    async def user_sends_file(
        self,
        user: FakeUser,
        kind: str,
        content: bytes,
        *,
        file_name: str,
        mime_type: str,
        caption: str | None = None,
        chat: ChatRef | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> ApiObject:
        """The user sends a real file (``photo`` or ``document``) with these bytes.

        Returns:
            The Message as stored (and as delivered to the bot).
        """
        options: dict[str, Any] = {"content": content}
        if kind != "photo":
            options.update(file_name=file_name, mime_type=mime_type)
        message = self._user_actions.send(
            user,
            self._user_actions.content(media={kind: options}, caption=caption or None),
            chat=self.chat(chat) if chat is not None else None,
            thread_id=thread_id,
            reply_to=reply_to,
        )
        await asyncio.sleep(0)
        return message.snapshot()

    async def user_sends_files(
        self,
        user: FakeUser,
        files: Sequence[SentFile],
        *,
        caption: str | None = None,
        chat: ChatRef | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> list[ApiObject]:
        """The user sends 2 to 10 real files as one album (one update each, one shared id).

        The caption goes on the first item, as Telegram's apps put it; the reply, if any,
        too.

        Returns:
            The Messages as stored (and as delivered to the bot).
        """
        if not 2 <= len(files) <= MAX_ALBUM_ITEMS:
            raise ValueError(f"an album has 2 to {MAX_ALBUM_ITEMS} items")
        media_group_id = self.state.next_media_group_id()
        sent = []
        for index, file in enumerate(files):
            options: dict[str, Any] = {"content": file.content}
            if file.kind != "photo":
                options.update(file_name=file.file_name, mime_type=file.mime_type)
            content = self._user_actions.content(
                media={file.kind: options}, caption=(caption or None) if index == 0 else None
            )
            message = self._user_actions.send(
                user,
                content,
                chat=self.chat(chat) if chat is not None else None,
                thread_id=thread_id,
                reply_to=reply_to if index == 0 else None,
                media_group_id=media_group_id,
            )
            sent.append(message.snapshot())
        await asyncio.sleep(0)
        return sent

    async def user_sends_album(
        self,
        user: FakeUser,
        *,
        count: int = 2,
        kind: str = "photo",
        captions: list[str | None] | None = None,
        chat: ChatRef | None = None,
        thread_id: int | None = None,
    ) -> list[ApiObject]:
        """The user sends an album: ``count`` updates sharing one ``media_group_id``."""
        messages = self._user_actions.send_album(
            user,
            kind=kind,
            count=count,
            captions=captions or (),
            chat=self.chat(chat) if chat is not None else None,
            thread_id=thread_id,
        )
        await asyncio.sleep(0)
        return [message.snapshot() for message in messages]

    async def user_edits(
        self,
        message: ApiObject,
        text: str | None = None,
        *,
        caption: str | None = None,
        entities: list[ApiObject] | None = None,
        media: str | None = None,
    ) -> ApiObject:
        """The author edits their message (its text, caption, or media: ``media="photo"``
        puts a new photo in); the bot gets an ``edited_message`` update."""
        edited = self._user_actions.edit(
            message, text=text, caption=caption, entities=entities, media=media
        )
        await asyncio.sleep(0)
        return edited.snapshot()

    async def user_reacts(self, user: FakeUser, message: ApiObject, *emoji: str) -> ApiObject:
        """The user sets their reactions on a message (none: takes them off); the bot gets a
        ``message_reaction`` update (in a group only as an admin).

        Returns:
            The MessageReactionUpdated object queued.
        """
        update = self._user_actions.react(user, message, emoji)
        await asyncio.sleep(0)
        return update

    def reactions_on(
        self, chat: ChatRef, message_id: int, who: FakeUser | None = None
    ) -> list[str]:
        """The emoji on a message, by one person (the bot by default)."""
        who_id = who.id if who is not None else self.bot.id
        found = self.state.reactions.get((self.chat_id(chat), message_id, who_id), [])
        return [str(r.get("emoji") or r.get("custom_emoji_id")) for r in found]

    async def user_presses(
        self,
        user: FakeUser,
        message: ApiObject,
        data: str | None = None,
        *,
        button_text: str | None = None,
        check_button: bool = True,
    ) -> str:
        """The user presses an inline button (by callback data or label).

        Returns:
            The callback query id; see :meth:`callback_answer`.
        """
        query_id = self._user_actions.press(
            user, message, data, button_text=button_text, check_button=check_button
        )
        await asyncio.sleep(0)
        return query_id

    def deliver_again(self, update_id: int) -> int:
        """Queue an update's payload again under a new update id (a duplicate delivery).

        Returns:
            The new update id; the payload (and so the message id) is the same.
        """
        update = self.state.updates.find(update_id)
        if update is None:
            raise ValueError(f"no update {update_id}")
        kind = next(key for key in update if key != "update_id")
        return int(self.state.updates.push(kind, update[kind])["update_id"])

    def inject_raw_update(self, kind: str, payload: dict[str, Any]) -> ApiObject:
        """Queue an update exactly as given, however malformed (version skew, hostile input).

        Nothing is checked or stored: the bot gets ``{"update_id": N, kind: payload}``.

        Returns:
            The update as queued, with its id.
        """
        return self.state.updates.push(kind, payload)

    # Looking at what happened -------------------------------------------------------------

    def chat_messages(
        self, chat: ChatRef, thread_id: int | None = None, *, include_service: bool = False
    ) -> list[ApiObject]:
        """Messages of a chat (or of one forum topic), oldest first, from anyone."""
        return [
            message.snapshot()
            for message in self.state.chat_history(self.chat_id(chat))
            if (include_service or not message.is_service)
            and (thread_id is None or message.topic_id == thread_id)
        ]

    def bot_messages(self, chat: ChatRef, thread_id: int | None = None) -> list[ApiObject]:
        """Messages the bot sent into a chat (or topic), oldest first."""
        return [
            message
            for message in self.chat_messages(chat, thread_id)
            if message["from"]["id"] == self.bot.id
        ]

    def last_bot_message(self, chat: ChatRef, thread_id: int | None = None) -> ApiObject | None:
        """The newest message the bot sent into a chat (or topic), or None."""
        messages = self.bot_messages(chat, thread_id)
        return messages[-1] if messages else None

    def message(self, chat: ChatRef, message_id: int) -> ApiObject | None:
        """One message as it is now (edits applied), or None if missing or deleted."""
        stored = self.state.message(self.chat_id(chat), message_id)
        return stored.snapshot() if stored is not None else None

    def topics(self, forum: ChatRef) -> list[FakeTopic]:
        """All topics of a forum, oldest first, deleted ones included (see ``deleted``)."""
        return list(self.chat(forum).topics.values())

    def topic(self, forum: ChatRef, thread_id: int) -> FakeTopic:
        """One topic of a forum (live object: ``name``, ``closed``, ``deleted``)."""
        topic = self.chat(forum).topics.get(thread_id)
        if topic is None:
            raise ValueError(f"chat {self.chat_id(forum)} has no topic {thread_id}")
        return topic

    def callback_answer(self, query_id: str) -> ApiObject | None:
        """The answerCallbackQuery parameters given for a press, or None if unanswered."""
        return self.state.callback_answers.get(query_id)

    def commands(self, scope: ApiObject | None = None, language_code: str = "") -> list[ApiObject]:
        """The bot's command menu for a scope (default scope when None) and language."""
        params: dict[str, Any] = {"language_code": language_code}
        if scope is not None:
            params["scope"] = scope
        return list(self.state.commands.get(commands_key(RequestParams(params)), []))

    @property
    def pending_updates(self) -> list[ApiObject]:
        """Updates not yet confirmed by the bot."""
        return self.state.updates.pending

    @property
    def updates(self) -> list[ApiObject]:
        """Every update ever queued."""
        return self.state.updates.history

    def chat_id(self, chat: ChatRef) -> int:
        """The id of a chat given as chat, user (private chat) or id."""
        return chat if isinstance(chat, int) else chat.id

    def chat(self, chat: ChatRef) -> FakeChat:
        """The chat given as chat, user (private chat) or id."""
        found = self.state.chats.get(self.chat_id(chat))
        if found is None:
            raise ValueError(f"no chat {self.chat_id(chat)}")
        return found
