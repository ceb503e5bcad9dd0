"""Serve the API with uvicorn until interrupted."""

from __future__ import annotations

import asyncio
import logging

import uvicorn

from api.app import create_app
from api.settings import ApiSettings
from core.config import DeskConfig
from core.desk import Desk

logger = logging.getLogger(__name__)
DEFAULT_PORT = 8080


async def serve(database_url: str, config: DeskConfig, settings: ApiSettings) -> None:
    """Open the desk, serve the API on ``API_HOST``:``API_PORT`` until stopped, close it."""
    desk = await Desk.open(database_url, config=config)
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
        logger.info("API listening on http://%s:%s", settings.api_host, port)
        await server.serve()
    finally:
        await desk.close()


def run_api(database_url: str, config: DeskConfig, settings: ApiSettings) -> None:
    """Serve the API in this process (``helpdesk api``)."""
    asyncio.run(serve(database_url, config, settings))
