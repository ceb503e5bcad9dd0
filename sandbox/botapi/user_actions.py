"""What people do on the other side of the bot: write, send albums, edit, press buttons.

Each action stores the message like Telegram would show it and queues the update the bot
receives through ``getUpdates``. Misuse in a test (a user writing into a group they are not
in, pressing a button that is not there) raises ``ValueError`` with the reason, instead of
producing an update Telegram could never send.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sandbox.botapi.html_check import utf16_length
from sandbox.botapi.keyboards import inline_buttons
from sandbox.botapi.params import MEDIA_KINDS
from sandbox.botapi.posting import post_message
from sandbox.botapi.state import (
    ApiObject,
    BotApiState,
    FakeChat,
    FakeUser,
    StoredMessage,
    ThreadPlacement,
    unix_now,
)

COMMAND_PATTERN = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w@/])")
MEDIA_KINDS_SET = frozenset(MEDIA_KINDS)
SPEAKING_STATUSES = frozenset({"creator", "administrator", "member"})
BOT_SEES_STATUSES = frozenset({"creator", "administrator", "member"})
ADMIN_STATUSES = frozenset({"creator", "administrator"})

MAX_ALBUM_ITEMS = 10


@dataclass(frozen=True)
class SentFile:
    """A real file a person sends (from the page).

    Attributes:
        kind: ``photo`` or ``document``.
        content: The bytes.
        file_name: The name on the person's disk (kept for documents).
        mime_type: Its type (kept for documents).
    """

    kind: str
    content: bytes
    file_name: str
    mime_type: str


def command_entities(text: str) -> list[ApiObject]:
    """``bot_command`` entities for every ``/command`` (or ``/command@bot``) in ``text``."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_length(text[: match.start()]),
            "length": utf16_length(match.group()),
        }
        for match in COMMAND_PATTERN.finditer(text)
    ]


class UserActions:
    """Simulated user behaviour against one :class:`BotApiState`."""

    def __init__(self, state: BotApiState) -> None:
        """Act on ``state``."""
        self.state = state

    def send(
        self,
        user: FakeUser,
        content: ApiObject,
        *,
        chat: FakeChat | None = None,
        thread_id: int | None = None,
        reply_to: int | ApiObject | None = None,
        media_group_id: str | None = None,
        forward_origin: ApiObject | None = None,
    ) -> StoredMessage:
        """Post a message from ``user`` and queue the ``message`` update.

        Args:
            user: The sender.
            content: Content fields, as built by :meth:`content`.
            chat: A group; None for the user's private chat with the bot.
            thread_id: A forum topic to write in.
            reply_to: The message (or its id) this one explicitly replies to.
            media_group_id: Album id, for the messages of one album.
            forward_origin: The user forwards the content: a MessageOrigin, as built by
                :meth:`forward_origin`.
        """
        target = self._chat_for(user, chat)
        reply_target = self._reply_target(target, reply_to)
        placement = self._placement(target, thread_id, reply_target)
        message = post_message(
            self.state,
            chat=target,
            sender=user,
            content=content,
            placement=placement,
            reply_to=reply_target,
            media_group_id=media_group_id,
            extra={"forward_origin": forward_origin} if forward_origin is not None else None,
        )
        self._deliver(target, "message", message.snapshot())
        return message

    def forward_origin(
        self,
        author: FakeUser | FakeChat,
        *,
        date: int | None = None,
        author_signature: str | None = None,
    ) -> ApiObject:
        """The ``forward_origin`` Telegram puts on a message forwarded from ``author``.

        A user gives ``user`` (``hidden_user``, with only the name, when they hide their
        account from forwards); a channel gives ``channel`` with the post's id; a group
        (its anonymous admin writing as the group) gives ``chat``.

        Args:
            author: Who wrote the original.
            date: When the original was sent (unix time); now by default.
            author_signature: A channel post's or anonymous admin's signature.
        """
        sent = date if date is not None else unix_now()
        if isinstance(author, FakeUser):
            if author_signature is not None:
                raise ValueError("only channel posts and anonymous admins carry a signature")
            if author.hides_forwards:
                return {"type": "hidden_user", "sender_user_name": author.full_name, "date": sent}
            return {"type": "user", "sender_user": author.to_api(), "date": sent}
        if author.type == "private":
            raise ValueError("forward from the user, not from their private chat")
        origin: ApiObject
        if author.type == "channel":
            post_id = self.state.next_message_id(author.id)
            origin = {"type": "channel", "chat": author.to_api(), "message_id": post_id}
        else:
            origin = {"type": "chat", "sender_chat": author.to_api()}
        origin["date"] = sent
        if author_signature is not None:
            origin["author_signature"] = author_signature
        return origin

    def content(
        self,
        *,
        text: str | None = None,
        entities: list[ApiObject] | None = None,
        caption: str | None = None,
        caption_entities: list[ApiObject] | None = None,
        media: dict[str, Any] | None = None,
        location: tuple[float, float] | None = None,
        contact: tuple[str, str] | None = None,
        venue: tuple[float, float, str, str] | None = None,
    ) -> ApiObject:
        """Build message content the way a Telegram client would send it.

        Args:
            text: Plain text; commands get ``bot_command`` entities unless ``entities`` given.
            entities: Explicit entities of ``text``.
            caption: Caption of the media.
            caption_entities: Entities of the caption.
            media: ``{kind: options}`` for one media kind (``{"photo": {}}``,
                ``{"document": {"file_name": "a.pdf"}}``, ``{"sticker": {"emoji": "👍"}}``).
            location: ``(latitude, longitude)``.
            contact: ``(phone_number, first_name)``.
            venue: ``(latitude, longitude, title, address)``; like Telegram, the message
                carries the venue and its ``location``.
        """
        parts = [
            text is not None,
            bool(media),
            location is not None,
            contact is not None,
            venue is not None,
        ]
        if sum(parts) != 1:
            raise ValueError("send exactly one of: text, one media kind, location, contact, venue")
        if caption is not None and not media:
            raise ValueError("caption= goes with media; use text= for a text message")
        content: ApiObject = {}
        if text is not None:
            if not text:
                raise ValueError("Telegram clients do not send empty messages")
            content["text"] = text
            found = command_entities(text) if entities is None else entities
            if found:
                content["entities"] = found
        for kind, options in (media or {}).items():
            content[kind] = self.state.files.create(kind, **options)
        if caption:
            content["caption"] = caption
            if caption_entities:
                content["caption_entities"] = caption_entities
        if location is not None:
            content["location"] = {"latitude": location[0], "longitude": location[1]}
        if contact is not None:
            content["contact"] = {"phone_number": contact[0], "first_name": contact[1]}
        if venue is not None:
            latitude, longitude, title, address = venue
            place = {"latitude": latitude, "longitude": longitude}
            content["venue"] = {"location": place, "title": title, "address": address}
            content["location"] = dict(place)
        return content

    def send_album(
        self,
        user: FakeUser,
        *,
        kind: str = "photo",
        count: int = 2,
        captions: Sequence[str | None] = (),
        chat: FakeChat | None = None,
        thread_id: int | None = None,
    ) -> list[StoredMessage]:
        """Send an album: ``count`` messages sharing a ``media_group_id``, one update each."""
        if not 2 <= count <= 10:
            raise ValueError("an album has 2 to 10 items")
        media_group_id = self.state.next_media_group_id()
        padded = list(captions) + [None] * (count - len(captions))
        return [
            self.send(
                user,
                self.content(media={kind: {}}, caption=caption),
                chat=chat,
                thread_id=thread_id,
                media_group_id=media_group_id,
            )
            for caption in padded[:count]
        ]

    def edit(
        self,
        message: ApiObject,
        *,
        text: str | None = None,
        caption: str | None = None,
        entities: list[ApiObject] | None = None,
        media: str | None = None,
    ) -> StoredMessage:
        """Edit a user's message and queue the ``edited_message`` update.

        ``media`` replaces a media message's photo, video, file... with a new one of that
        kind (the caption stays unless ``caption`` is given too), as Telegram apps allow.
        """
        stored = self.stored(message)
        if stored.sender_id == self.state.bot.id:
            raise ValueError("users cannot edit the bot's messages")
        if media is not None:
            if not MEDIA_KINDS_SET & stored.data.keys():
                raise ValueError("only a media message's media can be replaced")
            fresh = self.content(media={media: {}})
            for kind in MEDIA_KINDS_SET:
                stored.data.pop(kind, None)
            stored.data[media] = fresh[media]
        if text is not None:
            if "text" not in stored.data:
                raise ValueError("this message has no text; edit its caption=")
            self._replace(
                stored,
                field="text",
                entity_field="entities",
                value=text,
                entities=entities,
                detected=command_entities(text),
            )
        elif caption is not None:
            if not MEDIA_KINDS_SET & stored.data.keys():
                raise ValueError("only media messages have a caption")
            self._replace(
                stored,
                field="caption",
                entity_field="caption_entities",
                value=caption,
                entities=entities,
                detected=[],
            )
        elif media is None:
            raise ValueError("give the new text=, caption= or media=")
        stored.data["edit_date"] = unix_now()
        self._deliver(self.state.chats[stored.chat_id], "edited_message", stored.snapshot())
        return stored

    def react(self, user: FakeUser, message: ApiObject, emoji: Sequence[str]) -> ApiObject:
        """Set ``user``'s reactions on a message and queue the ``message_reaction`` update.

        The update carries the reactions before and after, as Telegram sends it; the bot
        gets it in a private chat, and in a group only as an admin (and, like every update,
        only when it lists ``message_reaction`` in ``allowed_updates``).

        Args:
            user: Who reacts (a member of the group, or the private chat's user).
            message: The message reacted to.
            emoji: The reactions after the change (empty: all taken off).
        """
        stored = self.stored(message)
        chat = self.state.chats[stored.chat_id]
        if chat.type == "private" and chat.user is not user:
            raise ValueError(f"{user.full_name} cannot react in another user's chat")
        if chat.type != "private" and chat.status_of(user) not in SPEAKING_STATUSES:
            raise ValueError(f"{user.full_name} is not a member of {chat.title!r}: add_member()")
        if stored.is_service:
            raise ValueError("service messages take no reactions")
        key = (stored.chat_id, stored.message_id, user.id)
        old = self.state.reactions.get(key, [])
        new: list[ApiObject] = [{"type": "emoji", "emoji": e} for e in emoji]
        self.state.reactions[key] = new
        update: ApiObject = {
            "chat": chat.to_api(),
            "message_id": stored.message_id,
            "user": user.to_api(),
            "date": unix_now(),
            "old_reaction": old,
            "new_reaction": new,
        }
        if chat.type == "private" or chat.bot_status in ADMIN_STATUSES:
            self.state.updates.push("message_reaction", update)
        return update

    def press(
        self,
        user: FakeUser,
        message: ApiObject,
        data: str | None = None,
        *,
        button_text: str | None = None,
        check_button: bool = True,
    ) -> str:
        """Press an inline button and queue the ``callback_query`` update.

        Returns:
            The callback query id (answers are kept under it).
        """
        stored = self.stored(message)
        buttons = [b for b in inline_buttons(stored.data) if "callback_data" in b]
        if button_text is not None:
            button = next((b for b in buttons if b["text"] == button_text), None)
            if button is None:
                labels = [b["text"] for b in buttons]
                raise ValueError(f"no button {button_text!r} on the message; buttons: {labels}")
            data = str(button["callback_data"])
        if data is None:
            raise ValueError("give the callback data= or button_text=")
        if check_button and data not in {b["callback_data"] for b in buttons}:
            known = [b["callback_data"] for b in buttons]
            raise ValueError(f"no button with callback data {data!r}; the message has {known}")
        chat = self.state.chats[stored.chat_id]
        query_id = self.state.next_callback_query_id()
        self.state.callback_queries[query_id] = stored
        query: ApiObject = {
            "id": query_id,
            "from": user.to_api(),
            "chat_instance": str(abs(chat.id) * 7919 % 10**12),
            "message": stored.snapshot(),
            "data": data,
        }
        self.state.updates.push("callback_query", query)
        return query_id

    def stored(self, message: ApiObject) -> StoredMessage:
        """The live stored message a test's message dict refers to."""
        stored = self.state.message(message["chat"]["id"], message["message_id"])
        if stored is None:
            raise ValueError(f"message {message['message_id']} is no longer in its chat")
        return stored

    def _chat_for(self, user: FakeUser, chat: FakeChat | None) -> FakeChat:
        if chat is None or chat.user is user:
            user.started_bot = True
            user.blocked_bot = False  # writing to a bot you blocked means unblocking it first
            return self.state.private_chat(user)
        if chat.status_of(user) not in SPEAKING_STATUSES:
            raise ValueError(f"{user.full_name} is not a member of {chat.title!r}: add_member()")
        return chat

    def _reply_target(
        self, chat: FakeChat, reply_to: int | ApiObject | None
    ) -> StoredMessage | None:
        if reply_to is None:
            return None
        message_id = reply_to if isinstance(reply_to, int) else int(reply_to["message_id"])
        target = self.state.message(chat.id, message_id)
        if target is None:
            raise ValueError(f"no message {message_id} in chat {chat.id} to reply to")
        return target

    @staticmethod
    def _placement(
        chat: FakeChat, thread_id: int | None, reply_to: StoredMessage | None
    ) -> ThreadPlacement:
        if thread_id is not None:
            # A private chat's topics stay in the user's client after the bot turns them off.
            has_topics = chat.is_forum or chat.type == "private"
            if not has_topics or chat.live_topic(thread_id) is None:
                raise ValueError(f"chat {chat.id} has no open topic {thread_id}")
            return ThreadPlacement(thread_id, is_topic=True)
        if reply_to is None or chat.type != "supergroup":
            return ThreadPlacement()
        if reply_to.topic_id is not None:
            return ThreadPlacement(reply_to.topic_id, is_topic=True)
        # A reply outside topics carries the id of its reply thread, without is_topic_message.
        return ThreadPlacement(reply_to.thread_id or reply_to.message_id)

    @staticmethod
    def _replace(
        stored: StoredMessage,
        *,
        field: str,
        entity_field: str,
        value: str,
        entities: list[ApiObject] | None,
        detected: list[ApiObject],
    ) -> None:
        stored.data[field] = value
        stored.data.pop(entity_field, None)
        new_entities = detected if entities is None else entities
        if new_entities:
            stored.data[entity_field] = new_entities

    def _deliver(self, chat: FakeChat, kind: str, message: ApiObject) -> None:
        if chat.type == "private" or chat.bot_status in BOT_SEES_STATUSES:
            self.state.updates.push(kind, message)
