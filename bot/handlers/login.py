"""Agents logging in and out from a private chat with the bot.

The password message is deleted the moment it arrives, before it is even checked, and the
password is never logged or stored anywhere but as the account's bcrypt hash.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.commands import set_agent_commands, unset_agent_commands
from bot.context import DeskContext
from bot.handlers import flows, offer
from bot.handlers.common import say
from bot.i18n import N_
from bot.i18n import staff_gettext as _
from bot.rendering.html import esc
from bot.rendering.refusals import staff_answer_for
from core.errors import AccountLocked, AuthenticationFailed
from core.flows.states import LoginState, LoginStep, OfferState
from core.views import Conversation

logger = logging.getLogger(__name__)
USERNAME_LIMIT = 64
LOGIN_FAILED = N_(
    "⚠️ Something went wrong on our side, so you are not logged in. Send /login to try again."
)


async def login_command(update: Update, context: DeskContext) -> None:
    """Start logging in: ask for the username (or take it from ``/login name``)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    if chat.type != ChatType.PRIVATE:
        refusal = _("🔐 Please log in in a private chat with me, never in a group.")
        if len(context.args or ()) > 1:
            # "/login alice hunter2" in a group: the password is there for everyone to read.
            refusal += "\n" + (
                _("⚠️ I deleted that message: it held a password.")
                if await _delete(update)
                else _("⚠️ That message holds a password and I could not delete it: delete it.")
            )
        await say(update, refusal)
        return
    agent = await context.desk.accounts.agent_for(user.id)
    if agent is not None:
        await say(
            update,
            _("You are logged in as <b>{username}</b>. Send /logout first to switch.").format(
                username=esc(agent.username)
            ),
        )
        return
    waiting = await flows.current(context, chat.id)
    if waiting is not None and isinstance(waiting.state, OfferState):
        await offer.remind(update, waiting.state)
        return
    if context.args:
        if len(context.args) > 1:  # "/login alice hunter2": the password is in the chat
            await _delete(update)
            await say(update, _("⚠️ Never put the password in the command: I deleted that message."))
        await _ask_password(update, context, chat.id, context.args[0])
        return
    await context.desk.conversations.set(chat.id, LoginState(LoginStep.USERNAME))
    await say(update, _("🔐 Agent login. What is your username? (/cancel to stop)"))


async def _ask_password(update: Update, context: DeskContext, chat_id: int, username: str) -> None:
    asking = LoginState(LoginStep.PASSWORD, username=username[:USERNAME_LIMIT])
    await context.desk.conversations.set(chat_id, asking)
    await say(update, _("Now your password. I delete your message as soon as it arrives."))


async def on_step(
    update: Update, context: DeskContext, conversation: Conversation, state: LoginState
) -> None:
    """Take the username or the password."""
    if state.step is LoginStep.USERNAME:
        await _take_username(update, context, conversation)
    else:
        await _take_password(update, context, conversation, state)


async def _take_username(update: Update, context: DeskContext, conversation: Conversation) -> None:
    message = update.effective_message
    if message is None or not message.text:
        await say(update, _("Send your username as text, or /cancel."))
        return
    await _ask_password(update, context, conversation.chat_id, message.text.strip())


async def _take_password(
    update: Update, context: DeskContext, conversation: Conversation, state: LoginState
) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    # The password step: delete first, check after.
    password = message.text or ""
    deleted = await _delete(update)
    await context.desk.conversations.clear(conversation.chat_id)
    warning = (
        ""
        if deleted
        else "\n" + _("⚠️ I could not delete your password message: delete it yourself.")
    )
    if flows.is_stale(context, conversation):
        await say(
            update,
            _(
                "⌛ The login timed out. I deleted that message in case it was your password. "
                "Send /login to start again."
            )
            + warning,
        )
        return
    if not password:
        await say(update, _("Send the password as text. Send /login to start again.") + warning)
        return
    try:
        agent = await context.desk.accounts.login(state.username, password, user.id)
    except AuthenticationFailed as exc:
        await say(
            update,
            _("{refusal} Send /login to try again.").format(refusal=staff_answer_for(exc))
            + warning,
        )
        return
    except AccountLocked as exc:
        await say(update, f"{staff_answer_for(exc)}{warning}")
        return
    except Exception:
        # Answered here, not by the error handler: that one keeps a failed update whole, to
        # be handled again later, when no login waits any more and the password would be
        # taken for a plain message.
        logger.exception("a login from Telegram user %s failed; the password is not kept", user.id)
        await say(update, _(LOGIN_FAILED) + warning)
        return
    logger.info("agent %s logged in from Telegram user %s", agent.username, user.id)
    await set_agent_commands(context.bot, user.id)
    await say(
        update,
        _(
            "✅ Logged in as <b>{username}</b>. Your messages in ticket topics now go to "
            "customers. Send /help for the agent commands."
        ).format(username=esc(agent.username))
        + warning,
    )


async def _delete(update: Update) -> bool:
    """Delete the message at once; tell whether that worked."""
    message = update.effective_message
    if message is None:
        return False
    try:
        await message.delete()
    except TelegramError:
        return False
    return True


async def logout_command(update: Update, context: DeskContext) -> None:
    """Log the agent out."""
    user = update.effective_user
    if user is None:
        return
    agent = await context.desk.accounts.logout(user.id)
    if agent is None:
        await say(update, _("You are not logged in."))
        return
    await unset_agent_commands(context.bot, user.id)
    await say(update, _("👋 Logged out {username}.").format(username=esc(agent.username)))
