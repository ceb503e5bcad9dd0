"""Request parameters as the Bot API receives them.

Clients send parameters form-encoded, as multipart form data (uploads) or as a JSON body.
In the first two every value is a string and non-string values are JSON-encoded
(``chat_id=42``, ``reply_markup={...}``). :class:`RequestParams` keeps the raw values and lets
each method ask for the type it expects, so a text like ``"123"`` stays text while
``chat_id="123"`` becomes the number 123.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sandbox.botapi.errors import bad_request

MEDIA_KINDS = (
    "photo",
    "document",
    "video",
    "audio",
    "voice",
    "animation",
    "video_note",
    "sticker",
)
"""The kinds of attached media a message can carry, as Bot API field names."""

STRING_PARAMETERS = frozenset(
    {
        "text",
        "caption",
        "name",
        "title",
        "description",
        "callback_query_id",
        "parse_mode",
        "data",
        "url",
        "file_id",
        "first_name",
        "last_name",
        "phone_number",
        "vcard",
        "emoji",
        "action",
        "language_code",
        "icon_custom_emoji_id",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        *MEDIA_KINDS,
    }
)
"""Parameters that are always strings, even when they look like JSON (``text="123"``)."""


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request.

    Attributes:
        filename: The file name the client gave.
        content_type: The part's content type.
        content: The bytes.
    """

    filename: str
    content_type: str
    content: bytes

    def __repr__(self) -> str:
        return f"UploadedFile({self.filename!r}, {len(self.content)} bytes)"


class RequestParams:
    """The parameters of one Bot API call, with typed accessors.

    Every accessor answers ``400 Bad Request`` when a value has the wrong shape, like Telegram.
    """

    def __init__(self, values: dict[str, Any]) -> None:
        """Wrap raw values: strings (form data), :class:`UploadedFile` parts or JSON values."""
        self._values = values

    def __contains__(self, name: str) -> bool:
        return self._values.get(name) not in (None, "")

    def decoded(self) -> dict[str, Any]:
        """All parameters with JSON strings decoded, for recording and assertions."""
        return {name: self._decode(name, value) for name, value in self._values.items()}

    def text(self, name: str) -> str | None:
        """A string parameter, or None when absent."""
        value = self._values.get(name)
        if value is None:
            return None
        if isinstance(value, UploadedFile):
            raise bad_request(f"{name} must be a string")
        return value if isinstance(value, str) else str(value)

    def required_text(self, name: str) -> str:
        """A string parameter that must be present."""
        value = self.text(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def integer(self, name: str) -> int | None:
        """An integer parameter, or None when absent."""
        value = self.json(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def required_integer(self, name: str) -> int:
        """An integer parameter that must be present."""
        value = self.integer(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def number(self, name: str) -> float:
        """A required float parameter (latitude, longitude)."""
        value = self.json(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad_request(f"{name} is empty" if value is None else f"invalid {name}")
        return float(value)

    def flag(self, name: str) -> bool:
        """A boolean parameter; absent means False."""
        value = self.json(name)
        if isinstance(value, str):
            return value.lower() in {"true", "1"}
        return bool(value)

    def chat_id(self, name: str = "chat_id") -> int | str:
        """A required chat id: an integer, or an ``@username`` string."""
        value = self.json(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.startswith("@"):
            return value
        raise bad_request("chat not found")

    def json(self, name: str) -> Any:
        """A JSON-encoded parameter decoded (objects, lists, numbers), or None when absent."""
        value = self._values.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            return value

    def json_object(self, name: str) -> dict[str, Any] | None:
        """A JSON object parameter (``reply_markup``, ``reply_parameters``)."""
        value = self.json(name)
        if value is None or value == "":
            return None
        if not isinstance(value, dict):
            raise bad_request(f"can't parse {name} JSON object")
        return value

    def json_list(self, name: str) -> list[Any] | None:
        """A JSON array parameter (``entities``, ``message_ids``, ``media``)."""
        value = self.json(name)
        if value is None or value == "":
            return None
        if not isinstance(value, list):
            raise bad_request(f"can't parse {name} JSON array")
        return value

    def upload(self, name: str) -> UploadedFile | None:
        """The uploaded file part called ``name`` (also for ``attach://name`` references)."""
        value = self._values.get(name)
        return value if isinstance(value, UploadedFile) else None

    def file_reference(self, name: str) -> str | UploadedFile:
        """A required file: a file_id or URL string, or an upload (``attach://`` resolved)."""
        upload = self.upload(name)
        if upload is not None:
            return upload
        reference = self.text(name)
        if not reference:
            raise bad_request(f"there is no {name} in the request")
        return self.resolve_attachment(reference)

    def resolve_attachment(self, reference: str) -> str | UploadedFile:
        """Turn ``attach://<part>`` into that uploaded part; other strings stay as they are."""
        if not reference.startswith("attach://"):
            return reference
        upload = self.upload(reference.removeprefix("attach://"))
        if upload is None:
            raise bad_request(f"file {reference} not found in the request")
        return upload

    @staticmethod
    def _decode(name: str, value: Any) -> Any:
        if not isinstance(value, str) or name in STRING_PARAMETERS:
            return value
        try:
            return json.loads(value)
        except ValueError:
            return value
