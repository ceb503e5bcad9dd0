"""What handlers get besides the update: the desk, the settings, the staff chat, delivery."""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from telegram import Bot
from telegram.ext import Application, CallbackContext, ExtBot

from bot.languages import LanguageChoices
from bot.settings import Settings
from core.desk import Desk
from core.services.delivery import Claim
from core.views import OutboxItem

if TYPE_CHECKING:
    from bot.delivery.dispatcher import OutboxDispatcher

ALBUMS_KEPT = 100
"""The albums remembered as answered: an album's messages arrive together, so the last few
suffice."""


@dataclass
class StaffChat:
    """The staff supergroup, as configured and as found at startup."""

    chat_id: int | None
    is_forum: bool = True
    hinted_users: set[int] = field(default_factory=set)

    def is_staff_chat(self, chat_id: int) -> bool:
        """Tell whether a chat is the staff chat."""
        return self.chat_id is not None and chat_id == self.chat_id


class AnsweredAlbums:
    """The albums answered lately: an album is answered once, not once a picture.

    Telegram sends each picture of an album as an update of its own, sharing a
    ``media_group_id``; a refusal or a note that holds for one holds for all.
    """

    def __init__(self) -> None:
        self._answered: deque[str] = deque(maxlen=ALBUMS_KEPT)

    def first_answer(self, album: str | None) -> bool:
        """Tell whether a message (of this album, if any) is to be answered, and note it."""
        if album is None:
            return True
        if album in self._answered:
            return False
        self._answered.append(album)
        return True


class AlbumRoutes:
    """Where the first message of an album sent the album: the rest follow it.

    Telegram puts an album's caption on its first message only, so ``/note`` in that caption
    decides for the pictures after it too.
    """

    def __init__(self) -> None:
        self._routes: OrderedDict[str, str] = OrderedDict()

    def route(self, album: str | None) -> str | None:
        """The route noted for this album, if any."""
        return self._routes.get(album) if album is not None else None

    def note(self, album: str | None, route: str) -> None:
        """Note where this album goes (nothing for a single message)."""
        if album is None:
            return
        self._routes[album] = route
        while len(self._routes) > ALBUMS_KEPT:
            self._routes.popitem(last=False)


class BotServices:
    """The application's ``bot_data``: everything handlers need, attached once at startup."""

    def __init__(self) -> None:
        self._desk: Desk | None = None
        self._settings: Settings | None = None
        self._dispatcher: OutboxDispatcher | None = None
        self.staff = StaffChat(chat_id=None)
        self.delivers = True  # False when a delivery worker process does it
        self.wake_worker: Callable[[], None] | None = None  # that worker, told of new rows
        self.languages = LanguageChoices()
        self.albums = AnsweredAlbums()
        self.album_routes = AlbumRoutes()
        self.left_chats: set[int] = set()  # groups the bot left (they were not the staff chat)
        self.failed_updates: dict[int, str] = {}  # update id -> the error a handler raised

    def handling_failed(self, update_id: int, error: BaseException) -> None:
        """Note that a handler raised on an update, so it is kept rather than confirmed lost.

        python-telegram-bot hands a handler's exception to the error handler and returns
        normally; polling and the dead-letter retry read this note after each update.
        """
        self.failed_updates[update_id] = type(error).__name__

    def failure_of(self, update_id: int) -> str | None:
        """The error a handler raised on this update (forgotten once asked), or None."""
        return self.failed_updates.pop(update_id, None)

    def deliver_now(self) -> None:
        """Ask the dispatcher (or the delivery worker) to deliver what was queued, now."""
        if self.delivers:
            self.dispatcher.kick()
        elif self.wake_worker is not None:
            self.wake_worker()

    def idle_claim(self) -> Claim | None:
        """A claim for a write's own transaction, when this process delivers and is idle.

        Whoever gets one must hand it back with ``take_claimed``, rows or none.
        """
        return self.dispatcher.idle_claim() if self.delivers else None

    async def take_claimed(self, claim: Claim, items: Sequence[OutboxItem]) -> None:
        """Hand the dispatcher the rows a write claimed for it (none if the write failed)."""
        await self.dispatcher.take_claimed(claim, items)

    def attach(
        self, *, desk: Desk, settings: Settings, dispatcher: OutboxDispatcher, staff: StaffChat
    ) -> None:
        """Hand over the desk, the settings, the dispatcher and the staff chat."""
        self._desk, self._settings, self._dispatcher = desk, settings, dispatcher
        self.staff = staff

    @property
    def desk(self) -> Desk:
        """The service layer."""
        if self._desk is None:
            raise RuntimeError("the desk is not attached yet")
        return self._desk

    @property
    def settings(self) -> Settings:
        """The settings read at startup."""
        if self._settings is None:
            raise RuntimeError("the settings are not attached yet")
        return self._settings

    @property
    def dispatcher(self) -> OutboxDispatcher:
        """The outbox dispatcher."""
        if self._dispatcher is None:
            raise RuntimeError("the dispatcher is not attached yet")
        return self._dispatcher


class DeskContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotServices]):
    """The callback context with typed shortcuts to the services."""

    @property
    def desk(self) -> Desk:
        """The service layer."""
        return self.bot_data.desk

    @property
    def settings(self) -> Settings:
        """The settings read at startup."""
        return self.bot_data.settings

    @property
    def staff(self) -> StaffChat:
        """The staff chat."""
        return self.bot_data.staff

    def kick_delivery(self) -> None:
        """Ask the dispatcher (or the delivery worker) to deliver what was queued, now."""
        self.bot_data.deliver_now()


DeskApplication = Application[
    ExtBot[None], DeskContext, dict[Any, Any], dict[Any, Any], BotServices, Any
]


class UpdateHandling(Protocol):
    """What takes updates in: the application, as polling and the dead letters use it."""

    @property
    def bot(self) -> Bot:
        """The bot updates are parsed with."""
        ...

    @property
    def bot_data(self) -> BotServices:
        """The services (the desk keeps the dead letters)."""
        ...

    async def process_update(self, update: object) -> None:
        """Run the handlers for one update."""
        ...
