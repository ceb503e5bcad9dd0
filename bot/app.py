"""Wiring: the application, its handlers, its error handler, its jobs, its startup checks."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

import httpx
from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    MessageReactionHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.commands import set_agent_commands, set_default_menus
from bot.context import BotServices, DeskApplication, DeskContext, StaffChat
from bot.delivery.customer_topics import private_topics_on
from bot.delivery.dispatcher import OutboxDispatcher
from bot.delivery.sender import NoticeSender
from bot.handlers import (
    agent_tools,
    bans,
    console,
    customer,
    dead_letters,
    edits,
    fallbacks,
    gate,
    language,
    login,
    my_data,
    reactions,
    staff,
)
from bot.handlers.batch import PLAIN_PRIVATE
from bot.handlers.buttons import on_button
from bot.handlers.errors import on_error
from bot.handlers.private import on_private_message
from bot.i18n import configure as configure_languages
from bot.ratelimit import SlidingWindowRateLimiter
from bot.settings import Settings
from core.desk import Desk

logger = logging.getLogger(__name__)

DISPATCH_INTERVAL = timedelta(seconds=0.5)  # for rows other processes wrote, and retries
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MESSAGE_REACTION,
]


CONNECT_RETRIES = 2
"""Attempts again at a connection that failed to open: nothing reached Telegram, so a new
attempt cannot send anything twice (a request that was sent is never retried here)."""
POOL_SIZE = 256  # python-telegram-bot's default


def bot_api_request(timeout: float) -> HTTPXRequest:
    """The bot's HTTP client: every timeout ``timeout``, a connection that failed to open
    tried again (a busy moment of the machine or the network), nothing else retried."""
    transport = httpx.AsyncHTTPTransport(
        retries=CONNECT_RETRIES,
        limits=httpx.Limits(max_connections=POOL_SIZE, max_keepalive_connections=POOL_SIZE),
    )
    return HTTPXRequest(
        connection_pool_size=POOL_SIZE,
        connect_timeout=timeout,
        read_timeout=timeout,
        write_timeout=timeout,
        pool_timeout=timeout,
        httpx_kwargs={"transport": transport},
    )


def build_application(settings: Settings, desk: Desk, *, deliver: bool = True) -> DeskApplication:
    """Build the bot: one place for the builder, handlers, error handler and jobs.

    With ``deliver=False`` the outbox is left to a delivery worker process: no dispatcher
    runs here.
    """
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is required")
    configure_languages(
        default_language=settings.default_language, staff_language=settings.staff_language
    )
    # Durations from python-telegram-bot as timedelta (its future default), no warnings.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .context_types(ContextTypes(context=DeskContext, bot_data=BotServices))
        .rate_limiter(
            SlidingWindowRateLimiter(
                per_second=settings.flood_limit_per_second,
                group_per_minute=settings.flood_limit_group_per_minute,
                private_per_second=settings.flood_limit_private_per_second,
            )
        )
        .request(bot_api_request(settings.http_timeout))
        # bot.polling confirms updates only once they are handled, over its own connection.
        .updater(None)
    )
    if settings.telegram_base_url:
        base = settings.telegram_base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(base.removesuffix("/bot") + "/file/bot")
    application: DeskApplication = builder.build()  # type: ignore[assignment]
    staff_chat = StaffChat(chat_id=settings.staff_chat_id)
    sender = NoticeSender(application.bot, desk, staff_chat, settings)
    dispatcher = OutboxDispatcher(desk, sender, settings)
    application.bot_data.attach(
        desk=desk, settings=settings, dispatcher=dispatcher, staff=staff_chat
    )
    application.bot_data.delivers = deliver
    _add_handlers(application, settings)
    application.add_error_handler(on_error)
    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    if deliver:
        application.job_queue.run_repeating(
            _dispatch_tick, interval=DISPATCH_INTERVAL, first=0, name="outbox"
        )
    application.job_queue.run_repeating(
        _run_timers, interval=settings.jobs_interval, first=1, name="timers"
    )
    return application


def _add_handlers(application: DeskApplication, settings: Settings) -> None:
    new = filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE & new

    # Before any other handler: every answer is in the language of who it answers.
    application.add_handler(TypeHandler(Update, language.use_their_language), group=-100)
    # Then the gate: a banned customer's messages are kept, never relayed.
    application.add_handler(TypeHandler(Update, gate.screen_update), group=-1)
    application.add_handler(CallbackQueryHandler(on_button))
    for name, callback in (
        ("start", customer.start_command),
        ("help", customer.help_command),
        ("new", customer.new_command),
        ("cancel", customer.cancel_command),
        ("my", customer.my_command),
        ("close", customer.close_command),
        ("language", language.language_command),
        ("logout", login.logout_command),
        ("queue", console.queue_command),
        ("ticket", console.ticket_command),
        ("reply", console.reply_command),
        ("status", console.status_command),
        ("take", console.take_command),
        ("assign", console.assign_command),
        ("priority", console.priority_command),
        ("stats", console.stats_command),
        ("deadletters", dead_letters.dead_letters_command),
        ("banned", bans.banned_command),
        ("mydata", my_data.mydata_command),
        ("forgetme", my_data.forgetme_command),
    ):
        application.add_handler(CommandHandler(name, callback, filters=private))
    for name, callback in agent_tools.COMMANDS:
        application.add_handler(CommandHandler(name, callback, filters=private))
    application.add_handler(CommandHandler("login", login.login_command, filters=new))
    application.add_handler(
        CommandHandler("chatid", fallbacks.chat_id_command, filters=filters.ChatType.GROUPS & new)
    )
    application.add_handler(CommandHandler("note", console.note_command, filters=private))
    for name, callback in (("ban", bans.ban_command), ("unban", bans.unban_command)):
        where = private
        if settings.staff_chat_id is not None:
            where = private | (filters.Chat(settings.staff_chat_id) & new)
        application.add_handler(CommandHandler(name, callback, filters=where))
    if settings.staff_chat_id is not None:
        staff_chat = filters.Chat(settings.staff_chat_id) & new
        application.add_handler(CommandHandler("note", staff.note_command, filters=staff_chat))
        for name, callback in agent_tools.COMMANDS:
            application.add_handler(CommandHandler(name, callback, filters=staff_chat))
        application.add_handler(
            MessageHandler(
                staff_chat & ~filters.COMMAND & ~filters.StatusUpdate.ALL, staff.on_staff_message
            )
        )
        application.add_handler(
            MessageHandler(staff_chat & filters.COMMAND, fallbacks.staff_command)
        )
    application.add_handler(MessageHandler(PLAIN_PRIVATE, on_private_message))
    application.add_handler(MessageHandler(private & filters.COMMAND, fallbacks.unknown_command))
    edited = filters.UpdateType.EDITED_MESSAGE
    edited_where = filters.ChatType.PRIVATE & edited
    if settings.staff_chat_id is not None:
        edited_where = edited_where | (filters.Chat(settings.staff_chat_id) & edited)
    application.add_handler(MessageHandler(edited_where, edits.on_edited_message))
    application.add_handler(
        MessageReactionHandler(
            reactions.on_reaction,
            message_reaction_types=MessageReactionHandler.MESSAGE_REACTION_UPDATED,
        )
    )
    # After every update, deliver what it queued (here, or by waking the delivery worker).
    application.add_handler(TypeHandler(Update, _kick_after_update), group=1)


async def _kick_after_update(update: Update, context: DeskContext) -> None:
    context.kick_delivery()


async def _dispatch_tick(context: DeskContext) -> None:
    context.kick_delivery()


async def _run_timers(context: DeskContext) -> None:
    """Apply the SLA, reminder and auto-close rules, and send the digest when it is due."""
    try:
        run = await context.desk.timers.run_due()
        digest = await context.desk.stats.send_digest_if_due()
        await context.desk.delivery.purge_delivered(context.settings.outbox_keep_sent)
        erased = await context.desk.retention.erase_due()
    except Exception:
        logger.exception("the timer rules failed this time; they run again next interval")
        return
    if erased:
        logger.info("retention: erased the content of %s closed ticket(s)", erased)
    if run.total or digest is not None:
        logger.info("timers: %s%s", run, "; digest queued" if digest else "")
        context.kick_delivery()


async def prepare(application: DeskApplication) -> None:
    """Startup checks and menus; call after ``initialize()`` (which has done ``getMe``)."""
    services = application.bot_data
    bot = application.bot
    logger.info("running as @%s (id %s)", bot.username, bot.id)
    if private_topics_on(bot, services.settings):
        logger.info("private chats have topics: each ticket gets one in its customer's chat")
    leftovers = await services.desk.retention.forget_leftover_topics()
    if leftovers:
        logger.info("deleting %s staff topic(s) of tickets erased before", leftovers)
    await set_default_menus(bot, services.staff.chat_id)
    for agent in await services.desk.accounts.list_agents():
        if agent.telegram_user_id and agent.is_active:
            await set_agent_commands(bot, agent.telegram_user_id)
    await check_staff_chat(application)


async def check_staff_chat(application: DeskApplication, *, say_if_missing: bool = True) -> None:
    """Warn, clearly, when the staff chat is missing, not a forum, or not ours to manage.

    ``say_if_missing=False`` keeps a second process (the delivery worker) from repeating the
    bot's advice on setting the staff chat.
    """
    staff_chat = application.bot_data.staff
    bot = application.bot
    if staff_chat.chat_id is None:
        if say_if_missing:
            logger.warning(
                "STAFF_CHAT_ID is not set: tickets wait in the outbox for a staff group; "
                "customers are served and agents can work from their private chat. To set "
                "it: add the bot to your staff group, send /chatid there, put the id it "
                "answers in .env as STAFF_CHAT_ID=-100..., and restart the bot."
            )
        return
    try:
        chat = await bot.get_chat(staff_chat.chat_id)
        member = await bot.get_chat_member(staff_chat.chat_id, bot.id)
    except TelegramError as exc:
        logger.warning(
            "cannot reach the staff chat %s (%s): add the bot to the group and make it an admin",
            staff_chat.chat_id,
            exc,
        )
        return
    staff_chat.is_forum = bool(chat.is_forum)
    if not chat.is_forum:
        logger.warning(
            "the staff chat %r has no topics: tickets share one chat; reply to a ticket's "
            "messages to answer it. Turn on Topics in the group settings for one topic per ticket.",
            chat.title,
        )
    is_admin = member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
    can_manage_topics = bool(getattr(member, "can_manage_topics", False))
    if not is_admin:
        logger.warning(
            "the bot is not an admin of the staff chat %r: make it an admin with the right to "
            "manage topics, or it will not see agents' messages",
            chat.title,
        )
    elif chat.is_forum and not can_manage_topics:
        logger.warning(
            "the bot may not manage topics in the staff chat %r: give it that admin right, or "
            "it cannot open a topic per ticket",
            chat.title,
        )
    may_delete = member.status == ChatMemberStatus.OWNER or getattr(
        member, "can_delete_messages", False
    )
    if is_admin and chat.is_forum and not may_delete:
        logger.warning(
            "the bot may not delete messages in the staff chat %r: give it that admin right, "
            "or the topics of erased tickets cannot be deleted",
            chat.title,
        )
