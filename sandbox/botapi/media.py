"""Files the fake server knows: ids, Bot API media objects and downloadable content.

Every photo, document, voice note... sent by a user or uploaded by the bot gets a file id
here. Sending by file id reuses the stored object, so a file a customer sent can be sent on
by the bot just like with Telegram; ``getFile`` and the download route read from here too.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from sandbox.botapi.errors import bad_request
from sandbox.botapi.params import MEDIA_KINDS, UploadedFile
from sandbox.botapi.sequences import IdSequence

"""Message fields that carry a file (``photo`` is a list of sizes, the others one object)."""

PHOTO_SIZES = ((90, 68), (320, 240), (1280, 960))
FAKE_FILE_SIZE = 2048
_EXTENSIONS = {
    "photo": "jpg",
    "document": "bin",
    "video": "mp4",
    "audio": "mp3",
    "voice": "oga",
    "animation": "mp4",
    "video_note": "mp4",
    "sticker": "webp",
}
_FOLDERS = {
    "photo": "photos",
    "document": "documents",
    "video": "videos",
    "audio": "music",
    "voice": "voice",
    "animation": "animations",
    "video_note": "video_notes",
    "sticker": "stickers",
}


@dataclass
class StoredFile:
    """One file id and what it points to.

    Attributes:
        file_id: The id clients use to send or download the file.
        file_unique_id: The stable id of the file.
        kind: Which media field it belongs to (``photo``, ``document``...).
        file_size: Size in bytes.
        file_path: Path for ``getFile`` and the download route.
        content: Uploaded bytes, or None for files invented by the server.
        media: The Bot API object (for a photo: the whole list of sizes).
    """

    file_id: str
    file_unique_id: str
    kind: str
    file_size: int
    file_path: str
    content: bytes | None
    media: Any

    def download(self) -> bytes:
        """The bytes a download of this file returns."""
        return self.content if self.content is not None else b"\0" * self.file_size


class FileRegistry:
    """All files by file id."""

    def __init__(self) -> None:
        self._files: dict[str, StoredFile] = {}
        self._counter = IdSequence(1)

    def get(self, file_id: str) -> StoredFile | None:
        """The stored file with this id, or None."""
        return self._files.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        """The stored file with this ``file_path``, or None."""
        return next((file for file in self._files.values() if file.file_path == file_path), None)

    def create(
        self,
        kind: str,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        content: bytes | None = None,
        emoji: str | None = None,
    ) -> Any:
        """Invent (or store an uploaded) file of ``kind`` and return its Bot API object.

        Returns:
            A list of PhotoSize objects for ``photo``; one media object otherwise.
        """
        if kind not in MEDIA_KINDS:
            raise ValueError(f"unknown media kind {kind!r}; use one of {MEDIA_KINDS}")
        size = len(content) if content is not None else FAKE_FILE_SIZE
        if kind == "photo":
            return self._create_photo(size, content)
        number = next(self._counter)
        file_id, unique_id = self._ids(kind, number)
        media: dict[str, Any] = {"file_id": file_id, "file_unique_id": unique_id}
        media.update(_media_details(kind, file_name=file_name, mime_type=mime_type, emoji=emoji))
        media["file_size"] = size
        self._store(StoredFile(file_id, unique_id, kind, size, "", content, media), number)
        return copy.deepcopy(media)

    def resolve(self, kind: str, reference: str | UploadedFile) -> Any:
        """The media object for a file the bot sends: an upload, a URL or a file id.

        Raises:
            ApiError: 400 for an unknown file id or one of another kind.
        """
        if isinstance(reference, UploadedFile):
            return self.create(
                kind,
                file_name=reference.filename,
                mime_type=reference.content_type,
                content=reference.content,
            )
        if reference.startswith(("http://", "https://")):
            return self.create(kind, file_name=reference.rsplit("/", 1)[-1] or None)
        stored = self._files.get(reference)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request(
                f"can't use file of type {_type_name(stored.kind)} as {_type_name(kind)}"
            )
        return copy.deepcopy(stored.media)

    def _create_photo(self, size: int, content: bytes | None) -> list[dict[str, Any]]:
        number = next(self._counter)
        sizes: list[dict[str, Any]] = []
        for index, (width, height) in enumerate(PHOTO_SIZES):
            file_id, unique_id = self._ids("photo", number, suffix=f"s{index}")
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "file_size": max(1, size * (index + 1) // len(PHOTO_SIZES)),
                    "width": width,
                    "height": height,
                }
            )
        for index, photo_size in enumerate(sizes):
            biggest = index == len(sizes) - 1
            stored = StoredFile(
                photo_size["file_id"],
                photo_size["file_unique_id"],
                "photo",
                photo_size["file_size"],
                "",
                content if biggest else None,
                sizes,
            )
            self._store(stored, number, suffix=f"_{index}")
        return copy.deepcopy(sizes)

    def _store(self, stored: StoredFile, number: int, suffix: str = "") -> None:
        extension = _EXTENSIONS[stored.kind]
        stored.file_path = f"{_FOLDERS[stored.kind]}/file_{number}{suffix}.{extension}"
        self._files[stored.file_id] = stored

    @staticmethod
    def _ids(kind: str, number: int, suffix: str = "") -> tuple[str, str]:
        tag = kind.upper().replace("_", "")
        return f"FAKE{tag}-{number:05d}{suffix}", f"U{tag}{number:05d}{suffix}"


def _type_name(kind: str) -> str:
    return kind.replace("_", " ").title().replace(" ", "")


def _media_details(
    kind: str, *, file_name: str | None, mime_type: str | None, emoji: str | None
) -> dict[str, Any]:
    """The required (and a few typical) fields of each media object besides the ids."""
    details: dict[str, Any]
    if kind == "document":
        details = {
            "file_name": file_name or "document.pdf",
            "mime_type": mime_type or "application/pdf",
        }
    elif kind == "video":
        details = {"width": 640, "height": 360, "duration": 5, "mime_type": "video/mp4"}
    elif kind == "audio":
        details = {"duration": 30, "mime_type": "audio/mpeg", "file_name": file_name or "a.mp3"}
    elif kind == "voice":
        details = {"duration": 3, "mime_type": "audio/ogg"}
    elif kind == "animation":
        details = {"width": 320, "height": 240, "duration": 2, "mime_type": "video/mp4"}
    elif kind == "video_note":
        details = {"length": 240, "duration": 4}
    else:
        details = {
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji or "🙂",
        }
    if file_name and kind in {"video", "animation"}:
        details["file_name"] = file_name
    return details
