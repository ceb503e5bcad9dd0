"""The floor: a bare python-telegram-bot echo bot (``python -m bench.echo_bot``).

No database, no rate limiter, default settings: every text message is answered with one
``sendMessage`` carrying the same text back to the same chat.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back."""
    message = update.effective_message
    if message is not None and message.text:
        await context.bot.send_message(message.chat.id, message.text)


def main() -> None:
    """Poll until SIGTERM."""
    base = os.environ["TELEGRAM_BASE_URL"]
    application = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(base)
        .base_file_url(base.removesuffix("/bot") + "/file/bot")
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(poll_interval=0.0, timeout=1, allowed_updates=[Update.MESSAGE])


if __name__ == "__main__":
    main()
