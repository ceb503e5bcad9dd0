"""The desk: every service operation behind one object, built once at the entry point.

Example::

    desk = await Desk.open("sqlite+aiosqlite:///helpdesk.db")
    ticket = await desk.tickets.report_ticket(actor, "Printer on fire", NewMessage("help"))
    await desk.close()
"""

from __future__ import annotations

from core.clock import Clock, SystemClock
from core.config import DeskConfig
from core.errors import BackupRefused
from core.services.accounts import AccountService
from core.services.api_tokens import TokenService
from core.services.bans import BanService
from core.services.common import ServiceContext
from core.services.conversations import ConversationService
from core.services.customer_batch import BatchService
from core.services.customer_data import CustomerDataService
from core.services.customers import CustomerService
from core.services.dead_letters import DeadLetterService
from core.services.delivery import DeliveryService
from core.services.edits import EditService
from core.services.floods import FloodService
from core.services.languages import LanguageService
from core.services.merge import MergeService
from core.services.messages import MessageService
from core.services.queries import QueryService
from core.services.reactions import ReactionService
from core.services.retention import RetentionService
from core.services.saved_replies import SavedReplyService
from core.services.search import SearchService
from core.services.stats import StatsService
from core.services.tags import TagService
from core.services.tickets import TicketService
from core.services.timers import TimerService
from core.store.database import Database
from core.store.desk_lock import DeskLock, sqlite_file
from core.store.direct_reads import DirectReads
from core.store.migrate import upgrade_database


class Desk:
    """The service layer: agents, API tokens, tickets, messages, queries, conversations,
    delivery, timers, figures, tags, customers' cards, saved replies, search and merges."""

    def __init__(
        self, database: Database, *, clock: Clock | None = None, config: DeskConfig | None = None
    ) -> None:
        self.database = database
        self._lock: DeskLock | None = None  # see ``open``
        self.clock: Clock = clock or SystemClock()
        self.config = config or DeskConfig()
        context = ServiceContext(database, self.clock, self.config)
        self._direct_reads = DirectReads(database)  # the token check and the ticket lists
        self.accounts = AccountService(context)
        self.tokens = TokenService(context, self.accounts, self._direct_reads)
        self.tickets = TicketService(context)
        self.messages = MessageService(context)
        self.batches = BatchService(context)
        self.queries = QueryService(context, self._direct_reads)
        self.conversations = ConversationService(context)
        self.delivery = DeliveryService(context)
        self.timers = TimerService(context)
        self.stats = StatsService(context)
        self.dead_letters = DeadLetterService(context)
        self.tags = TagService(context)
        self.customers = CustomerService(context)
        self.saved_replies = SavedReplyService(context, self.messages)
        self.search = SearchService(context)
        self.merge = MergeService(context)
        self.languages = LanguageService(context)
        self.bans = BanService(context)
        self.customer_data = CustomerDataService(context)
        self.retention = RetentionService(context)
        self.floods = FloodService(context)
        self.edits = EditService(context)
        self.reactions = ReactionService(context)

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        clock: Clock | None = None,
        config: DeskConfig | None = None,
        migrate: bool = True,
    ) -> Desk:
        """Connect to the database and (by default) bring its schema up to date.

        A SQLite database is marked as in use (a shared lock beside the file) while the desk
        is open, so ``helpdesk restore`` refuses to replace it under a running desk.

        Raises:
            InvalidInput: the URL cannot be used.
            BackupRefused: a restore is replacing the database right now.
            sqlalchemy.exc.SQLAlchemyError / OSError: the database cannot be reached.
        """
        database = Database(url)
        lock = None
        try:
            lock = _mark_in_use(url)
            if migrate:
                await upgrade_database(database)
        except BaseException:
            if lock is not None:
                lock.release()
            await database.dispose()
            raise
        desk = cls(database, clock=clock, config=config)
        desk._lock = lock
        return desk

    async def close(self) -> None:
        """Release the database connections (and the mark that the database is in use)."""
        self._direct_reads.close()
        await self.database.dispose()
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def _mark_in_use(url: str) -> DeskLock | None:
    """Take the shared "in use" lock of a SQLite database file (None for other databases).

    Raises:
        BackupRefused: a restore holds the database.
    """
    file = sqlite_file(url)
    if file is None or not file.parent.is_dir():
        return None
    lock = DeskLock.try_take(file, exclusive=False)
    if lock is None:
        raise BackupRefused(f"{file} is being restored; start again when it is done.")
    return lock
