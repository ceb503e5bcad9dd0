"""Run the fake Bot API standalone: ``python -m sandbox.botapi --port 8081``.

Prints the base URL, then serves until Ctrl-C or SIGTERM. Drive it through the control API
described in the package docstring.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from sandbox.botapi.limits import FloodLimits
from sandbox.botapi.server import DEFAULT_TOKEN, FakeBotApi


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line options."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.botapi", description="Fake Telegram Bot API server"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-username", default="helpdesk_test_bot")
    parser.add_argument(
        "--flood-limits", action="store_true", help="answer 429 past Telegram's flood limits"
    )
    parser.add_argument("--global-per-second", type=int, default=30)
    parser.add_argument("--private-per-second", type=int, default=1)
    parser.add_argument("--group-per-minute", type=int, default=20)
    parser.add_argument(
        "--lenient-html", action="store_true", help="keep bare '&' like Telegram does"
    )
    parser.add_argument(
        "--private-topics",
        action="store_true",
        help="the bot's private chats have topics (BotFather's threaded mode)",
    )
    return parser.parse_args(argv)


async def serve(arguments: argparse.Namespace) -> None:
    """Run the server until a stop signal arrives."""
    limits = None
    if arguments.flood_limits:
        limits = FloodLimits(
            global_per_second=arguments.global_per_second,
            private_per_second=arguments.private_per_second,
            group_per_minute=arguments.group_per_minute,
        )
    server = FakeBotApi(
        arguments.token,
        bot_username=arguments.bot_username,
        flood_limits=limits,
        strict_html=not arguments.lenient_html,
    )
    server.set_private_topics(arguments.private_topics)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signal_number, stop.set)
    await server.start(arguments.host, arguments.port)
    sys.stdout.write(f"fake Bot API listening; base_url={server.base_url}\n")
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_arguments(argv)))


if __name__ == "__main__":
    main()
