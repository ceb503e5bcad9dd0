"""Settings, read once from the environment and ``.env`` at the entry point.

Every setting has a default except ``TELEGRAM_BOT_TOKEN``, which only ``helpdesk run``
needs. Durations are written like ``90s``, ``15m``, ``1h``, ``3d``. An empty (or blank) value,
in the environment or in ``.env``, means the setting is not set: ``.env.example`` leaves
``TELEGRAM_BOT_TOKEN=`` and ``STAFF_CHAT_ID=`` empty, and copied as it is, it must work.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.config import DeskConfig
from core.durations import parse_duration
from core.errors import InvalidInput
from core.store.urls import async_database_url


def _duration(value: Any) -> Any:
    if isinstance(value, str):
        return parse_duration(value)
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class SettingsError(Exception):
    """Raised when a setting is missing or malformed; the message names the setting."""


class Settings(BaseSettings):
    """Everything configurable, with its default."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        # An empty variable is not set: it falls back to .env, then to the default.
        env_ignore_empty=True,
    )

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str | None = None
    staff_chat_id: int | None = None
    database_url: str = "sqlite+aiosqlite:///helpdesk.db"
    categories: str = ""
    show_agent_names: bool = False
    log_level: str = "INFO"
    http_timeout: float = Field(default=10.0, gt=0, le=120)
    poll_timeout: int = Field(default=10, ge=0, le=50)
    flood_limit_per_second: float = Field(default=30, gt=0)
    flood_limit_group_per_minute: float = Field(default=20, gt=0)
    flood_limit_private_per_second: float = Field(default=1, gt=0)

    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    password_min_length: int = Field(default=10, ge=8, le=72)
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_lockout: Duration = timedelta(minutes=15)
    reopen_window: Duration = timedelta(days=7)

    sla_first_response: Duration = timedelta(hours=1)
    sla_first_response_urgent: Duration = timedelta(minutes=15)
    sla_resolution: Duration = timedelta(hours=24)
    sla_resolution_urgent: Duration = timedelta(hours=4)
    pending_remind_after: Duration = timedelta(hours=24)
    pending_close_after: Duration = timedelta(days=7)
    auto_close_after: Duration = timedelta(hours=72)
    digest_time: time = time(9, 0)
    timezone: str = "UTC"
    jobs_interval: Duration = timedelta(seconds=30)
    outbox_keep_sent: Duration = timedelta(days=7)
    retention_after_close: Duration | None = None
    customer_messages_per_minute: int = Field(default=20, ge=1)
    new_tickets_per_day: int = Field(default=5, ge=1)
    new_customers_per_minute: int = Field(default=30, ge=1)
    delivery_worker: bool = True

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

    @field_validator("database_url")
    @classmethod
    def _usable_database(cls, value: str) -> str:
        try:
            return async_database_url(value)
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("use DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @field_validator("digest_time", mode="before")
    @classmethod
    def _clock_time(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                hours, minutes = (int(part) for part in value.strip().split(":"))
                return time(hours, minutes)
            except ValueError:
                raise ValueError(f"{value!r} is not a time of day; write it like 09:00") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone; use a name like UTC or Europe/Berlin"
            ) from None
        return value.strip()

    @property
    def category_list(self) -> tuple[str, ...]:
        """The configured categories, in order, without blanks."""
        return tuple(part.strip() for part in self.categories.split(",") if part.strip())

    def desk_config(self) -> DeskConfig:
        """Build the core's policy from these settings."""
        return DeskConfig(
            bcrypt_rounds=self.bcrypt_rounds,
            password_min_length=self.password_min_length,
            login_max_failures=self.login_max_failures,
            login_lockout=self.login_lockout,
            reopen_window=self.reopen_window,
            categories=self.category_list,
            sla_first_response=self.sla_first_response,
            sla_first_response_urgent=self.sla_first_response_urgent,
            sla_resolution=self.sla_resolution,
            sla_resolution_urgent=self.sla_resolution_urgent,
            pending_remind_after=self.pending_remind_after,
            pending_close_after=self.pending_close_after,
            auto_close_after=self.auto_close_after,
            digest_time=self.digest_time,
            timezone=self.timezone,
            retention_after_close=self.retention_after_close,
            customer_messages_per_minute=self.customer_messages_per_minute,
            new_tickets_per_day=self.new_tickets_per_day,
            new_customers_per_minute=self.new_customers_per_minute,
        )


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning validation errors into one line per bad setting.

    Raises:
        SettingsError: a setting is malformed.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]).upper() or "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise SettingsError("; ".join(problems)) from None
