"""The HTTP API's settings, read once from the environment and ``.env`` at the entry point.

Durations are written like ``90s``, ``15m``, ``12h``; an empty value counts as unset.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.durations import parse_duration


def _duration(value: Any) -> Any:
    if isinstance(value, str):
        return parse_duration(value)
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class ApiSettingsError(Exception):
    """Raised when an API setting is malformed; the message names the setting."""


class ApiSettings(BaseSettings):
    """Where the API listens and how long its logins last.

    Attributes:
        api_host: the address to listen on (loopback unless said otherwise).
        api_port: the port; when unset, ``helpdesk run`` does not start the API.
        api_token_ttl: how long a login token lasts.
        api_init_data_max_age: the oldest Telegram Mini App login data accepted.
        telegram_bot_token: the bot's token, the key Mini App login data is signed with.
    """

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        env_ignore_empty=True,
    )

    api_host: str = "127.0.0.1"
    api_port: int | None = Field(default=None, ge=1, le=65535)
    api_token_ttl: Duration = timedelta(hours=12)
    api_init_data_max_age: Duration = timedelta(hours=1)
    telegram_bot_token: SecretStr | None = None


def load_api_settings(**overrides: Any) -> ApiSettings:
    """Read the API settings, turning validation errors into one line per bad setting.

    Raises:
        ApiSettingsError: a setting is malformed.
    """
    try:
        return ApiSettings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]).upper() or "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise ApiSettingsError("; ".join(problems)) from None
