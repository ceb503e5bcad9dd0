"""Methods that change or remove messages the bot can see: edits and deletions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.botapi.errors import bad_request
from sandbox.botapi.html_check import check_text_length, formatted_text
from sandbox.botapi.keyboards import checked_reply_markup
from sandbox.botapi.methods.copying import MAX_MESSAGES_PER_CALL
from sandbox.botapi.methods.sending import CAPTIONED_KINDS, caption_content
from sandbox.botapi.params import RequestParams
from sandbox.botapi.state import ApiObject, BotApiState, FakeChat, StoredMessage, unix_now

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
ADMIN_STATUSES = frozenset({"administrator", "creator"})
EDIT_WINDOW_SECONDS = 48 * 3600
"""The bot may edit its own messages for 48 hours."""


def edit_message_text(state: BotApiState, params: RequestParams) -> ApiObject:
    """editMessageText: new text (and keyboard; omitting it removes the keyboard)."""
    message = _editable_message(state, params)
    if "text" not in message.data:
        raise bad_request("there is no text in the message to edit")
    formatted = formatted_text(
        params.text("text") or "",
        parse_mode=params.text("parse_mode"),
        entities=params.json_list("entities"),
        strict=state.strict_html,
    )
    check_text_length(formatted)
    changes: ApiObject = {"text": formatted.text, "entities": formatted.entities or None}
    return _apply_edit(message, changes, checked_reply_markup(params.json_object("reply_markup")))


def edit_message_caption(state: BotApiState, params: RequestParams) -> ApiObject:
    """editMessageCaption: new caption of a media message."""
    message = _editable_message(state, params)
    if not CAPTIONED_KINDS & message.data.keys():
        raise bad_request("there is no caption in the message to edit")
    caption = caption_content(
        state,
        params.text("caption"),
        parse_mode=params.text("parse_mode"),
        entities=params.json_list("caption_entities"),
    )
    changes: ApiObject = {
        "caption": caption.get("caption"),
        "caption_entities": caption.get("caption_entities"),
    }
    return _apply_edit(message, changes, checked_reply_markup(params.json_object("reply_markup")))


def edit_message_reply_markup(state: BotApiState, params: RequestParams) -> ApiObject:
    """editMessageReplyMarkup: replace or remove the inline keyboard."""
    message = _editable_message(state, params)
    return _apply_edit(message, {}, checked_reply_markup(params.json_object("reply_markup")))


def delete_message(state: BotApiState, params: RequestParams) -> bool:
    """deleteMessage: remove one message."""
    chat = state.chat(params.chat_id())
    message = state.message(chat.id, params.required_integer("message_id"))
    if message is None:
        raise bad_request("message to delete not found")
    if not _may_delete(state, chat, message):
        raise bad_request("message can't be deleted")
    del state.messages[chat.id][message.message_id]
    return True


def delete_messages(state: BotApiState, params: RequestParams) -> bool:
    """deleteMessages: remove 1-100 messages; those missing or not deletable are skipped."""
    chat = state.chat(params.chat_id())
    message_ids = params.json_list("message_ids") or []
    if not 1 <= len(message_ids) <= MAX_MESSAGES_PER_CALL:
        raise bad_request("message identifiers are not specified")
    for message_id in message_ids:
        message = state.message(chat.id, int(message_id))
        if message is not None and _may_delete(state, chat, message):
            del state.messages[chat.id][message.message_id]
    return True


def _editable_message(state: BotApiState, params: RequestParams) -> StoredMessage:
    if "inline_message_id" in params:
        raise bad_request("inline messages are not supported by the fake Bot API")
    chat = state.chat_to_write(params.chat_id())
    message = state.message(chat.id, params.required_integer("message_id"))
    if message is None:
        raise bad_request("message to edit not found")
    if message.sender_id != state.bot.id or message.is_service:
        raise bad_request("message can't be edited")
    if unix_now() - int(message.data.get("date") or 0) > EDIT_WINDOW_SECONDS:
        raise bad_request("message can't be edited")
    return message


def _apply_edit(
    message: StoredMessage, changes: ApiObject, reply_markup: ApiObject | None
) -> ApiObject:
    """Change fields (None removes one); refuse an edit that changes nothing."""
    changes = {**changes, "reply_markup": reply_markup}
    current = {key: message.data.get(key) for key in changes}
    if current == changes:
        raise bad_request(NOT_MODIFIED)
    for key, value in changes.items():
        if value is None:
            message.data.pop(key, None)
        else:
            message.data[key] = value
    message.data["edit_date"] = unix_now()
    return message.snapshot()


def _may_delete(state: BotApiState, chat: FakeChat, message: StoredMessage) -> bool:
    if message.is_service and "forum_topic_created" in message.data:
        return False
    own = message.sender_id == state.bot.id
    return own or chat.type == "private" or chat.bot_status in ADMIN_STATUSES


EDITING_HANDLERS: dict[str, Callable[[BotApiState, RequestParams], Any]] = {
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "deleteMessages": delete_messages,
}
