"""Bringing a message's copy in step with its author's edit: edit it, or post under it."""

from __future__ import annotations

from telegram import Bot, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.delivery.relay import NO_CAPTION, Target, body_html
from bot.rendering.edits import edited_label
from bot.rendering.html import CAPTION_LIMIT, TEXT_LIMIT, esc, split_text
from core.views import MessageView

_ROOM = 64  # what the HTML of a prefix or a label may add beyond its plain length


async def edit_copy(
    bot: Bot, chat_id: int, copy_id: int, message: MessageView, prefix: str
) -> bool:
    """Edit a copy (text or caption) to the message's current version.

    Returns:
        True when the copy now shows it (or already did); False when it cannot be edited to
        it (the new version does not fit, the copy has no text or caption, or Telegram
        refuses), so the caller posts it instead.
    """
    html = prefix + body_html(message)
    try:
        if message.attachment is None:
            if len(prefix) + len(message.text) > TEXT_LIMIT - _ROOM:
                return False
            await bot.edit_message_text(
                html, chat_id=chat_id, message_id=copy_id, parse_mode=ParseMode.HTML
            )
            return True
        if message.attachment.kind in NO_CAPTION:
            return False
        if len(prefix) + len(message.text) > CAPTION_LIMIT:
            return False
        await bot.edit_message_caption(
            chat_id=chat_id,
            message_id=copy_id,
            caption=html.strip() or None,
            parse_mode=ParseMode.HTML if html.strip() else None,
        )
    except BadRequest as exc:
        return "not modified" in exc.message.lower()
    return True


async def post_new_version(
    bot: Bot,
    target: Target,
    copy_id: int,
    message: MessageView,
    prefix: str,
    *,
    media_changed: bool,
) -> list[int]:
    """Post the message's new version under its copy, after an "Edited:" line.

    A replaced attachment is copied from the original with the new caption when the
    original can be copied; otherwise the text goes out, in parts when it is long.

    Returns:
        The ids of the messages posted.
    """
    under = ReplyParameters(message_id=copy_id, allow_sending_without_reply=True)
    label = edited_label() + "\n" + prefix
    attachment = message.attachment
    origin = message.origin
    if media_changed and attachment is not None and origin is not None and message.copyable:
        caption = None
        if attachment.kind not in NO_CAPTION and len(prefix) + len(message.text) <= CAPTION_LIMIT:
            caption = label + body_html(message)
        copied = await bot.copy_message(
            chat_id=target.chat_id,
            from_chat_id=origin.chat_id,
            message_id=origin.message_id,
            message_thread_id=target.thread_id,
            caption=caption,
            parse_mode=ParseMode.HTML if caption else None,
            reply_parameters=under,
        )
        if caption is not None or not message.text:
            return [copied.message_id]
        return [copied.message_id, *await _post_text(bot, target, copied.message_id, message, "")]
    return await _post_text(bot, target, copy_id, message, label)


async def _post_text(
    bot: Bot, target: Target, copy_id: int, message: MessageView, label: str
) -> list[int]:
    """Send the label and the message's text under a copy, split when too long for one."""
    under = ReplyParameters(message_id=copy_id, allow_sending_without_reply=True)
    if len(label) + len(message.text) <= TEXT_LIMIT - _ROOM:
        parts = [label + body_html(message)]
    else:
        parts = [esc(piece) for piece in split_text(message.text, TEXT_LIMIT - 200)]
        parts[0] = label + parts[0]
    sent_ids: list[int] = []
    for part in parts:
        sent = await bot.send_message(
            target.chat_id,
            part,
            parse_mode=ParseMode.HTML,
            message_thread_id=target.thread_id,
            reply_parameters=under,
        )
        sent_ids.append(sent.message_id)
    return sent_ids
