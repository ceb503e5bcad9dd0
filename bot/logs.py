"""Logging setup: quiet libraries, and a filter that keeps bot tokens out of every line.

Whatever is shaped like a bot token (``123456:`` and 30 or more letters, digits, ``_`` or
``-``) is redacted, as is the configured token itself (whatever its shape) and its secret
part: in the message, its arguments, the exception text and the stack. The command line's
error lines and uncaught tracebacks go through the same ``redact``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

QUIET = {
    "httpx": logging.WARNING,  # at INFO it logs every request URL, token included
    "httpcore": logging.WARNING,
    "aiosqlite": logging.WARNING,  # at DEBUG it logs every statement with its parameters
    "sqlalchemy": logging.WARNING,
    "apscheduler": logging.WARNING,
    "telegram.ext.AIORateLimiter": logging.CRITICAL,  # the dispatcher reports 429s itself
    # At DEBUG the library logs every request and answer, passwords and messages included.
    "telegram": logging.INFO,
}
TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
REDACTED = "[redacted]"
SHORTEST_SECRET = 8  # a shorter "secret" would redact ordinary words


def secret_forms(token: str | None) -> list[str]:
    """The strings to hide for a token: the token, and its part after the bot id."""
    if not token:
        return []
    forms = [token]
    _, _, secret = token.partition(":")
    if len(secret) >= SHORTEST_SECRET:
        forms.append(secret)
    return forms


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace the given secrets, and anything shaped like a bot token, in ``text``."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return TOKEN_SHAPE.sub(REDACTED, text)


class RedactSecrets(logging.Filter):
    """Redact bot tokens wherever they would appear in a log line."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message, exception text and stack without the secrets."""
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call must not leak its arguments either
            message = f"{record.msg} (the log call's arguments did not fit its message)"
        record.msg, record.args = redact(message, self._secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self._secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self._secrets)
        return True


def configure_logging(level: str, *, secrets: Iterable[str] = ()) -> None:
    """Log to stderr at ``level``, with libraries kept quiet and tokens redacted."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.captureWarnings(True)  # warnings, too, go through the filter
    for name, quiet_level in QUIET.items():
        logging.getLogger(name).setLevel(max(quiet_level, logging.getLevelName(level)))
