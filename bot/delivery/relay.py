"""Relaying stored messages into a chat: by copying the original, or by sending the content.

Copying keeps media and formatting exactly; it is used whenever nothing has to be added.
When a prefix is needed (the ticket number, the agent's name, a header in the topic), text is
sent again from its stored HTML and media are copied with a new caption.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from telegram import Bot, Message, MessageId
from telegram.constants import ParseMode

from bot.rendering.html import CAPTION_LIMIT, TEXT_LIMIT, esc, split_text
from core.domain.actors import ChatRef
from core.domain.values import AttachmentKind
from core.views import MessageView

NO_CAPTION = {
    AttachmentKind.STICKER,
    AttachmentKind.VIDEO_NOTE,
    AttachmentKind.LOCATION,
    AttachmentKind.CONTACT,
    AttachmentKind.VENUE,
}
COPY_BATCH = 100  # copyMessages takes at most 100 ids


def can_copy_as_is(messages: Sequence[MessageView]) -> bool:
    """Tell whether the messages can be copied in one go: same chat, copyable originals."""
    origins = [m.origin for m in messages]
    if not all(m.copyable for m in messages) or any(o is None for o in origins):
        return False
    chats = {o.chat_id for o in origins if o is not None}
    ids = [o.message_id for o in origins if o is not None]
    return len(chats) == 1 and ids == sorted(set(ids))


def origins_of(messages: Sequence[MessageView]) -> list[ChatRef]:
    """Where the originals of messages are (only for messages that have one)."""
    return [m.origin for m in messages if m.origin is not None]


async def copy_as_is(
    bot: Bot, chat_id: int, thread_id: int | None, originals: Sequence[ChatRef]
) -> list[int]:
    """Copy originals unchanged (albums stay albums); return the new message ids in order.

    One call per 100 messages: ``copyMessages`` for several, ``copyMessage`` for one.
    """
    new_ids: list[int] = []
    for start in range(0, len(originals), COPY_BATCH):
        origins = originals[start : start + COPY_BATCH]
        if len(origins) == 1:
            copied: MessageId = await bot.copy_message(
                chat_id=chat_id,
                from_chat_id=origins[0].chat_id,
                message_id=origins[0].message_id,
                message_thread_id=thread_id,
            )
            new_ids.append(copied.message_id)
            continue
        copies = await bot.copy_messages(
            chat_id=chat_id,
            from_chat_id=origins[0].chat_id,
            message_ids=[o.message_id for o in origins],
            message_thread_id=thread_id,
        )
        new_ids += [c.message_id for c in copies]
    return new_ids


def body_html(message: MessageView) -> str:
    """The message's text as Telegram HTML: its stored formatting, or escaped plain text."""
    return message.formatted if message.formatted is not None else esc(message.text)


@dataclass(frozen=True, slots=True)
class Target:
    """Where a send goes: a chat and, in a forum, a topic."""

    chat_id: int
    thread_id: int | None = None


Step = Callable[[], Awaitable[int]]
"""One Telegram call of a send; it returns the id of the message it made."""


def steps_with_prefix(
    bot: Bot,
    target: Target,
    message: MessageView,
    prefix_html: str,
    *,
    copy_original: bool = True,
) -> list[Step]:
    """Plan the calls that send one message with an HTML prefix (a tag, a name, a header).

    The same message always gives the same plan, so a send cut short can resume at the
    first call that did not happen.

    Args:
        copy_original: copy media from the original message; when False (the original is
            gone), send the stored file again instead.
    """
    attachment = message.attachment
    if attachment is None:
        return _text_steps(bot, target, message, prefix_html)
    steps: list[Step] = []
    caption: str | None = (prefix_html + body_html(message)).strip() or None
    if attachment.kind in NO_CAPTION or len(prefix_html) + len(message.text) > CAPTION_LIMIT:
        if prefix_html.strip():
            steps.append(_text_step(bot, target, prefix_html.strip()))
        caption = body_html(message) if attachment.kind not in NO_CAPTION else None
        if caption and len(message.text) > CAPTION_LIMIT:
            caption = None  # too long for a caption: it follows as text
    origin = message.origin if copy_original else None
    steps.append(partial(_send_media, bot, target, message, caption, origin))
    if caption is None and message.text and attachment.kind not in NO_CAPTION:
        steps += _text_steps(bot, target, message, "")
    return steps


def _text_steps(bot: Bot, target: Target, message: MessageView, prefix_html: str) -> list[Step]:
    html_body = body_html(message)
    if len(message.text) + len(prefix_html) <= TEXT_LIMIT - 64:
        parts = [prefix_html + html_body]
    else:
        # Too long for one message: split the plain text (formatting cannot be split safely).
        parts = [esc(piece) for piece in split_text(message.text, TEXT_LIMIT - 200)]
        parts[0] = prefix_html + parts[0]
    return [_text_step(bot, target, part) for part in parts]


def _text_step(bot: Bot, target: Target, html: str) -> Step:
    async def send() -> int:
        sent = await bot.send_message(
            target.chat_id, html, parse_mode=ParseMode.HTML, message_thread_id=target.thread_id
        )
        return sent.message_id

    return send


async def _send_media(
    bot: Bot, target: Target, message: MessageView, caption: str | None, origin: ChatRef | None
) -> int:
    chat_id, thread_id = target.chat_id, target.thread_id
    attachment = message.attachment
    if attachment is None:
        raise ValueError("_send_media needs a message with an attachment")
    if origin is not None:
        copied = await bot.copy_message(
            chat_id=chat_id,
            from_chat_id=origin.chat_id,
            message_id=origin.message_id,
            message_thread_id=thread_id,
            caption=caption if attachment.kind not in NO_CAPTION else None,
            parse_mode=ParseMode.HTML if caption else None,
        )
        return copied.message_id
    senders: dict[AttachmentKind, Callable[..., Awaitable[Message]]] = {
        AttachmentKind.PHOTO: bot.send_photo,
        AttachmentKind.DOCUMENT: bot.send_document,
        AttachmentKind.VOICE: bot.send_voice,
        AttachmentKind.AUDIO: bot.send_audio,
        AttachmentKind.VIDEO: bot.send_video,
        AttachmentKind.ANIMATION: bot.send_animation,
        AttachmentKind.VIDEO_NOTE: bot.send_video_note,
    }
    if attachment.kind in senders and attachment.file_id:
        options: dict[str, Any] = {"message_thread_id": thread_id}
        if attachment.kind is not AttachmentKind.VIDEO_NOTE:
            options.update(caption=caption, parse_mode=ParseMode.HTML if caption else None)
        sent: Message = await senders[attachment.kind](chat_id, attachment.file_id, **options)
        return sent.message_id
    if attachment.kind is AttachmentKind.STICKER and attachment.file_id:
        sticker: Message = await bot.send_sticker(
            chat_id, attachment.file_id, message_thread_id=thread_id
        )
        return sticker.message_id
    described: Message = await bot.send_message(
        chat_id,
        f"[{attachment.kind.value}] {esc(attachment.details)}",
        parse_mode=ParseMode.HTML,
        message_thread_id=thread_id,
    )
    return described.message_id
