"""Checking the login data a Telegram Mini App receives (``initData``), as Telegram documents.

The data is a query string signed by the bot's token: ``hash`` is
``hex(HMAC_SHA256(key=HMAC_SHA256(key="WebAppData", msg=bot_token), msg=data_check_string))``
where ``data_check_string`` is every other field as ``key=value``, sorted by key, joined by
newlines (the newer ``signature`` field included). A pure function: no database, no clock
of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

from core.domain.actors import CustomerProfile
from core.errors import CredentialsRejected

MAX_INIT_DATA_LENGTH = 4096


@dataclass(frozen=True, slots=True)
class TelegramLogin:
    """Who the checked login data speaks for, and its hash (unique per signed data)."""

    profile: CustomerProfile
    auth_date: datetime
    hash: str


def sign_init_data(fields: dict[str, str], bot_token: str) -> str:
    """Sign fields the way Telegram does and return the query string (for tests and sandboxes)."""
    from urllib.parse import urlencode  # noqa: PLC0415 - only signers need it

    signed = dict(fields)
    signed["hash"] = _digest(fields, bot_token)
    return urlencode(signed)


def verify_init_data(
    init_data: str, bot_token: str, *, now: datetime, max_age: timedelta
) -> TelegramLogin:
    """Check Mini App login data and read the Telegram user it is for.

    Raises:
        CredentialsRejected: malformed, not signed with this bot's token, older than
            ``max_age`` (or dated in the future), or without a usable ``user``.
    """
    if len(init_data) > MAX_INIT_DATA_LENGTH:
        raise CredentialsRejected("The Telegram login data is too long.")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise CredentialsRejected("The Telegram login data is not a query string.") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise CredentialsRejected("The Telegram login data repeats a field.")
    received = fields.pop("hash", "")
    if not received:
        raise CredentialsRejected("The Telegram login data has no hash.")
    if not hmac.compare_digest(_digest(fields, bot_token), received.lower()):
        raise CredentialsRejected("The Telegram login data is not signed by this bot.")
    auth_date = _auth_date(fields.get("auth_date", ""))
    if now - auth_date > max_age:
        raise CredentialsRejected("The Telegram login data has expired; open the app again.")
    if auth_date - now > timedelta(minutes=5):
        raise CredentialsRejected("The Telegram login data is dated in the future.")
    return TelegramLogin(_profile(fields.get("user", "")), auth_date, received.lower())


def _digest(fields: dict[str, str], bot_token: str) -> str:
    check_string = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()


def _auth_date(value: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise CredentialsRejected("The Telegram login data has no valid auth_date.") from None


def _profile(user_json: str) -> CustomerProfile:
    try:
        user = json.loads(user_json)
        user_id = int(user["id"])
    except (ValueError, TypeError, KeyError):
        raise CredentialsRejected("The Telegram login data names no user.") from None
    if not isinstance(user, dict) or user_id <= 0:
        raise CredentialsRejected("The Telegram login data names no user.")
    name = " ".join(str(user.get(k) or "") for k in ("first_name", "last_name")).strip()
    username = user.get("username")
    language = user.get("language_code")
    return CustomerProfile(
        telegram_user_id=user_id,
        display_name=(name or str(user_id))[:256],
        username=str(username)[:64] if username else None,
        language_code=str(language)[:16] if language else None,
    )
