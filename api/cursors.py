"""The API's page cursors: opaque, and bound to the list they page through.

The desk's own cursor is a position (the last ticket's activity time and number). Over
HTTP it travels as base64url of a digest of the list's filters followed by that position,
so a client treats it as the opaque token it is, and a cursor taken from a list with other
filters is refused instead of paging a list from a position it never held. A cursor that
is not one the API wrote is refused with the desk's own sentence, as a stale one is.

Example::

    position = position_of(cursor, where)
    page = await desk.queries.list_ticket_summaries(actor, where, cursor=position)
    next_cursor = cursor_of(page.next_cursor, where)
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from core.errors import InvalidInput
from core.services.queries import TicketFilter

_SCOPE_BYTES = 6
STALE = "That page link is no longer valid; open the list again."
OTHER_LIST = (
    "That cursor belongs to a list with other filters; ask for the first page of this one "
    "(without a cursor)."
)


def _scope(where: TicketFilter) -> bytes:
    """A short digest of the filters: the same filters give the same bytes, in any process."""
    return hashlib.sha256(repr(where).encode()).digest()[:_SCOPE_BYTES]


def cursor_of(position: str | None, where: TicketFilter) -> str | None:
    """The cursor a client is given for the desk's position in the list ``where`` selects."""
    if position is None:
        return None
    raw = _scope(where) + position.encode("ascii")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def position_of(cursor: str | None, where: TicketFilter) -> str | None:
    """The desk's position a client's cursor holds (None: the first page).

    Raises:
        InvalidInput: the cursor is not one the API wrote, or was written for other filters.
    """
    if not cursor:
        return None
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        position = raw[_SCOPE_BYTES:].decode("ascii")
    except (binascii.Error, ValueError):
        raise InvalidInput(STALE) from None
    if len(raw) <= _SCOPE_BYTES:
        raise InvalidInput(STALE)
    if raw[:_SCOPE_BYTES] != _scope(where):
        raise InvalidInput(OTHER_LIST)
    return position
