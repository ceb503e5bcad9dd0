"""The HTTP API as a child process of ``helpdesk run``, when ``API_PORT`` is set.

The API serves its own desk on the same database; what it writes, the bot and the delivery
worker see and deliver. ``helpdesk api`` runs it alone instead.
"""

from __future__ import annotations

import os
import sys

from api.settings import load_api_settings
from bot.supervisor import SupervisedProcess


class ApiProcess(SupervisedProcess):
    """``helpdesk api`` as a supervised child: restarted if it dies, stopped with the bot."""

    name = "API"

    def command(self) -> list[str]:
        """``python -m bot.api_process --parent PID``: ``helpdesk api`` tied to this process."""
        return [sys.executable, "-m", "bot.api_process", "--parent", str(os.getpid())]


def configured_api() -> ApiProcess | None:
    """The API child to start with the bot, or None when ``API_PORT`` is not set.

    Raises:
        ApiSettingsError: an API setting is malformed.
    """
    return ApiProcess() if load_api_settings().api_port is not None else None


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.api_process [--parent PID]``: the same as ``helpdesk api``."""
    from bot.cli import main as cli_main  # noqa: PLC0415 - the CLI imports this module's users

    return cli_main(["api", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
