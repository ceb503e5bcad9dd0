"""A topic per ticket in the customer's own chat, when the bot's private chats have topics.

Telegram lets a bot use topics in its private chats (Bot API 9.3–9.4) once "threaded mode"
is turned on in BotFather: ``getMe`` then says ``has_topics_enabled``. With the setting
``PRIVATE_TOPICS=auto`` (the default) and that flag, each ticket's notices to its customer
go into a topic of their chat named like the staff topic, made when the first one is sent.

Turned off later (in BotFather, or ``PRIVATE_TOPICS=off``), new notices go to the main chat;
the topics already made stay, and what the customer writes in them still reaches their
ticket (routing reads the ticket's ``customer_topic_id``, not this switch).
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import BadRequest

from bot.rendering import staff as staff_text
from bot.settings import Settings
from core.desk import Desk
from core.domain.values import Audience, Status
from core.views import OutboxItem

logger = logging.getLogger(__name__)


def private_topics_on(bot: Bot, settings: Settings) -> bool:
    """Tell whether tickets get topics in customers' chats (the setting and ``getMe``)."""
    return settings.private_topics == "auto" and bool(bot.bot.has_topics_enabled)


def thread_gone(error: Exception) -> bool:
    """Tell whether Telegram says the topic a message was sent into no longer exists."""
    lowered = str(error).lower()
    return "message thread not found" in lowered or "topic_deleted" in lowered


class CustomerTopics:
    """Finds, makes, closes and reopens tickets' topics in customers' chats."""

    def __init__(self, bot: Bot, desk: Desk, settings: Settings) -> None:
        self._bot = bot
        self._desk = desk
        self._settings = settings

    @property
    def enabled(self) -> bool:
        """Tell whether new notices go into topics of the customers' chats."""
        return private_topics_on(self._bot, self._settings)

    async def thread_for(self, item: OutboxItem) -> int | None:
        """The topic of the customer's chat a row goes into (None: the main chat).

        A ticket that has no topic yet gets one, unless it is closed already.
        """
        if not self.enabled or item.audience is not Audience.CUSTOMER:
            return None
        if item.ticket_number is None or item.chat_id is None:
            return None
        ticket = await self._desk.delivery.ticket(item.ticket_number)
        if ticket.customer_topic_id is not None:
            return ticket.customer_topic_id
        if ticket.status is Status.CLOSED:
            return None
        try:
            topic = await self._bot.create_forum_topic(item.chat_id, staff_text.topic_name(ticket))
        except BadRequest as exc:
            if "topic_name" not in exc.message.lower():
                raise
            topic = await self._bot.create_forum_topic(
                item.chat_id, staff_text.plain_topic_name(ticket)
            )
        await self._desk.delivery.set_customer_topic(ticket.number, topic.message_thread_id)
        logger.info(
            "opened topic %s in the customer's chat for ticket #%s",
            topic.message_thread_id,
            ticket.number,
        )
        return topic.message_thread_id

    async def forget(self, number: int) -> None:
        """The customer deleted the ticket's topic: the next notice makes a new one."""
        logger.info("the customer's topic of ticket #%s is gone", number)
        await self._desk.delivery.set_customer_topic(number, None)

    async def set_closed(self, item: OutboxItem, *, closed: bool) -> None:
        """Close (or reopen) the ticket's topic in the customer's chat, if it has one.

        Nothing happens with topics turned off, or when the ticket moved again meanwhile (a
        later row does what is right then). Telegram saying nothing changed, or that the
        topic is gone, leaves nothing to do.
        """
        if not self.enabled or item.ticket_number is None or item.chat_id is None:
            return
        ticket = await self._desk.delivery.ticket(item.ticket_number)
        if ticket.customer_topic_id is None or ticket.is_closed != closed:
            return
        try:
            if closed:
                await self._bot.close_forum_topic(item.chat_id, ticket.customer_topic_id)
            else:
                await self._bot.reopen_forum_topic(item.chat_id, ticket.customer_topic_id)
        except BadRequest as exc:
            lowered = exc.message.lower()
            if "topic_not_modified" not in lowered and "topic_id_invalid" not in lowered:
                raise
