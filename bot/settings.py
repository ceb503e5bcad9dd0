"""Settings, read once from the environment and ``.env`` at the entry point.

Every setting has a default except ``TELEGRAM_BOT_TOKEN``, which only ``helpdesk run``
needs. Durations are written like ``90s``, ``15m``, ``1h``, ``3d``. An empty (or blank) value,
in the environment or in ``.env``, means the setting is not set: ``.env.example`` leaves
``TELEGRAM_BOT_TOKEN=`` and ``STAFF_CHAT_ID=`` empty, and copied as it is, it must work.
"""

from __future__ import annotations

import dataclasses
from datetime import date, time, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, create_model, field_validator
from pydantic_settings import NoDecode

from api.settings import ApiSettings, Duration, SettingsError
from bot.i18n import UnknownLanguage, shipped_language
from core.config import DeskConfig
from core.domain.business_hours import WeeklyRange, parse_business_hours, parse_holidays
from core.errors import InvalidInput
from core.store.urls import async_database_url

__all__ = ["FIXED_RULES", "Settings", "SettingsError", "load_settings"]

FIXED_RULES = frozenset({"subject_max_length", "album_wait"})
"""``DeskConfig`` fields that are not settings: the subject fits the storage and the pages
it is shown on, and the album wait is tuned to how Telegram sends an album's parts."""

_SETTABLE_RULES = tuple(
    rule.name for rule in dataclasses.fields(DeskConfig) if rule.name not in FIXED_RULES
)
_BOUNDS: dict[str, tuple[int, int]] = {  # the lowest and highest value accepted
    "bcrypt_rounds": (4, 16),  # bcrypt's own range
    "password_min_length": (8, 72),  # bcrypt reads no more than 72 bytes
    "login_max_failures": (1, 100),
    "customer_messages_per_minute": (1, 10**9),
    "new_tickets_per_day": (1, 10**9),
    "new_customers_per_minute": (1, 10**9),
}


def _comma_separated(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def _business_hours(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_business_hours(value)
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None
    return value


def _holidays(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_holidays(value)
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None
    return value


# How the environment's text becomes each type DeskConfig uses (others: pydantic's own).
_READ_AS: dict[object, object] = {
    timedelta: Duration,
    timedelta | None: Duration | None,
    tuple[str, ...]: Annotated[tuple[str, ...], NoDecode, BeforeValidator(_comma_separated)],
    tuple[WeeklyRange, ...]: Annotated[
        tuple[WeeklyRange, ...], NoDecode, BeforeValidator(_business_hours)
    ],
    tuple[date, ...]: Annotated[tuple[date, ...], NoDecode, BeforeValidator(_holidays)],
}


def _desk_settings() -> dict[str, Any]:
    """One setting per ``DeskConfig`` field (but the fixed rules), with its type and default."""
    types = get_type_hints(DeskConfig)
    settings: dict[str, Any] = {}
    for rule in dataclasses.fields(DeskConfig):
        if rule.name not in _SETTABLE_RULES:
            continue
        default = (
            rule.default if rule.default_factory is dataclasses.MISSING else rule.default_factory()
        )
        kind = types[rule.name]
        lowest, highest = _BOUNDS.get(rule.name, (None, None))
        settings[rule.name] = (_READ_AS.get(kind, kind), Field(default, ge=lowest, le=highest))
    return settings


# DeskConfig is the one definition of the desk's rules and their defaults: the settings are
# made from its fields. Type checkers see the desk's rules through ``desk_config()``.
if TYPE_CHECKING:
    _WithDeskRules = ApiSettings
else:
    _WithDeskRules = create_model("_WithDeskRules", __base__=ApiSettings, **_desk_settings())


class Settings(_WithDeskRules):
    """Everything configurable, with its default.

    That is the API's settings (``ApiSettings``), the desk's rules (one per ``DeskConfig``
    field but the fixed rules, same name, same default) and the bot's own, below.
    """

    telegram_base_url: str | None = None
    staff_chat_id: int | None = None
    database_url: str = "sqlite+aiosqlite:///helpdesk.db"
    show_agent_names: bool = False
    log_level: str = "INFO"
    http_timeout: float = Field(default=10.0, gt=0, le=120)
    poll_timeout: int = Field(default=10, ge=0, le=50)
    flood_limit_per_second: float = Field(default=30, gt=0)
    flood_limit_group_per_minute: float = Field(default=20, gt=0)
    flood_limit_private_per_second: float = Field(default=1, gt=0)
    jobs_interval: Duration = timedelta(seconds=30)
    outbox_keep_sent: Duration = timedelta(days=7)
    delivery_worker: bool = False
    default_language: str = "en"
    staff_language: str = "en"
    private_topics: Literal["auto", "off"] = "auto"

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

    @field_validator("default_language", "staff_language")
    @classmethod
    def _shipped_language(cls, value: str) -> str:
        try:
            return shipped_language(value)
        except UnknownLanguage as exc:
            raise ValueError(str(exc)) from None

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
        return self.desk_config().categories

    def desk_config(self) -> DeskConfig:
        """Build the core's policy from these settings (the fixed rules keep their default)."""
        return DeskConfig(**{name: getattr(self, name) for name in _SETTABLE_RULES})


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning validation errors into one line per bad setting.

    Raises:
        SettingsError: a setting is malformed.
    """
    return Settings.load(**overrides)
