"""Running the bot."""

from __future__ import annotations

from bot.cli import CommandFailed
from bot.settings import Settings


def run_bot(settings: Settings) -> None:
    """Start the bot in long polling.

    Raises:
        CommandFailed: the bot cannot start yet.
    """
    if settings.telegram_bot_token is None:
        raise CommandFailed(
            "TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather in Telegram "
            "(/newbot), then put its token in .env: TELEGRAM_BOT_TOKEN=123456:ABC..."
        )
    raise CommandFailed(
        "the Telegram front end is not part of this build yet; the agent CLI and the "
        "database commands work"
    )
