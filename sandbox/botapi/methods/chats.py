"""Methods about the bot, chats, members, files, commands and button answers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from sandbox.botapi.errors import bad_request
from sandbox.botapi.params import RequestParams
from sandbox.botapi.state import ApiObject, BotApiState, FakeChat, FakeUser, MemberStatus

COMMAND_PATTERN = re.compile(r"[a-z0-9_]{1,32}")
MAX_COMMAND_DESCRIPTION = 256
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
DEFAULT_SCOPE = '{"type": "default"}'
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
)


def get_me(state: BotApiState, _params: RequestParams) -> ApiObject:
    """getMe: the bot's User object with the bot-only flags."""
    return {
        **state.bot.to_api(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
        "has_topics_enabled": state.private_topics,
        "allows_users_to_create_topics": False,
    }


def get_chat(state: BotApiState, params: RequestParams) -> ApiObject:
    """getChat: ChatFullInfo with the fields python-telegram-bot 22 requires."""
    chat = state.chat(params.chat_id())
    return {
        **chat.to_api(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


def get_chat_member(state: BotApiState, params: RequestParams) -> ApiObject:
    """getChatMember: creator, administrator (all rights), member, left or kicked."""
    chat = state.chat(params.chat_id())
    user = state.users.get(params.required_integer("user_id"))
    if user is None:
        raise bad_request("user not found")
    if user.is_bot and user.id == state.bot.id:
        status: MemberStatus = "member" if chat.type == "private" else chat.bot_status
    else:
        status = chat.status_of(user)
    return chat_member(chat, user, status)


def chat_member(chat: FakeChat, user: FakeUser, status: MemberStatus) -> ApiObject:
    """The ChatMember object for ``user`` with ``status`` in ``chat``."""
    member: ApiObject = {"status": status, "user": user.to_api()}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(can_be_edited=False, is_anonymous=False, can_promote_members=False)
        member.update(dict.fromkeys(ADMIN_RIGHTS, True))
        member["can_manage_topics"] = chat.bot_can_manage_topics if user.is_bot else True
        member["can_delete_messages"] = chat.bot_can_delete_messages if user.is_bot else True
    elif status == "kicked":
        member["until_date"] = 0
    return member


def get_file(state: BotApiState, params: RequestParams) -> ApiObject:
    """getFile: the File object with a ``file_path`` for downloading."""
    stored = state.files.get(params.required_text("file_id"))
    if stored is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.file_size,
        "file_path": stored.file_path,
    }


def answer_callback_query(state: BotApiState, params: RequestParams) -> bool:
    """answerCallbackQuery: record the answer; a query can be answered once."""
    query_id = params.required_text("callback_query_id")
    if query_id not in state.callback_queries or query_id in state.callback_answers:
        raise bad_request(QUERY_INVALID)
    state.callback_answers[query_id] = params.decoded()
    return True


def set_my_commands(state: BotApiState, params: RequestParams) -> bool:
    """setMyCommands: the command menu for a scope and language."""
    commands = params.json_list("commands")
    if commands is None:
        raise bad_request("commands is empty")
    checked: list[ApiObject] = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand")
        name, description = str(command.get("command", "")), str(command.get("description", ""))
        if not COMMAND_PATTERN.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= MAX_COMMAND_DESCRIPTION:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": name, "description": description})
    state.commands[commands_key(params)] = checked
    return True


def get_my_commands(state: BotApiState, params: RequestParams) -> list[ApiObject]:
    """getMyCommands: the commands set for exactly this scope and language."""
    return list(state.commands.get(commands_key(params), []))


def delete_my_commands(state: BotApiState, params: RequestParams) -> bool:
    """deleteMyCommands: forget the commands of a scope and language."""
    state.commands.pop(commands_key(params), None)
    return True


def commands_key(params: RequestParams) -> tuple[str, str]:
    """The (scope, language) key under which commands are kept."""
    scope = params.json_object("scope")
    scope_key = json.dumps(scope, sort_keys=True) if scope else DEFAULT_SCOPE
    return scope_key, params.text("language_code") or ""


def delete_webhook(state: BotApiState, params: RequestParams) -> bool:
    """deleteWebhook: there never is one; may drop the pending updates."""
    if params.flag("drop_pending_updates"):
        state.updates.drop_pending()
    return True


def get_webhook_info(state: BotApiState, _params: RequestParams) -> ApiObject:
    """getWebhookInfo: no webhook, the number of pending updates."""
    pending = len(state.updates.pending)
    return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}


def leave_chat(state: BotApiState, params: RequestParams) -> bool:
    """leaveChat: the bot leaves a group; it gets no more of its updates and cannot send there.

    Raises:
        ApiError: 400 ``chat not found``; 400 for a private chat; 403 when the bot is not a
            member any more.
    """
    chat = state.chat_to_write(params.chat_id())
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    chat.bot_status = "left"
    return True


def always_true(_state: BotApiState, _params: RequestParams) -> bool:
    """logOut, close: accepted, nothing to do."""
    return True


CHAT_HANDLERS: dict[str, Callable[[BotApiState, RequestParams], Any]] = {
    "getMe": get_me,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getFile": get_file,
    "answerCallbackQuery": answer_callback_query,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "deleteWebhook": delete_webhook,
    "leaveChat": leave_chat,
    "getWebhookInfo": get_webhook_info,
    "logOut": always_true,
    "close": always_true,
}
