"""Reading settings from the environment and ``.env``, and the HTTP API's own settings.

``EnvSettings`` says once how a setting is read (an empty or blank value counts as unset;
durations are written like ``90s``, ``15m``, ``12h``; a bad value becomes one line naming the
setting) and holds the bot token, which the API needs too (it signs Mini App logins). The
bot's ``Settings`` extend ``ApiSettings``, so ``helpdesk`` reads every setting in one pass.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Self

from pydantic import (
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.durations import parse_duration


def _duration(value: Any) -> Any:
    if isinstance(value, str):
        return parse_duration(value)
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class SettingsError(Exception):
    """Raised when a setting is missing or malformed; the message names the setting."""


class EnvSettings(BaseSettings):
    """How every setting is read, and the one both the bot and the API need.

    Attributes:
        telegram_bot_token: the bot's token from @BotFather; it also signs Mini App logins.
    """

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        # An empty variable is not set: it falls back to .env, then to the default.
        env_ignore_empty=True,
    )

    telegram_bot_token: SecretStr | None = None

    @model_validator(mode="before")
    @classmethod
    def _blank_is_not_set(cls, values: Any) -> Any:
        """Treat a blank value (``STAFF_CHAT_ID=  ``) as not set, like an empty one."""
        if not isinstance(values, dict):
            return values
        return {
            name: value
            for name, value in values.items()
            if not (isinstance(value, str) and not value.strip())
        }

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _token_without_spaces(cls, value: Any) -> Any:
        """Drop the spaces a copy and paste from @BotFather can bring along."""
        return value.strip() if isinstance(value, str) else value

    @classmethod
    def load(cls, **overrides: Any) -> Self:
        """Read the settings, turning validation errors into one line per bad setting.

        Raises:
            SettingsError: a setting is malformed.
        """
        try:
            return cls(**overrides)
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                name = ".".join(str(part) for part in error["loc"]).upper() or "settings"
                message = str(error["msg"]).removeprefix("Value error, ")
                problems.append(f"{name}: {message}")
            raise SettingsError("; ".join(problems)) from None


class ApiSettings(EnvSettings):
    """Where the API listens and how long its logins last.

    Attributes:
        api_host: the address to listen on (loopback unless said otherwise).
        api_port: the port; when unset, ``helpdesk run`` does not start the API.
        api_token_ttl: how long a login token lasts.
        api_init_data_max_age: the oldest Telegram Mini App login data accepted.
    """

    api_host: str = "127.0.0.1"
    api_port: int | None = Field(default=None, ge=1, le=65535)
    api_token_ttl: Duration = timedelta(hours=12)
    api_init_data_max_age: Duration = timedelta(hours=1)


def load_api_settings(**overrides: Any) -> ApiSettings:
    """Read only the API's settings (``helpdesk`` reads them with the bot's, in one pass).

    Raises:
        SettingsError: a setting is malformed.
    """
    return ApiSettings.load(**overrides)
