"""The ``helpdesk`` console script: a Ctrl-C at any moment ends it with one line.

The commands load SQLAlchemy, FastAPI, python-telegram-bot and the desk before they run
(a second or more on a small machine). A Ctrl-C in that time would stop an import and
print its traceback; this module imports nothing of that before it can answer one.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

INTERRUPTED = 130
"""The exit code of a command stopped by Ctrl-C (128 + SIGINT), as a shell reports it."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``helpdesk`` (``bot.cli``); a Ctrl-C while it loads is one line and exit 130."""
    try:
        from bot.cli import main as run_command  # noqa: PLC0415 - loaded once Ctrl-C is caught

        return run_command(argv)
    except KeyboardInterrupt:
        print("helpdesk: error: interrupted", file=sys.stderr)  # noqa: T201
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
