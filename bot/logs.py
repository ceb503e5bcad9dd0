"""Logging setup: quiet libraries, and a filter that keeps the bot token out of every line."""

from __future__ import annotations

import logging

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


class RedactSecrets(logging.Filter):
    """Replace secrets (the bot token) wherever they would appear in a log line."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message without the secrets."""
        if not self._secrets:
            return True
        message = record.getMessage()
        cleaned = message
        for secret in self._secrets:
            cleaned = cleaned.replace(secret, "[redacted]")
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            for secret in self._secrets:
                record.exc_text = record.exc_text.replace(secret, "[redacted]")
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str, *, secrets: list[str]) -> None:
    """Log to stderr at ``level``, with libraries kept quiet and secrets redacted."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, quiet_level in QUIET.items():
        logging.getLogger(name).setLevel(max(quiet_level, logging.getLevelName(level)))
