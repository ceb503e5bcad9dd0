"""Methods that send new content: sendMessage, the media senders, sendMediaGroup..."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.botapi.errors import bad_request
from sandbox.botapi.html_check import (
    check_caption_length,
    check_text_length,
    formatted_text,
)
from sandbox.botapi.keyboards import checked_reply_markup
from sandbox.botapi.params import RequestParams
from sandbox.botapi.posting import post_message, reply_target
from sandbox.botapi.state import (
    ApiObject,
    BotApiState,
    FakeChat,
    StoredMessage,
    ThreadPlacement,
)

CAPTIONED_KINDS = frozenset({"photo", "document", "video", "audio", "voice", "animation"})
SPOILER_KINDS = frozenset({"photo", "video", "animation"})
MEDIA_GROUP_KINDS = frozenset({"photo", "video", "document", "audio"})
MEDIA_GROUP_SIZE = range(2, 11)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


@dataclass(frozen=True)
class Envelope:
    """Where a bot message goes and what surrounds its content."""

    chat: FakeChat
    placement: ThreadPlacement
    reply_to: StoredMessage | None
    reply_markup: ApiObject | None


def envelope_of(state: BotApiState, params: RequestParams) -> Envelope:
    """Check the target chat, thread, reply and keyboard of a sending call.

    Raises:
        ApiError: ``chat not found``, 403 for blocked users, ``message thread not found``,
            ``message to be replied not found`` or a keyboard error.
    """
    chat = state.chat_to_write(params.chat_id())
    placement = state.placement(chat, params.integer("message_thread_id"))
    reply_markup = checked_reply_markup(params.json_object("reply_markup"))
    reply_to = reply_target(state, chat, params)
    return Envelope(chat, placement, reply_to, reply_markup)


def post_from_bot(
    state: BotApiState,
    envelope: Envelope,
    content: ApiObject,
    *,
    media_group_id: str | None = None,
    extra: ApiObject | None = None,
) -> StoredMessage:
    """Post ``content`` from the bot into the checked envelope."""
    return post_message(
        state,
        chat=envelope.chat,
        sender=state.bot,
        content=content,
        placement=envelope.placement,
        reply_to=envelope.reply_to,
        reply_markup=envelope.reply_markup,
        media_group_id=media_group_id,
        extra=extra,
    )


def caption_content(
    state: BotApiState,
    caption: str | None,
    *,
    parse_mode: str | None,
    entities: list[Any] | None,
) -> ApiObject:
    """``caption`` and ``caption_entities`` fields, parsed and length-checked."""
    if not caption:
        return {}
    formatted = formatted_text(
        caption, parse_mode=parse_mode, entities=entities, strict=state.strict_html
    )
    check_caption_length(formatted)
    content: ApiObject = {"caption": formatted.text}
    if formatted.entities:
        content["caption_entities"] = formatted.entities
    return content


def send_message(state: BotApiState, params: RequestParams) -> ApiObject:
    """sendMessage: text with HTML or entities, keyboard, topic and reply."""
    envelope = envelope_of(state, params)
    formatted = formatted_text(
        params.text("text") or "",
        parse_mode=params.text("parse_mode"),
        entities=params.json_list("entities"),
        strict=state.strict_html,
    )
    check_text_length(formatted)
    content: ApiObject = {"text": formatted.text}
    if formatted.entities:
        content["entities"] = formatted.entities
    preview = params.json_object("link_preview_options")
    if preview:
        content["link_preview_options"] = preview
    return post_from_bot(state, envelope, content).snapshot()


def media_sender(kind: str) -> Callable[[BotApiState, RequestParams], ApiObject]:
    """A handler for ``send<Kind>``: a file by id, URL or upload, plus an optional caption."""

    def send_media(state: BotApiState, params: RequestParams) -> ApiObject:
        envelope = envelope_of(state, params)
        content: ApiObject = {kind: state.files.resolve(kind, params.file_reference(kind))}
        if kind == "sticker" and params.text("emoji"):
            content[kind]["emoji"] = params.text("emoji")
        if kind in CAPTIONED_KINDS:
            content.update(
                caption_content(
                    state,
                    params.text("caption"),
                    parse_mode=params.text("parse_mode"),
                    entities=params.json_list("caption_entities"),
                )
            )
            if params.flag("show_caption_above_media"):
                content["show_caption_above_media"] = True
        if kind in SPOILER_KINDS and params.flag("has_spoiler"):
            content["has_media_spoiler"] = True
        return post_from_bot(state, envelope, content).snapshot()

    send_media.__doc__ = f"send{kind.title().replace('_', '')}: one {kind} with a caption."
    return send_media


def send_location(state: BotApiState, params: RequestParams) -> ApiObject:
    """sendLocation: a point on the map."""
    envelope = envelope_of(state, params)
    location = {"latitude": params.number("latitude"), "longitude": params.number("longitude")}
    return post_from_bot(state, envelope, {"location": location}).snapshot()


def send_contact(state: BotApiState, params: RequestParams) -> ApiObject:
    """sendContact: a phone contact."""
    envelope = envelope_of(state, params)
    contact: ApiObject = {
        "phone_number": params.required_text("phone_number"),
        "first_name": params.required_text("first_name"),
    }
    for optional in ("last_name", "vcard"):
        if params.text(optional):
            contact[optional] = params.text(optional)
    return post_from_bot(state, envelope, {"contact": contact}).snapshot()


def send_media_group(state: BotApiState, params: RequestParams) -> list[ApiObject]:
    """sendMediaGroup: an album of 2-10 items posted as messages sharing media_group_id."""
    envelope = envelope_of(state, params)
    items = params.json_list("media") or []
    if len(items) not in MEDIA_GROUP_SIZE:
        raise bad_request("media group must contain 2-10 items")
    contents = [_album_item(state, params, item) for item in items]
    kinds = {next(iter(content)) for content in contents}
    for exclusive in ("document", "audio"):
        if exclusive in kinds and len(kinds) > 1:
            raise bad_request(f"{exclusive} can't be mixed with other media types")
    media_group_id = state.next_media_group_id()
    envelope = Envelope(envelope.chat, envelope.placement, envelope.reply_to, None)
    return [
        post_from_bot(state, envelope, content, media_group_id=media_group_id).snapshot()
        for content in contents
    ]


def _album_item(state: BotApiState, params: RequestParams, item: Any) -> ApiObject:
    if not isinstance(item, dict) or item.get("type") not in MEDIA_GROUP_KINDS:
        raise bad_request("wrong type of the media specified")
    kind = str(item["type"])
    reference = item.get("media")
    if not isinstance(reference, str) or not reference:
        raise bad_request("media not found")
    content: ApiObject = {kind: state.files.resolve(kind, params.resolve_attachment(reference))}
    content.update(
        caption_content(
            state,
            item.get("caption"),
            parse_mode=item.get("parse_mode"),
            entities=item.get("caption_entities"),
        )
    )
    if kind in SPOILER_KINDS and item.get("has_spoiler"):
        content["has_media_spoiler"] = True
    return content


def send_chat_action(state: BotApiState, params: RequestParams) -> bool:
    """sendChatAction: "typing..." and friends; only checked, never shown."""
    chat = state.chat_to_write(params.chat_id())
    state.placement(chat, params.integer("message_thread_id"))
    if params.text("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


SENDING_HANDLERS: dict[str, Callable[[BotApiState, RequestParams], Any]] = {
    "sendMessage": send_message,
    "sendPhoto": media_sender("photo"),
    "sendDocument": media_sender("document"),
    "sendVideo": media_sender("video"),
    "sendAudio": media_sender("audio"),
    "sendVoice": media_sender("voice"),
    "sendAnimation": media_sender("animation"),
    "sendVideoNote": media_sender("video_note"),
    "sendSticker": media_sender("sticker"),
    "sendLocation": send_location,
    "sendContact": send_contact,
    "sendMediaGroup": send_media_group,
    "sendChatAction": send_chat_action,
}
