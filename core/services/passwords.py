"""Password rules and bcrypt hashing.

bcrypt only looks at the first 72 bytes of a password, and bcrypt 5 raises on longer ones;
we refuse them up front with a clear message rather than hashing a truncated secret.
Hashing and checking are slow on purpose, so they run in a worker thread.
"""

from __future__ import annotations

import asyncio

import bcrypt

from core.errors import PasswordRejected

BCRYPT_MAX_BYTES = 72
_dummy_hashes: dict[int, bytes] = {}


def validate_new_password(password: str, min_length: int) -> None:
    """Refuse a password that is too short, too long for bcrypt, or blank.

    Raises:
        PasswordRejected: with the reason.
    """
    if not password.strip():
        raise PasswordRejected("The password is empty.")
    if len(password) < min_length:
        raise PasswordRejected(f"The password is too short: use at least {min_length} characters.")
    if len(password.encode("utf-8")) > BCRYPT_MAX_BYTES:
        raise PasswordRejected(
            f"The password is too long: bcrypt uses at most {BCRYPT_MAX_BYTES} bytes "
            "(fewer characters if you use non-ASCII letters or emoji)."
        )


async def hash_password(password: str, rounds: int) -> str:
    """Hash a (validated) password with bcrypt at the given cost."""
    secret = password.encode("utf-8")
    hashed = await asyncio.to_thread(bcrypt.hashpw, secret, bcrypt.gensalt(rounds=rounds))
    return hashed.decode("ascii")


async def check_password(password: str, hashed: str | None, rounds: int) -> bool:
    """Check a password against a hash; with no hash, spend the same time and say no.

    Checking against a dummy hash for unknown usernames keeps the answer time the same, so
    timing does not tell which usernames exist.
    """
    secret = password.encode("utf-8")
    if len(secret) > BCRYPT_MAX_BYTES:
        # bcrypt 5 raises for these; no stored password can be this long anyway.
        secret = secret[:BCRYPT_MAX_BYTES]
        hashed = None
    if hashed is None:
        dummy = _dummy_hashes.get(rounds)
        if dummy is None:
            dummy = await asyncio.to_thread(bcrypt.hashpw, b"-", bcrypt.gensalt(rounds=rounds))
            _dummy_hashes[rounds] = dummy
        await asyncio.to_thread(bcrypt.checkpw, secret, dummy)
        return False
    return await asyncio.to_thread(bcrypt.checkpw, secret, hashed.encode("ascii"))
