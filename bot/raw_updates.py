"""``getUpdates`` read by hand: the raw batch, then each update parsed on its own.

python-telegram-bot's ``Bot.get_updates`` parses a whole batch at once: one update it
cannot read (a field this library version requires and the server left out) fails the
call, logs the whole batch (whatever people wrote, passwords included) at CRITICAL, and
comes back on every later call. Here the batch arrives as plain JSON, every update is
parsed alone, and one that cannot be read is described without its content, so the
caller can keep it as a dead letter and handle the rest.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from telegram import Bot, Update
from telegram.error import NetworkError, TelegramError
from telegram.request import HTTPXRequest

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,63}")
_SAFE_TYPE_ERROR = re.compile(
    r"[\w.]+\(\) (missing \d+ required (positional|keyword-only) arguments?: "
    r"'\w+'((, | and |, and )'\w+')*"
    r"|got an unexpected keyword argument '\w+')"
)
UNKNOWN_KIND = "unknown"


class PollingRequest(HTTPXRequest):
    """The HTTP connection polling uses; it never logs what the server answered.

    The library's own JSON reader logs a body it cannot decode, whole, at ERROR: for a
    ``getUpdates`` answer that body is people's messages.
    """

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """Decode the server's JSON answer.

        Raises:
            TelegramError: the answer is not a JSON object (its text is not repeated).
        """
        try:
            decoded = json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            raise TelegramError("the Bot API answered with something that is not JSON") from None
        if not isinstance(decoded, dict):
            raise TelegramError("the Bot API answered with JSON that is not an object")
        return decoded


async def fetch_raw_updates(
    request: PollingRequest,
    bot: Bot,
    *,
    offset: int | None,
    wait: int,
    allowed_updates: list[str],
    read_timeout: float,
    limit: int | None = None,
) -> list[object]:
    """One ``getUpdates`` call; the updates as the server sent them, not parsed.

    The parameters go in the query string (the Bot API takes them there as well as in the
    body): the library builds request bodies only from its own internal parameter type.

    Args:
        request: The polling connection.
        bot: The bot (for its API address).
        offset: Confirms every update below it.
        wait: The long poll's ``timeout``, in seconds.
        allowed_updates: The update kinds wanted.
        read_timeout: How long to wait for the answer (more than ``wait``).
        limit: At most this many updates (the server's default when None).

    Raises:
        TelegramError: as for any Bot API call (NetworkError, TimedOut, RetryAfter,
            Conflict, InvalidToken...); NetworkError also when the answer is not a list.
    """
    fields = {"timeout": str(wait), "allowed_updates": json.dumps(allowed_updates)}
    if offset is not None:
        fields["offset"] = str(offset)
    if limit is not None:
        fields["limit"] = str(limit)
    result: object = await request.post(
        f"{bot.base_url}/getUpdates?{urlencode(fields)}", read_timeout=read_timeout
    )
    if not isinstance(result, list):
        raise NetworkError("the Bot API answered getUpdates with something other than a list")
    return list(result)


@dataclass(frozen=True, slots=True)
class UnreadableUpdate:
    """An update the library could not parse, with a description free of its content."""

    update_id: int
    kind: str
    chat_id: int | None
    error: str
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True, slots=True)
class ReadBatch:
    """One ``getUpdates`` answer, read update by update.

    Attributes:
        updates: The updates that could be parsed, in the order received.
        unreadable: Those that could not, in the order received.
        next_offset: The offset that confirms the whole batch, or None for an empty one.
        without_id: How many items carried no update id at all (nothing to keep them by).
    """

    updates: list[Update]
    unreadable: list[UnreadableUpdate]
    next_offset: int | None
    without_id: int


def read_batch(raw_updates: list[object], bot: Bot) -> ReadBatch:
    """Parse each update of a ``getUpdates`` answer on its own."""
    updates: list[Update] = []
    unreadable: list[UnreadableUpdate] = []
    highest: int | None = None
    without_id = 0
    for raw in raw_updates:
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        if not isinstance(raw, dict) or not isinstance(update_id, int) or update_id is True:
            without_id += 1
            continue
        highest = update_id if highest is None else max(highest, update_id)
        read = read_update(raw, bot)
        if isinstance(read, UnreadableUpdate):
            unreadable.append(read)
        else:
            updates.append(read)
    return ReadBatch(updates, unreadable, None if highest is None else highest + 1, without_id)


def read_update(raw: dict[str, Any], bot: Bot) -> Update | UnreadableUpdate:
    """Parse one update with the installed library, or say why it cannot be read.

    ``raw`` must carry an integer ``update_id``; it is left as it was.
    """
    try:
        return Update.de_json(copy.deepcopy(raw), bot)
    except Exception as exc:  # whatever the parser raises, the update is kept
        return UnreadableUpdate(
            update_id=int(raw["update_id"]),
            kind=kind_of(raw),
            chat_id=chat_id_of(raw),
            error=describe_parse_error(exc),
            raw=raw,
        )


def kind_of(raw: dict[str, Any]) -> str:
    """The update's kind: its first key besides ``update_id`` (``message``, ...)."""
    key = next((key for key in raw if key != "update_id"), None)
    return key if isinstance(key, str) and _NAME.fullmatch(key) else UNKNOWN_KIND


def chat_id_of(raw: dict[str, Any]) -> int | None:
    """The chat an update comes from (the user's, for a button press), if it says so."""
    payload = raw.get(kind_of(raw))
    if not isinstance(payload, dict):
        return None
    message = payload.get("message")
    for holder, key in (
        (payload.get("chat"), "id"),
        (message.get("chat") if isinstance(message, dict) else None, "id"),
        (payload.get("from"), "id"),
    ):
        value = holder.get(key) if isinstance(holder, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def describe_parse_error(exc: BaseException) -> str:
    """Say why an update could not be parsed, naming fields but quoting no content.

    A missing field or an unexpected one is named (field names are the Bot API's, not the
    user's); any other error is named by its type alone, since its message may quote a
    value the user wrote. The parser function that failed is added.
    """
    kind = type(exc).__name__
    key = exc.args[0] if isinstance(exc, KeyError) and exc.args else None
    if isinstance(key, str) and _NAME.fullmatch(key):
        what = f"missing field {key!r}"
    elif isinstance(exc, TypeError) and _SAFE_TYPE_ERROR.fullmatch(str(exc)):
        what = str(exc)
    else:
        what = "unexpected content"
    where = _failing_function(exc)
    return f"{what} ({kind}{f' in {where}' if where else ''})"


def _failing_function(exc: BaseException) -> str | None:
    traceback = exc.__traceback__
    if traceback is None:
        return None
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    return traceback.tb_frame.f_code.co_qualname
