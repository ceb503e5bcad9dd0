"""Turning Telegram messages into the core's plain values, and back into JSON for holding."""

from __future__ import annotations

from typing import Any

from telegram import (
    Chat,
    Message,
    MessageEntity,
    MessageOrigin,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
    User,
)

from bot.i18n import N_
from bot.rendering.html import cut_graphemes
from core.domain.actors import (
    Actor,
    Attachment,
    ChatRef,
    CustomerProfile,
    ForwardOrigin,
    NewMessage,
)
from core.domain.values import AttachmentKind, ForwardKind


def profile_of(user: User) -> CustomerProfile:
    """Describe a Telegram user as a customer profile."""
    return CustomerProfile(
        telegram_user_id=user.id,
        display_name=user.full_name or user.username or str(user.id),
        username=user.username,
        language_code=user.language_code,
    )


def customer_actor(user: User) -> Actor:
    """The actor for a customer writing from this Telegram account."""
    return Actor.customer(profile_of(user))


def _file_attachment(message: Message) -> Attachment | None:
    if message.photo:
        return Attachment(AttachmentKind.PHOTO, message.photo[-1].file_id)
    # An animation also sets message.document, so it is looked at first.
    media: list[tuple[AttachmentKind, Any, str]] = [
        (AttachmentKind.ANIMATION, message.animation, ""),
        (AttachmentKind.DOCUMENT, message.document, getattr(message.document, "file_name", "")),
        (AttachmentKind.VOICE, message.voice, ""),
        (AttachmentKind.AUDIO, message.audio, getattr(message.audio, "title", "")),
        (AttachmentKind.VIDEO, message.video, ""),
        (AttachmentKind.VIDEO_NOTE, message.video_note, ""),
        (AttachmentKind.STICKER, message.sticker, getattr(message.sticker, "emoji", "")),
    ]
    for kind, item, details in media:
        if item is not None:
            return Attachment(kind, item.file_id, details or "")
    return None


def attachment_of(message: Message) -> Attachment | None:
    """Find the media a message carries; None for text (or kinds the desk cannot relay)."""
    if message.venue:  # a venue carries its location too, so it is looked at first
        venue, place = message.venue, message.venue.location
        where = f"{place.latitude:.5f}, {place.longitude:.5f}"
        described = ", ".join(part for part in (venue.title, venue.address) if part)
        return Attachment(AttachmentKind.VENUE, "", f"{described} ({where})".strip())
    if message.location:
        where = f"{message.location.latitude:.5f}, {message.location.longitude:.5f}"
        return Attachment(AttachmentKind.LOCATION, "", where)
    if message.contact:
        contact = message.contact
        who = " ".join(x for x in (contact.first_name, contact.last_name) if x)
        return Attachment(AttachmentKind.CONTACT, "", f"{contact.phone_number} {who}".strip())
    return _file_attachment(message)


def unsupported_kind(message: Message) -> str | None:
    """Name what a message is when the desk cannot relay it (a poll, a game...), else None."""
    for attribute, name in (
        ("poll", N_("a poll")),
        ("dice", N_("a dice roll")),
        ("game", N_("a game")),
        ("story", N_("a story")),
        ("invoice", N_("an invoice")),
    ):
        if getattr(message, attribute, None):
            return name
    if attachment_of(message) is None and not (message.text or message.caption):
        return N_("this kind of message")
    return None


def forward_origin_of(message: Message) -> ForwardOrigin | None:
    """Who first wrote a forwarded message; None for the sender's own words."""
    origin: MessageOrigin | None = message.forward_origin
    if isinstance(origin, MessageOriginUser):
        user = origin.sender_user
        name = user.full_name or user.username or str(user.id)
        return ForwardOrigin(ForwardKind.USER, name, origin.date, user.username)
    if isinstance(origin, MessageOriginHiddenUser):
        return ForwardOrigin(ForwardKind.HIDDEN_USER, origin.sender_user_name, origin.date)
    if isinstance(origin, MessageOriginChat):
        chat = origin.sender_chat
        return ForwardOrigin(
            ForwardKind.CHAT, _chat_name(chat), origin.date, chat.username, origin.author_signature
        )
    if isinstance(origin, MessageOriginChannel):
        chat = origin.chat
        return ForwardOrigin(
            ForwardKind.CHANNEL,
            _chat_name(chat),
            origin.date,
            chat.username,
            origin.author_signature,
        )
    return None


def _chat_name(chat: Chat) -> str:
    return chat.title or chat.effective_name or chat.username or str(chat.id)


def new_message_from(message: Message) -> NewMessage:
    """Describe a received message (text, caption and media) for the core."""
    text = message.text or message.caption or ""
    formatted = None
    if message.text:
        formatted = message.text_html
    elif message.caption:
        formatted = message.caption_html
    return NewMessage(
        text=text,
        formatted=formatted,
        attachment=attachment_of(message),
        origin=ChatRef(message.chat.id, message.message_id),
        album=message.media_group_id,
        forwarded_from=forward_origin_of(message),
    )


def command_argument(message: Message) -> NewMessage:
    """Describe the text after a command (``/note text``), keeping its formatting.

    The original message is the command, so it must not be relayed by copying it.
    """
    text = message.text or ""
    entities = message.entities or ()
    command = next(
        (e for e in entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0), None
    )
    cut = len(text.split(maxsplit=1)[0]) if command is None else _python_index(text, command.length)
    rest_start = cut + (len(text[cut:]) - len(text[cut:].lstrip()))
    argument = text[rest_start:]
    return NewMessage(
        text=argument,
        formatted=_html_from(message, rest_start),
        origin=ChatRef(message.chat.id, message.message_id),
        copyable=False,
    )


def _python_index(text: str, utf16_units: int) -> int:
    """Convert a UTF-16 offset (Telegram's unit) into a Python string index."""
    units = 0
    for index, char in enumerate(text):
        if units >= utf16_units:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _html_from(message: Message, start: int) -> str:
    """Render the HTML of ``message.text[start:]`` with its own entities."""
    text = message.text or ""
    shift = _utf16_length(text[:start])
    kept = [
        MessageEntity(
            type=e.type,
            offset=e.offset - shift,
            length=e.length,
            url=e.url,
            user=e.user,
            language=e.language,
            custom_emoji_id=e.custom_emoji_id,
        )
        for e in message.entities or ()
        if e.offset >= shift and e.type != MessageEntity.BOT_COMMAND
    ]
    clone = Message(
        message_id=message.message_id,
        date=message.date,
        chat=message.chat,
        text=text[start:],
        entities=kept,
    )
    return clone.text_html


def subject_from(messages: list[NewMessage], limit: int) -> str:
    """Make a subject from what a customer wrote: the first line, else what it was."""
    for message in messages:
        line = next((ln.strip() for ln in message.text.splitlines() if ln.strip()), "")
        if line:
            return line if len(line) <= limit else cut_graphemes(line, limit - 1).rstrip() + "…"
    first = messages[0].attachment if messages else None
    return (
        f"{first.kind.value.replace('_', ' ').capitalize()} from the customer"
        if first
        else "New request"
    )


def chat_in_order(update: Update) -> int | None:
    """The chat whose updates are handled in order (the user's, for inline queries)."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
