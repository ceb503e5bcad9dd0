"""Languages: gettext catalogs (``bot/locales``), the language of the text being rendered.

The source strings are English; ``bot/locales/<lang>/LC_MESSAGES/helpdesk.po`` translates
them. A catalog is compiled in memory the first time its language is used (with Babel), so
there are no ``.mo`` files to build or commit, and an edited ``.po`` is what runs.

Two audiences, two functions:

- ``_`` / ``ngettext`` render in the *customer's* language: the one set for the update or
  the notice being handled (``speaking``), else ``DEFAULT_LANGUAGE``.
- ``staff_gettext`` / ``staff_ngettext`` / ``staff_pgettext`` render in ``STAFF_LANGUAGE``
  whatever the customer speaks; staff modules import them as ``_`` / ``ngettext`` /
  ``pgettext``, so one extraction finds both. ``staff_weekday``, ``staff_day_month`` and
  ``format_staff_duration`` write dates and durations the staff's way.

``N_`` marks a string for extraction where it is defined, to be translated where it is used.
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.units import format_unit

SOURCE_LANGUAGE = "en"
SHIPPED_LANGUAGES = ("en", "ru", "es", "pt_BR", "de")
"""Every language a customer can get; ``en`` is the source and needs no catalog."""

DOMAIN = "helpdesk"
LOCALES = Path(__file__).parent / "locales"


@dataclass
class _Setup:
    default: str = SOURCE_LANGUAGE
    staff: str = SOURCE_LANGUAGE


_setup = _Setup()
_speaking: ContextVar[str | None] = ContextVar("speaking", default=None)


class UnknownLanguage(ValueError):
    """Raised when a setting names a language the desk does not ship."""


def configure(*, default_language: str, staff_language: str) -> None:
    """Set the customers' fallback language and the staff's language (at startup).

    Raises:
        UnknownLanguage: either is not a shipped language.
    """
    _setup.default = shipped_language(default_language)
    _setup.staff = shipped_language(staff_language)


def shipped_language(code: str) -> str:
    """The shipped language a setting names (``pt-br`` → ``pt_BR``).

    Raises:
        UnknownLanguage: it names none of them.
    """
    found = match_language(code)
    if found is None:
        raise UnknownLanguage(f"{code!r} is not one of {', '.join(SHIPPED_LANGUAGES)}")
    return found


def match_language(code: str | None) -> str | None:
    """The shipped language closest to an IETF tag (Telegram's ``language_code``), or None.

    ``pt-br`` and ``pt`` give ``pt_BR``, ``de-AT`` gives ``de``; ``zh-hant-TW`` and ``xx``
    give None.
    """
    if not code:
        return None
    parts = code.strip().replace("_", "-").lower().split("-")
    tag = "-".join(parts)
    for language in SHIPPED_LANGUAGES:
        if language.replace("_", "-").lower() == tag:
            return language
    for language in SHIPPED_LANGUAGES:
        if language.split("_")[0].lower() == parts[0]:
            return language
    return None


def customer_language(chosen: str | None, telegram_code: str | None) -> str:
    """A customer's language: the one they chose, else their app's, else the default."""
    return match_language(chosen) or match_language(telegram_code) or _setup.default


def default_language() -> str:
    """The customers' fallback language (``DEFAULT_LANGUAGE``)."""
    return _setup.default


def staff_language() -> str:
    """The staff's language (``STAFF_LANGUAGE``)."""
    return _setup.staff


def current_language() -> str:
    """The language customer texts are rendered in right now."""
    return _speaking.get() or _setup.default


def set_language(language: str) -> None:
    """Render customer texts in ``language`` for the rest of this task (one update)."""
    _speaking.set(match_language(language) or _setup.default)


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Render customer texts in ``language`` inside the block."""
    token = _speaking.set(match_language(language) or _setup.default)
    try:
        yield
    finally:
        _speaking.reset(token)


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of a language (compiled once, in memory, from its ``.po``)."""
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    path = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _(message: str) -> str:
    """Translate a customer text into the current language."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a customer text whose form depends on ``n`` (1 ticket, 5 тикетов)."""
    return translations(current_language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """Translate a customer text that needs a context (``status``: ``open``)."""
    return translations(current_language()).pgettext(context, message)


def staff_gettext(message: str) -> str:
    """Translate a staff text into ``STAFF_LANGUAGE``."""
    return translations(_setup.staff).gettext(message)


def staff_ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a staff text whose form depends on ``n``."""
    return translations(_setup.staff).ngettext(singular, plural, n)


def staff_pgettext(context: str, message: str) -> str:
    """Translate a staff text that needs a context."""
    return translations(_setup.staff).pgettext(context, message)


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


def NP_(context: str, message: str) -> str:
    """Mark a string with a context for extraction; ``pgettext(context, it)`` shows it."""
    del context
    return message


def language_name(language: str) -> str:
    """A language's name in itself: ``Deutsch``, ``português (Brasil)``."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


def format_when(moment: datetime) -> str:
    """A moment for the current customer: ``Nov 26, 2026 09:05 UTC``, ``26.11.2026 09:05 UTC``."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    day = format_date(utc, "medium", locale=current_language())
    return f"{day} {utc:%H:%M} UTC"


def format_short_when(moment: datetime) -> str:
    """A day and a time for a history line: ``Nov 26 09:05``, ``26 нояб. 09:05``."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return f"{format_skeleton('MMMd', utc, locale=current_language())} {utc:%H:%M}"


def staff_weekday(moment: datetime) -> str:
    """A weekday's short name in ``STAFF_LANGUAGE``: ``Mon``, ``Mo.``, ``пн``."""
    return format_skeleton("EEE", moment, locale=_setup.staff)


def staff_day_month(moment: datetime) -> str:
    """A day and a month in ``STAFF_LANGUAGE``, as the moment gives them: ``26 Nov``."""
    return format_date(moment, "dd MMM", locale=_setup.staff)


def format_staff_duration(delta: timedelta) -> str:
    """A duration for staff, short: ``1h30m``, ``25m`` in English, ``1 ч 30 мин`` in Russian.

    English keeps the desk's own short form (the one settings are written in).
    """
    seconds = max(int(delta.total_seconds()), 0)
    parts = []
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(
                format_unit(count, f"duration-{unit}", length="narrow", locale=_setup.staff)
            )
    if not parts:
        return format_unit(0, "duration-second", length="narrow", locale=_setup.staff)
    return ("" if _setup.staff == SOURCE_LANGUAGE else " ").join(parts)


def format_span(delta: timedelta) -> str:
    """A duration for the current customer, exact: ``1 day 12 hours``, ``7 дней``."""
    seconds = max(int(delta.total_seconds()), 0)
    parts = []
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(format_unit(count, f"duration-{unit}", locale=current_language()))
    return " ".join(parts) or format_unit(0, "duration-second", locale=current_language())
