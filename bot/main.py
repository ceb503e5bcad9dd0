"""Starting and stopping the bot: the same path for ``helpdesk run`` and the tests."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram.error import TelegramError

from bot.api_process import configured_api
from bot.app import ALLOWED_UPDATES, build_application, prepare
from bot.cli import CommandFailed
from bot.context import DeskApplication
from bot.handlers.batch import PlainMessages
from bot.logs import configure_logging, secret_forms
from bot.polling import DurablePolling
from bot.settings import Settings
from bot.update_source import BotApiUpdates
from bot.worker import DeliveryWorker, deliver
from core.desk import Desk
from core.store.inline_sqlite import record_blocks_to

logger = logging.getLogger(__name__)

NO_TOKEN = (
    "TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather in Telegram (/newbot), then "
    "put its token in .env: TELEGRAM_BOT_TOKEN=123456:ABC..."
)


@dataclass
class RunningBot:
    """A started bot: its application, its polling and its desk."""

    application: DeskApplication
    desk: Desk
    owns_desk: bool
    polling: DurablePolling | None = None

    async def stop(self) -> None:
        """Stop polling, let delivery finish its round, close everything."""
        application = self.application
        if self.polling is not None:
            await self.polling.stop()
        await application.bot_data.dispatcher.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        if self.owns_desk:
            await self.desk.close()


async def start_bot(
    settings: Settings, *, desk: Desk | None = None, deliver: bool = True
) -> RunningBot:
    """Open the desk (migrating it), connect to Telegram, start polling and delivery.

    With ``deliver=False`` the outbox is left to a delivery worker process.

    Raises:
        CommandFailed: no bot token is configured.
    """
    if settings.telegram_bot_token is None:
        raise CommandFailed(NO_TOKEN)
    owns_desk = desk is None
    if desk is None:
        desk = await Desk.open(settings.database_url, config=settings.desk_config())
    application = build_application(settings, desk, deliver=deliver)
    running = RunningBot(application, desk, owns_desk)
    try:
        await application.initialize()
        await prepare(application)
        await application.start()
        source = BotApiUpdates(
            application.bot,
            allowed_updates=ALLOWED_UPDATES,
            poll_timeout=settings.poll_timeout,
            http_timeout=settings.http_timeout,
        )
        intake = PlainMessages(application.bot_data, application.bot.id)
        running.polling = DurablePolling(application, source, intake=intake)
        await running.polling.start()
    except BaseException:
        with contextlib.suppress(Exception):
            await running.stop()
        raise
    if deliver:
        dispatcher = application.bot_data.dispatcher
        dispatcher.kick()  # deliver whatever waited while we were down
    return running


async def serve(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM, then stop cleanly (with the delivery worker, if any)."""
    api = configured_api()  # with API_PORT set, the HTTP API runs beside the bot
    running = await start_bot(settings, deliver=not settings.delivery_worker)
    freeze_startup_objects()
    worker = DeliveryWorker(running.desk) if settings.delivery_worker else None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        if worker is not None:
            await worker.start()
            running.application.bot_data.wake_worker = worker.wake
        if api is not None:
            await api.start()
        logger.info("the desk is running; Ctrl-C stops it")
        await watch_polling(running.polling, stop)
    finally:
        logger.info("stopping")
        if api is not None:
            await api.stop()
        # Take no more updates first; the worker then still delivers what the last wrote.
        await running.stop()
        if worker is not None:
            await worker.stop()


def freeze_startup_objects() -> None:
    """Leave what startup made (modules, classes, the application) out of every later
    garbage collection.

    A full collection walks every tracked object: with the libraries loaded, about 110,000,
    some hundreds of milliseconds on a busy machine, during which no update is handled. What
    startup made lives as long as the process, so after one last collection it is frozen
    (``gc.freeze``) and later full collections walk only what came after.
    """
    gc.collect()
    gc.freeze()


async def watch_polling(polling: DurablePolling | None, stop: asyncio.Event) -> None:
    """Return when a stop is asked for; raise when polling ends without one.

    A bot whose polling has died takes no updates while looking alive; exiting instead lets
    a supervisor (systemd, Docker) start it again.

    Raises:
        InvalidToken: Telegram refused the token.
        CommandFailed: the polling loop ended for another reason.
    """
    waits: list[asyncio.Future[object]] = [asyncio.ensure_future(stop.wait())]
    if polling is not None:
        waits.append(asyncio.ensure_future(polling.ended()))
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
    if stop.is_set() or polling is None:
        return
    if polling.failure is not None:
        raise polling.failure
    reason = _describe(polling.crash)
    logger.error(
        "polling stopped unexpectedly (%s); exiting so a supervisor restarts the bot", reason
    )
    raise CommandFailed(f"polling stopped unexpectedly ({reason}); start the bot again")


def _describe(crash: BaseException | None) -> str:
    """Name what ended polling; a Bot API error's text, never a handler's (it may quote)."""
    if crash is None or isinstance(crash, asyncio.CancelledError):
        return "its task was cancelled"
    if isinstance(crash, TelegramError):
        return f"{type(crash).__name__}: {crash.message}"
    return type(crash).__name__


def run_bot(settings: Settings) -> None:
    """Entry point of ``helpdesk run``: log, start, serve until stopped.

    Raises:
        CommandFailed: the bot cannot start (no token, Telegram refuses the token).
    """
    if blocks_file := os.environ.get("HELPDESK_SQLITE_BLOCKS"):  # the benchmark's probe
        record_blocks_to(Path(blocks_file))
    _run(settings, lambda: serve(settings))


def run_worker(
    settings: Settings, *, parent_pid: int | None = None, owner: str | None = None
) -> None:
    """Entry point of ``helpdesk deliver``: the delivery worker alone, until stopped.

    Args:
        settings: the desk's settings.
        parent_pid: the bot process that started this one (stop when it is gone); the
            bot has migrated the database already.
        owner: the name the worker's outbox leases carry (the bot frees them if it dies).

    Raises:
        CommandFailed: the worker cannot start (no token, Telegram refuses the token).
    """
    _run(
        settings,
        lambda: deliver(settings, parent_pid=parent_pid, migrate=parent_pid is None, owner=owner),
    )


def _run(settings: Settings, main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    if settings.telegram_bot_token is None:
        raise CommandFailed(NO_TOKEN)
    token = settings.telegram_bot_token.get_secret_value()
    configure_logging(settings.log_level, secrets=secret_forms(token))
    from telegram.error import InvalidToken, NetworkError  # noqa: PLC0415

    try:
        asyncio.run(main())
    except InvalidToken:
        # The library's message repeats the token: say what happened without it.
        raise CommandFailed(
            "Telegram refused the bot token (wrong, or revoked in @BotFather); check "
            "TELEGRAM_BOT_TOKEN"
        ) from None
    except NetworkError as exc:
        raise CommandFailed(f"cannot reach the Telegram Bot API: {exc}") from None
