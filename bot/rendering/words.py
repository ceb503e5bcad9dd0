"""The small vocabulary every message shares: status and priority names with their marks."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import NP_, pgettext, staff_pgettext, staff_weekday
from core.domain.values import Priority, Status

STATUS_MARK = {
    Status.NEW: "🆕",
    Status.OPEN: "🟢",
    Status.PENDING: "⏳",
    Status.RESOLVED: "✅",
    Status.CLOSED: "🔒",
}
STATUS_WORD = {
    Status.NEW: NP_("status", "new"),
    Status.OPEN: NP_("status", "open"),
    Status.PENDING: NP_("status", "pending"),
    Status.RESOLVED: NP_("status", "resolved"),
    Status.CLOSED: NP_("status", "closed"),
}
STAFF_STATUS_WORD = {
    Status.NEW: NP_("staff status", "new"),
    Status.OPEN: NP_("staff status", "open"),
    Status.PENDING: NP_("staff status", "pending"),
    Status.RESOLVED: NP_("staff status", "resolved"),
    Status.CLOSED: NP_("staff status", "closed"),
}
"""The statuses as agents name them (``pending``: waiting for the customer, not for "you")."""
PRIORITY_MARK = {
    Priority.LOW: "⚪",
    Priority.NORMAL: "🔵",
    Priority.HIGH: "🟠",
    Priority.URGENT: "🔴",
}
PRIORITY_WORD = {
    Priority.LOW: NP_("priority", "low"),
    Priority.NORMAL: NP_("priority", "normal"),
    Priority.HIGH: NP_("priority", "high"),
    Priority.URGENT: NP_("priority", "urgent"),
}


def status_label(status: Status) -> str:
    """Render a status with its mark, e.g. ``🟢 open``."""
    return f"{STATUS_MARK[status]} {status_word(status)}"


def status_word(status: Status) -> str:
    """A status's name for staff, in ``STAFF_LANGUAGE``, without its mark."""
    return staff_pgettext("staff status", STAFF_STATUS_WORD[status])


def customer_status_label(status: Status) -> str:
    """Render a status for a customer, in their language: ``🟢 открыт``."""
    return f"{STATUS_MARK[status]} {pgettext('status', STATUS_WORD[status])}"


def customer_status_word(status: Status) -> str:
    """A status's name for a customer, in their language, without its mark."""
    return pgettext("status", STATUS_WORD[status])


def priority_label(priority: Priority) -> str:
    """Render a priority with its mark, e.g. ``🔴 urgent``."""
    return f"{PRIORITY_MARK[priority]} {priority_word(priority)}"


def priority_word(priority: Priority) -> str:
    """A priority's name for staff, in ``STAFF_LANGUAGE``, without its mark."""
    return staff_pgettext("priority", PRIORITY_WORD[priority])


def when(moment: datetime) -> str:
    """Render a time for people: ``2026-11-26 09:05 UTC``."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def when_local(moment: datetime, timezone: str) -> str:
    """Render a time in the team's time zone: ``Mon 2026-11-30 10:05 Europe/Berlin``.

    The weekday is in ``STAFF_LANGUAGE`` (``Mo.``, ``пн``).
    """
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{staff_weekday(local)} {local:%Y-%m-%d %H:%M} {timezone}"
