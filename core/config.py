"""The desk's policy knobs, as plain values handed to the services by the entry point."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta


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
    """

    bcrypt_rounds: int = 12
    password_min_length: int = 10
    login_max_failures: int = 5
    login_lockout: timedelta = timedelta(minutes=15)
    reopen_window: timedelta = timedelta(days=7)
    categories: tuple[str, ...] = field(default_factory=tuple)
    subject_max_length: int = 120
    album_wait: timedelta = timedelta(seconds=1.5)
