"""``helpdesk updates``: the updates from Telegram the bot could not read (dead letters).

``list`` shows them (update id, kind, when, tries, why; never their content); ``retry``
parses them again with the library installed now and hands those that read to the bot's
handlers, as the bot also does at every start.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.settings import Settings
from core.desk import Desk
from core.services.dead_letters import DeadLetter

if TYPE_CHECKING:
    from bot.dead_letters import RetryOutcome


def add_updates_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Describe ``helpdesk updates list`` and ``helpdesk updates retry``."""
    updates = commands.add_parser(
        "updates", help="updates from Telegram the bot could not read"
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = updates.add_parser("list", help="list them (never their content)")
    listing.add_argument("--all", action="store_true", help="also those handled since")
    retry = updates.add_parser("retry", help="read them again and hand them to the bot")
    retry.add_argument(
        "update_ids", nargs="*", type=int, metavar="UPDATE_ID", help="just these (default: all)"
    )


def run_updates_command(args: argparse.Namespace, settings: Settings) -> None:
    """Run ``helpdesk updates ACTION``.

    Raises:
        CommandFailed: no bot token for a retry, or some updates are still unreadable.
        NotFound: a given update id was never kept.
    """
    if args.action == "list":
        asyncio.run(_list(settings, include_handled=args.all))
        return
    from bot.cli import CommandFailed  # noqa: PLC0415 - bot.cli imports this module

    outcome = _retry(settings, args.update_ids)
    problems = []
    if outcome.unreadable:
        problems.append(
            f"{len(outcome.unreadable)} update(s) still unreadable: "
            f"{', '.join(map(str, outcome.unreadable))}"
        )
    if outcome.failed:
        problems.append(
            f"{len(outcome.failed)} update(s) failed again in a handler (see the log): "
            f"{', '.join(map(str, outcome.failed))}"
        )
    if problems:
        raise CommandFailed("; ".join(problems))


async def _list(settings: Settings, *, include_handled: bool) -> None:
    desk = await Desk.open(settings.database_url, config=settings.desk_config())
    try:
        letters = await desk.dead_letters.letters(include_handled=include_handled)
    finally:
        await desk.close()
    print("\n".join(format_dead_letters(letters, include_handled=include_handled)))  # noqa: T201


def format_dead_letters(letters: Sequence[DeadLetter], *, include_handled: bool) -> list[str]:
    """The listing as lines of text (a table, or one line saying there is nothing)."""
    if not letters:
        return ["No unreadable updates."]
    head = f"{'UPDATE':<12} {'KIND':<20} {'FIRST SEEN (UTC)':<17} {'TRIES':<5}"
    lines = [f"{head} {'HANDLED (UTC)':<17} ERROR" if include_handled else f"{head} ERROR"]
    for letter in letters:
        row = (
            f"{letter.update_id:<12} {letter.kind:<20} "
            f"{letter.first_seen_at:%Y-%m-%d %H:%M}  {letter.attempts:<5}"
        )
        if include_handled:
            handled = f"{letter.handled_at:%Y-%m-%d %H:%M}" if letter.handled_at else "-"
            row = f"{row} {handled:<17}"
        lines.append(f"{row} {letter.error}")
    return lines


def _retry(settings: Settings, update_ids: list[int]) -> RetryOutcome:
    # Telegram is imported only here: the rest of the CLI stays free of it.
    from telegram.error import InvalidToken, NetworkError  # noqa: PLC0415

    from bot.cli import CommandFailed  # noqa: PLC0415 - bot.cli imports this module
    from bot.logs import configure_logging  # noqa: PLC0415
    from bot.main import NO_TOKEN  # noqa: PLC0415

    if settings.telegram_bot_token is None:
        raise CommandFailed(NO_TOKEN)
    configure_logging(settings.log_level, secrets=[settings.telegram_bot_token.get_secret_value()])
    try:
        outcome = asyncio.run(_retry_with_the_bot(settings, update_ids or None))
    except InvalidToken:
        raise CommandFailed("Telegram refused the bot token; check TELEGRAM_BOT_TOKEN") from None
    except NetworkError as exc:
        raise CommandFailed(f"cannot reach the Telegram Bot API: {exc}") from None
    if not outcome.handled and not outcome.unreadable and not outcome.failed:
        print("No unreadable updates to retry.")  # noqa: T201
    if outcome.handled:
        print(  # noqa: T201
            f"Read and handled {len(outcome.handled)} update(s): "
            f"{', '.join(map(str, outcome.handled))}. What they queued is sent by the running "
            "bot (or at its next start)."
        )
    return outcome


async def _retry_with_the_bot(settings: Settings, update_ids: list[int] | None) -> RetryOutcome:
    from bot.app import build_application  # noqa: PLC0415
    from bot.dead_letters import retry_dead_letters  # noqa: PLC0415

    desk = await Desk.open(settings.database_url, config=settings.desk_config())
    try:
        application = build_application(settings, desk, deliver=False)
        await application.initialize()
        try:
            return await retry_dead_letters(application, update_ids)
        finally:
            await application.shutdown()
    finally:
        await desk.close()
