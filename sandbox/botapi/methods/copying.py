"""copyMessage(s) and forwardMessage(s): stored messages re-posted into another chat.

Copies carry the same content (text and entities, or media with caption) without any link
to the original; forwards add ``forward_origin``. Copying or forwarding several messages
keeps albums together: the copies of one album share a new ``media_group_id``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from sandbox.botapi.errors import bad_request
from sandbox.botapi.methods.sending import (
    CAPTIONED_KINDS,
    Envelope,
    caption_content,
    envelope_of,
    post_from_bot,
)
from sandbox.botapi.params import RequestParams
from sandbox.botapi.posting import message_content
from sandbox.botapi.state import ApiObject, BotApiState, StoredMessage

MAX_MESSAGES_PER_CALL = 100


def copy_message(state: BotApiState, params: RequestParams) -> ApiObject:
    """copyMessage: one copy, optionally with a new caption; answers only the new id."""
    envelope = envelope_of(state, params)
    source = _source_message(state, params, action="copy")
    content = _copied_content(state, source, params, remove_caption=False)
    return {"message_id": post_from_bot(state, envelope, content).message_id}


def copy_messages(state: BotApiState, params: RequestParams) -> list[ApiObject]:
    """copyMessages: 1-100 messages of one chat, albums kept together; missing ones skipped."""
    envelope = envelope_of(state, params)
    sources = _source_messages(state, params, action="copy")
    remove_caption = params.flag("remove_caption")
    return _repost(
        state,
        envelope,
        sources,
        lambda source: _copied_content(state, source, None, remove_caption=remove_caption),
    )


def forward_message(state: BotApiState, params: RequestParams) -> ApiObject:
    """forwardMessage: one forward with ``forward_origin``; answers the whole Message."""
    envelope = _without_markup(envelope_of(state, params))
    source = _source_message(state, params, action="forward")
    extra = {"forward_origin": _forward_origin(state, source)}
    return post_from_bot(state, envelope, message_content(source), extra=extra).snapshot()


def forward_messages(state: BotApiState, params: RequestParams) -> list[ApiObject]:
    """forwardMessages: like copyMessages, with ``forward_origin`` on every message."""
    envelope = _without_markup(envelope_of(state, params))
    sources = _source_messages(state, params, action="forward")
    return _repost(
        state,
        envelope,
        sources,
        message_content,
        extra=lambda source: {"forward_origin": _forward_origin(state, source)},
    )


def _repost(
    state: BotApiState,
    envelope: Envelope,
    sources: list[StoredMessage],
    content_of: Callable[[StoredMessage], ApiObject],
    *,
    extra: Callable[[StoredMessage], ApiObject] | None = None,
) -> list[ApiObject]:
    new_group_ids: dict[str, str] = {}
    answers: list[ApiObject] = []
    for source in sources:
        old_group_id = source.data.get("media_group_id")
        group_id = None
        if old_group_id is not None:
            group_id = new_group_ids.setdefault(old_group_id, state.next_media_group_id())
        posted = post_from_bot(
            state,
            envelope,
            content_of(source),
            media_group_id=group_id,
            extra=extra(source) if extra else None,
        )
        answers.append({"message_id": posted.message_id})
    return answers


def _without_markup(envelope: Envelope) -> Envelope:
    return Envelope(envelope.chat, envelope.placement, envelope.reply_to, None)


def _source_message(state: BotApiState, params: RequestParams, *, action: str) -> StoredMessage:
    source_chat = state.chat(params.chat_id("from_chat_id"))
    source = state.message(source_chat.id, params.required_integer("message_id"))
    if source is None:
        raise bad_request(f"message to {action} not found")
    if source.is_service:
        raise bad_request(f"message can't be {action}ed")
    return source


def _source_messages(
    state: BotApiState, params: RequestParams, *, action: str
) -> list[StoredMessage]:
    source_chat = state.chat(params.chat_id("from_chat_id"))
    message_ids = params.json_list("message_ids") or []
    if not message_ids:
        raise bad_request("message identifiers are not specified")
    if len(message_ids) > MAX_MESSAGES_PER_CALL:
        raise bad_request("too many messages")
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in message_ids):
        raise bad_request("message identifiers must be integers")
    if any(later <= earlier for earlier, later in itertools.pairwise(message_ids)):
        raise bad_request("message identifiers must be in a strictly increasing order")
    found = (state.message(source_chat.id, message_id) for message_id in message_ids)
    sources = [message for message in found if message is not None and not message.is_service]
    if not sources:
        raise bad_request(f"message to {action} not found")
    return sources


def _copied_content(
    state: BotApiState,
    source: StoredMessage,
    params: RequestParams | None,
    *,
    remove_caption: bool,
) -> ApiObject:
    content = message_content(source)
    if not CAPTIONED_KINDS & content.keys():
        return content
    new_caption = params.text("caption") if params is not None else None
    if params is not None and new_caption is not None:
        remove_caption = True
    if remove_caption:
        content.pop("caption", None)
        content.pop("caption_entities", None)
    if params is not None and new_caption is not None:
        content.update(
            caption_content(
                state,
                new_caption,
                parse_mode=params.text("parse_mode"),
                entities=params.json_list("caption_entities"),
            )
        )
    return content


def _forward_origin(state: BotApiState, source: StoredMessage) -> ApiObject:
    original = source.data.get("forward_origin")
    if original is not None:
        return dict(original)
    sender = state.users[source.sender_id]
    date = source.data["date"]
    if sender.hides_forwards:
        return {"type": "hidden_user", "sender_user_name": sender.full_name, "date": date}
    return {"type": "user", "sender_user": sender.to_api(), "date": date}


COPYING_HANDLERS: dict[str, Callable[[BotApiState, RequestParams], Any]] = {
    "copyMessage": copy_message,
    "copyMessages": copy_messages,
    "forwardMessage": forward_message,
    "forwardMessages": forward_messages,
}
