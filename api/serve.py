"""Serve the API with uvicorn until interrupted (SIGINT, SIGTERM) or the parent is gone."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable

import uvicorn

from api.app import create_app
from api.settings import ApiSettings
from core.config import DeskConfig
from core.desk import Desk

logger = logging.getLogger(__name__)
DEFAULT_PORT = 8080
PARENT_CHECK = 0.5  # seconds between looks at whether the parent process is still there


async def serve(
    database_url: str,
    config: DeskConfig,
    settings: ApiSettings,
    *,
    parent_pid: int | None = None,
) -> None:
    """Open the desk, serve the API on ``API_HOST``:``API_PORT`` until stopped, close it.

    Args:
        database_url: the desk's database.
        config: the desk's policy.
        settings: where to listen, how long logins last.
        parent_pid: the ``helpdesk run`` process that started this one: stop when it is
            gone; it has migrated the database already.
    """
    desk = await Desk.open(database_url, config=config, migrate=parent_pid is None)
    try:
        port = settings.api_port or DEFAULT_PORT
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(desk, settings),
                host=settings.api_host,
                port=port,
                access_log=False,  # the app logs each request itself, without query strings
                log_config=None,
                http="httptools",
                lifespan="off",
            )
        )

        def stop() -> None:
            server.should_exit = True

        # uvicorn stops on these signals and then raises them again; with handlers of our
        # own that second one is harmless, and the desk below is closed before exiting.
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop)
        watch = None if parent_pid is None else loop.create_task(_watch_parent(parent_pid, stop))
        logger.info("API listening on http://%s:%s", settings.api_host, port)
        try:
            await server.serve()
        finally:
            if watch is not None:
                watch.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watch
    finally:
        await desk.close()


async def _watch_parent(parent_pid: int, stop: Callable[[], None]) -> None:
    """Stop serving once the parent process is gone (killed without stopping us)."""
    while os.getppid() == parent_pid:  # noqa: ASYNC110 - no event says a parent died
        await asyncio.sleep(PARENT_CHECK)
    logger.warning("the helpdesk process that started the API is gone; the API stops")
    stop()


def run_api(
    database_url: str, config: DeskConfig, settings: ApiSettings, *, parent_pid: int | None = None
) -> None:
    """Serve the API in this process (``helpdesk api``)."""
    asyncio.run(serve(database_url, config, settings, parent_pid=parent_pid))
