"""The desk's policy knobs, as plain values handed to the services by the entry point."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from core.domain.business_hours import BusinessHours, WeeklyRange


@dataclass(frozen=True, slots=True)
class DeskConfig:
    """Rules the services apply; every field has the documented default.

    Attributes:
        bcrypt_rounds: bcrypt cost factor for new password hashes.
        password_min_length: shortest password accepted, in characters.
        login_max_failures: failed logins in a row that lock an account.
        login_lockout: how long such a lock lasts.
        reopen_window: how long after resolution a customer reply reopens the ticket.
        categories: the categories a customer may choose from (empty: no choice).
        subject_max_length: longest subject accepted, in characters.
        album_wait: how long copies of an album's parts wait for the rest of the album, so
            they are delivered together.
        sla_first_response: a new ticket should get an answer within this time...
        sla_first_response_urgent: ...or this, when it is urgent.
        sla_resolution: a ticket should be resolved within this time of being opened...
        sla_resolution_urgent: ...or this, when it is urgent.
        pending_remind_after: remind the customer once after a ticket waited this long on them.
        pending_close_after: close a ticket that waited this long on the customer.
        auto_close_after: close a resolved ticket the customer has not answered for this long.
        digest_time: when the daily digest goes out, in ``timezone``.
        timezone: the IANA time zone for the digest, for "today" in figures and for
            business hours.
        business_hours: when SLA clocks run, in ``timezone`` (empty: around the clock).
        holidays: dates on which SLA clocks stand still all day.
        retention_after_close: erase the content of tickets closed longer ago than this
            (None: keep forever).
        customer_messages_per_minute: a customer's messages relayed per minute; the rest
            are stored and relayed together when the minute is over.
        new_tickets_per_day: tickets a customer may open in 24 hours.
        new_customers_per_minute: new customers per minute whose first ticket opens at once;
            past it, first tickets wait for a human check.
    """

    bcrypt_rounds: int = 12
    password_min_length: int = 10
    login_max_failures: int = 5
    login_lockout: timedelta = timedelta(minutes=15)
    reopen_window: timedelta = timedelta(days=7)
    categories: tuple[str, ...] = field(default_factory=tuple)
    subject_max_length: int = 120
    album_wait: timedelta = timedelta(seconds=1.5)
    sla_first_response: timedelta = timedelta(hours=1)
    sla_first_response_urgent: timedelta = timedelta(minutes=15)
    sla_resolution: timedelta = timedelta(hours=24)
    sla_resolution_urgent: timedelta = timedelta(hours=4)
    pending_remind_after: timedelta = timedelta(hours=24)
    pending_close_after: timedelta = timedelta(days=7)
    auto_close_after: timedelta = timedelta(hours=72)
    digest_time: time = time(9, 0)
    timezone: str = "UTC"
    business_hours: tuple[WeeklyRange, ...] = field(default_factory=tuple)
    holidays: tuple[date, ...] = field(default_factory=tuple)
    retention_after_close: timedelta | None = None
    customer_messages_per_minute: int = 20
    new_tickets_per_day: int = 5
    new_customers_per_minute: int = 30

    def business_time(self) -> BusinessHours:
        """The business hours SLA clocks count in (around the clock when none are set)."""
        return BusinessHours(
            ranges=self.business_hours,
            holidays=frozenset(self.holidays),
            zone=ZoneInfo(self.timezone),
        )
