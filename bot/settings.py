"""Settings, read once from the environment and ``.env`` at the entry point.

Every setting has a default except ``TELEGRAM_BOT_TOKEN``, which only ``helpdesk run``
needs. Durations are written like ``90s``, ``15m``, ``1h``, ``3d``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.config import DeskConfig
from core.durations import parse_duration


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
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
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

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("use DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

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
