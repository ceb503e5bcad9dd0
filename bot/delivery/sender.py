"""Sending one unit of the outbox: the Telegram calls behind each kind of notice.

A unit is one row, or several consecutive message copies of one lane sent together. Every
method either achieves the notice's effect or raises the ``TelegramError`` it got; settling
the rows is the dispatcher's job. The bookkeeping (topic ids, card ids, where copies went)
is written back to the desk so replies to any of these messages find their ticket.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import assert_never

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, ReactionTypeEmoji
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.callback_data import encode
from bot.context import StaffChat
from bot.delivery import edits as edits_relay
from bot.delivery import relay
from bot.delivery.customer_topics import CustomerTopics, thread_gone
from bot.delivery.port import NoticeSending, PartialDelivery, Progress, StaffChatMissing
from bot.i18n import customer_language, speaking, staff_language
from bot.rendering import customer as customer_text
from bot.rendering import staff as staff_text
from bot.rendering.agent_tools import topic_link
from bot.rendering.figures import render_figures
from bot.rendering.forwarded import forwarded_header
from bot.rendering.html import label_html
from bot.settings import Settings
from core.desk import Desk
from core.domain.actors import ChatRef
from core.domain.values import Audience, EventKind, Role, Status
from core.notices.kinds import (
    AssignedToYou,
    CardPost,
    CardRefresh,
    CopyStyle,
    CustomerTopicClose,
    CustomerTopicReopen,
    Digest,
    EventLine,
    MessageCopy,
    MessageEdit,
    MessageReaction,
    PendingReminder,
    SlaAlert,
    StatusChanged,
    SwarmAlert,
    TicketConfirmed,
    TopicAnonymize,
    TopicClose,
    TopicCreate,
    TopicDelete,
    TopicReopen,
    UnreadableNotice,
)
from core.services.delivery import Receipts
from core.sla import sla_due
from core.views import MessageView, OutboxItem, TicketView

logger = logging.getLogger(__name__)


class NoticeSender(NoticeSending):
    """Performs the Telegram calls for outbox rows: the sending port, over Telegram."""

    def __init__(self, bot: Bot, desk: Desk, staff: StaffChat, settings: Settings) -> None:
        self._bot = bot
        self._desk = desk
        self._staff = staff
        self._settings = settings
        self._topics: dict[int, int] = {}  # ticket -> its topic, as this process knows it
        self._doomed: dict[int, int] = {}  # erased ticket -> the topic made for it, to delete
        self._customer_topics = CustomerTopics(bot, desk, settings)

    async def send(self, unit: Sequence[OutboxItem], progress: Progress | None = None) -> Receipts:
        """Deliver a unit (one row, or consecutive copies of one lane); say where it went.

        A customer's notice is rendered in their language as it is now (read at send time,
        so a choice made while it waited counts); see ``_send``.
        """
        with speaking(await self._language_of(unit[0])):
            try:
                return await self._send(unit, progress)
            except (BadRequest, PartialDelivery) as exc:
                number = self._gone_customer_topic(unit[0], exc)
                if number is None:
                    raise
                await self._customer_topics.forget(number)
                return await self._send(unit, progress)

    @staticmethod
    def _gone_customer_topic(item: OutboxItem, error: Exception) -> int | None:
        """The ticket whose topic in the customer's chat is gone, when that made the send fail.

        Only when nothing of the send went out yet, so sending again repeats nothing.
        """
        if item.audience is not Audience.CUSTOMER or item.ticket_number is None:
            return None
        if isinstance(error, PartialDelivery):
            if error.done != item.progress:
                return None
            error = error.cause
        return item.ticket_number if thread_gone(error) else None

    async def _language_of(self, item: OutboxItem) -> str:
        """The language a row's texts are rendered in: its customer's, else the staff's."""
        if item.audience is not Audience.CUSTOMER or item.chat_id is None:
            return staff_language()
        known = await self._desk.languages.of_customer(item.chat_id)
        return customer_language(known.chosen, known.reported)

    async def _send(self, unit: Sequence[OutboxItem], progress: Progress | None) -> Receipts:
        """Deliver a unit in the language already chosen.

        Args:
            unit: the rows.
            progress: called after each call but the last of a send of several calls (a long
                text in parts, a header before a copy), so a crash repeats none of them.
        """
        receipts = Receipts()
        item = unit[0]
        match item.body:
            case MessageCopy():
                await self._copy_messages(unit, receipts, progress)
            case (
                TopicCreate()
                | CardPost()
                | CardRefresh()
                | TopicClose()
                | TopicReopen()
                | TopicDelete()
                | TopicAnonymize()
                | CustomerTopicClose()
                | CustomerTopicReopen()
            ) as do:
                await self._keep_topic(item, do)
            case EventLine() as line:
                await self._event_line(item, line, receipts)
            case TicketConfirmed(subject=subject):
                number = item.ticket_number or 0
                await self._private(item, receipts, customer_text.confirmation(number, subject))
            case StatusChanged() as news:
                await self._status_changed(item, news, receipts)
            case AssignedToYou() as news:
                await self._assigned_to_you(item, news, receipts)
            case SlaAlert() as alert:
                await self._sla_alert(item, alert, receipts)
            case PendingReminder() as reminder:
                await self._pending_reminder(item, reminder, receipts)
            case Digest() | SwarmAlert() as news:
                await self._staff_message(item, receipts, _general_text(news))
            case MessageEdit() | MessageReaction() as change:
                await self._in_step(item, change, receipts)
            case UnreadableNotice(reason=reason):
                raise ValueError(f"outbox row {item.id} cannot be sent: {reason}")
            case unknown:
                assert_never(unknown)
        return receipts

    # --- the staff topic -------------------------------------------------------------

    async def _keep_topic(
        self,
        item: OutboxItem,
        do: TopicCreate
        | CardPost
        | CardRefresh
        | TopicClose
        | TopicReopen
        | TopicDelete
        | TopicAnonymize
        | CustomerTopicClose
        | CustomerTopicReopen,
    ) -> None:
        """Bring the ticket's topics (staff, customer's) and card up to date with the ticket."""
        match do:
            case TopicCreate():
                await self._topic_create(item)
            case CardPost():
                await self._card_post(item)
            case CardRefresh():
                await self._card_refresh(item)
            case TopicClose():
                await self._topic_close(item)
            case TopicReopen():
                await self._topic_reopen(item)
            case TopicDelete() as gone:
                await self._topic_delete(item, gone)
            case TopicAnonymize():
                await self._topic_anonymize(item)
            case CustomerTopicClose():
                await self._customer_topics.set_closed(item, closed=True)
            case CustomerTopicReopen():
                await self._customer_topics.set_closed(item, closed=False)
            case unknown:
                assert_never(unknown)

    def _staff_chat_id(self) -> int:
        if self._staff.chat_id is None:
            raise StaffChatMissing("STAFF_CHAT_ID is not set")
        return self._staff.chat_id

    async def _ticket(self, item: OutboxItem) -> TicketView:
        if item.ticket_number is None:
            raise ValueError(f"outbox row {item.id} has no ticket")
        return await self._desk.delivery.ticket(item.ticket_number)

    async def _topic_target(self, ticket: TicketView) -> tuple[int, int | None]:
        """Where the ticket's staff messages go: the staff chat and, in a forum, its topic."""
        chat_id = self._staff_chat_id()
        if not self._staff.is_forum:
            return chat_id, None
        if ticket.staff_topic_id is None:
            doomed = self._doomed.get(ticket.number)
            return chat_id, doomed if doomed is not None else await self.open_topic(ticket)
        self._topics[ticket.number] = ticket.staff_topic_id
        return chat_id, ticket.staff_topic_id

    async def _topic_of(self, number: int) -> tuple[int, int | None]:
        """Like ``_topic_target``, from memory when this process has seen the topic."""
        known = self._topics.get(number)
        if known is not None and self._staff.is_forum:
            return self._staff_chat_id(), known
        return await self._topic_target(await self._desk.delivery.ticket(number))

    async def open_topic(self, ticket: TicketView) -> int:
        """Create the ticket's forum topic and remember it."""
        chat_id = self._staff_chat_id()
        try:
            topic = await self._bot.create_forum_topic(chat_id, staff_text.topic_name(ticket))
        except BadRequest as exc:
            if not _name_refused(exc):
                raise
            plain = staff_text.plain_topic_name(ticket)
            logger.warning(
                "Telegram refused the topic name for ticket #%s (%s); naming the topic %s",
                ticket.number,
                exc.message,
                plain,
            )
            topic = await self._bot.create_forum_topic(chat_id, plain)
        if not await self._desk.delivery.set_staff_topic(ticket.number, topic.message_thread_id):
            # Erased meanwhile: the desk queued the topic's deletion; until then, what the
            # lane still holds goes there rather than into yet another topic.
            logger.info(
                "ticket #%s was erased meanwhile: its new topic %s is deleted",
                ticket.number,
                topic.message_thread_id,
            )
            self._doomed[ticket.number] = topic.message_thread_id
            return topic.message_thread_id
        self._topics[ticket.number] = topic.message_thread_id
        logger.info("opened topic %s for ticket #%s", topic.message_thread_id, ticket.number)
        return topic.message_thread_id

    async def recreate_topic(self, number: int) -> None:
        """Make a deleted topic again, with a fresh card, so delivery can continue.

        When the ticket already has another topic than the one that failed (made again by
        an earlier row), that one is used instead of making a third.
        """
        used = self._topics.pop(number, None)
        ticket = await self._desk.delivery.ticket(number)
        if ticket.staff_topic_id is not None and used is not None and ticket.staff_topic_id != used:
            self._topics[number] = ticket.staff_topic_id
            return
        await self._desk.delivery.set_staff_topic(number, None)
        if self._staff.is_forum:
            await self.open_topic(ticket)
        await self._post_card(await self._desk.delivery.ticket(number))

    async def _topic_create(self, item: OutboxItem) -> None:
        ticket = await self._ticket(item)
        if self._staff.is_forum and ticket.staff_topic_id is None:
            await self.open_topic(ticket)
        else:
            self._staff_chat_id()

    async def _card_post(self, item: OutboxItem) -> None:
        ticket = await self._ticket(item)
        if ticket.staff_card_message_id is None:
            await self._post_card(ticket)

    async def _post_card(self, ticket: TicketView) -> None:
        chat_id, thread_id = await self._topic_target(ticket)
        card = await self._bot.send_message(
            chat_id,
            staff_text.render_card(ticket, sla_due(ticket, self._desk.config)),
            parse_mode=ParseMode.HTML,
            reply_markup=staff_text.card_keyboard(ticket),
            message_thread_id=thread_id,
        )
        await self._desk.delivery.set_card_message(ticket.number, chat_id, card.message_id)

    async def _card_refresh(self, item: OutboxItem) -> None:
        ticket = await self._ticket(item)
        if ticket.staff_card_message_id is None:
            await self._post_card(ticket)
            return
        try:
            await self._bot.edit_message_text(
                staff_text.render_card(ticket, sla_due(ticket, self._desk.config)),
                chat_id=self._staff_chat_id(),
                message_id=ticket.staff_card_message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=staff_text.card_keyboard(ticket),
            )
        except BadRequest as exc:
            lowered = str(exc).lower()
            if "message to edit not found" not in lowered and "can't be edited" not in lowered:
                raise
            # Someone deleted the card, or it is past the 48 hours a bot may edit: post it again.
            await self._post_card(ticket)

    async def _topic_close(self, item: OutboxItem) -> None:
        ticket = await self._ticket(item)
        if self._staff.is_forum and ticket.status is Status.CLOSED and ticket.staff_topic_id:
            await self._bot.close_forum_topic(self._staff_chat_id(), ticket.staff_topic_id)

    async def _topic_reopen(self, item: OutboxItem) -> None:
        ticket = await self._ticket(item)
        if self._staff.is_forum and ticket.status is not Status.CLOSED and ticket.staff_topic_id:
            await self._bot.reopen_forum_topic(self._staff_chat_id(), ticket.staff_topic_id)

    async def _topic_delete(self, item: OutboxItem, gone: TopicDelete) -> None:
        """Delete an erased ticket's topic with all its messages.

        A topic that is gone already counts as deleted. In the staff chat as configured, any
        other refusal is raised (and retried: an admin can give the bot its rights); in a
        chat that is no longer the staff chat, it is logged and left, as nobody can fix it.
        """
        if item.ticket_number is not None:
            self._topics.pop(item.ticket_number, None)
            if self._doomed.get(item.ticket_number) == gone.thread_id:
                del self._doomed[item.ticket_number]
        chat_id = self._staff_chat_id() if gone.chat_id is None else gone.chat_id
        ours = self._staff.is_staff_chat(chat_id)
        if ours and not self._staff.is_forum:
            logger.info("the staff chat has no topics; topic %s not deleted", gone.thread_id)
            return
        try:
            await self._bot.delete_forum_topic(chat_id, gone.thread_id)
        except (BadRequest, Forbidden) as exc:
            if isinstance(exc, BadRequest) and _topic_missing(exc):
                logger.info("topic %s of chat %s was gone already", gone.thread_id, chat_id)
                return
            if ours:
                raise
            logger.warning(
                "topic %s of the former staff chat %s not deleted: %s",
                gone.thread_id,
                chat_id,
                exc.message,
            )

    async def _topic_anonymize(self, item: OutboxItem) -> None:
        """Take an erased ticket's subject out of its kept topic: the name and the card.

        The topic was named by the subject, and its card showed it: the topic is renamed
        to the ticket's number, the card edited to show the erased ticket. A topic deleted
        meanwhile has nothing to rename; one renamed already answers "not modified", which
        counts as done (so does a card edited already).
        """
        ticket = await self._ticket(item)
        if not self._staff.is_forum or ticket.staff_topic_id is None:
            return
        name = staff_text.erased_topic_name(ticket.number)
        try:
            await self._bot.edit_forum_topic(self._staff_chat_id(), ticket.staff_topic_id, name)
        except BadRequest as exc:
            if not _topic_missing(exc):
                raise
            logger.info(
                "topic %s of ticket #%s was gone already", ticket.staff_topic_id, ticket.number
            )
            return
        await self._erase_card(ticket)

    async def _erase_card(self, ticket: TicketView) -> None:
        """Edit an erased ticket's card to show it erased; delete it when it cannot be edited."""
        if ticket.staff_card_message_id is None:
            return
        chat_id, card = self._staff_chat_id(), ticket.staff_card_message_id
        try:
            await self._bot.edit_message_text(
                staff_text.render_card(ticket, sla_due(ticket, self._desk.config)),
                chat_id=chat_id,
                message_id=card,
                parse_mode=ParseMode.HTML,
                reply_markup=staff_text.card_keyboard(ticket),
            )
        except BadRequest as exc:
            lowered = str(exc).lower()
            if "not modified" in lowered or "message to edit not found" in lowered:
                return
            if "can't be edited" not in lowered:
                raise
            # Too old to edit: the card goes rather than keep showing the erased subject.
            try:
                await self._bot.delete_message(chat_id, card)
            except BadRequest as gone:
                logger.warning(
                    "the card of erased ticket #%s could be neither edited nor deleted: %s",
                    ticket.number,
                    gone.message,
                )

    async def _event_line(self, item: OutboxItem, line: EventLine, receipts: Receipts) -> None:
        ticket = await self._ticket(item)
        chat_id, thread_id = await self._topic_target(ticket)
        sent = await self._bot.send_message(
            chat_id,
            staff_text.render_event_line(line, link=await self._merge_link(line)),
            parse_mode=ParseMode.HTML,
            message_thread_id=thread_id,
        )
        receipts.referenced(chat_id, sent.message_id, ticket.number)

    async def _merge_link(self, line: EventLine) -> str | None:
        """The link to the topic a merged ticket went into (None for other events)."""
        detail = line.detail or ""
        if line.event_kind != EventKind.MERGED_INTO or not detail[1:].isdigit():
            return None
        target = await self._desk.delivery.ticket(int(detail[1:]))
        return topic_link(self._staff.chat_id, target.staff_topic_id)

    # --- copies of messages ----------------------------------------------------------

    async def _copy_messages(
        self, unit: Sequence[OutboxItem], receipts: Receipts, progress: Progress | None
    ) -> None:
        first = unit[0]
        copies = [_copy_in(item) for item in unit]
        ids = [message_id for copy in copies for message_id in copy.message_ids]
        prefix = self._prefix(first, copies[0])
        chat_id, thread_id = await self._copy_target(first)
        originals = [origin for copy in copies for origin in copy.origins]
        try:
            if not prefix and len(originals) == len(ids) and _one_chat_in_order(originals):
                # The fast path: the payload says where the originals are; no reading back.
                new_ids = await relay.copy_as_is(self._bot, chat_id, thread_id, originals)
                if len(new_ids) == len(ids):
                    receipts.copied(ids, chat_id, new_ids)
                return
            messages = await self._desk.delivery.messages(ids)
            if not prefix and relay.can_copy_as_is(messages):
                new_ids = await relay.copy_as_is(
                    self._bot, chat_id, thread_id, relay.origins_of(messages)
                )
                if len(new_ids) == len(messages):
                    receipts.copied([m.id for m in messages], chat_id, new_ids)
                return
            await self._send_steps(
                first,
                relay.Target(chat_id, thread_id),
                messages,
                prefix,
                receipts,
                progress=progress,
            )
        except BadRequest as exc:
            if "to copy not found" not in str(exc).lower() or len(unit) != 1:
                raise
            # The original is gone (deleted by its author): send the stored content instead.
            logger.info("original of outbox row %s is gone; sending its stored content", first.id)
            messages = await self._desk.delivery.messages(ids)
            await self._send_steps(
                first,
                relay.Target(chat_id, thread_id),
                messages,
                prefix,
                receipts,
                progress=progress,
                copy_original=False,
            )

    async def _send_steps(
        self,
        item: OutboxItem,
        target: relay.Target,
        messages: Sequence[MessageView],
        prefix: str,
        receipts: Receipts,
        *,
        progress: Progress | None,
        copy_original: bool = True,
    ) -> None:
        """Send messages call by call, resuming after the calls an earlier try made.

        Each call but the last is recorded (``progress``) before the next is made; the last
        one's receipts are the caller's to record with the rows.
        """
        plan = [
            (message.id, step)
            for message in messages
            for step in relay.steps_with_prefix(
                self._bot, target, message, prefix, copy_original=copy_original
            )
        ]
        done = item.progress
        for index, (message_id, step) in enumerate(plan):
            if index < done:
                continue
            try:
                new_id = await step()
            except TelegramError as exc:
                raise PartialDelivery(index, exc) from exc
            if progress is None or index == len(plan) - 1:
                receipts.copied([message_id], target.chat_id, [new_id])
                continue
            made = Receipts()
            made.copied([message_id], target.chat_id, [new_id])
            await progress(index + 1, made)

    # --- edits of messages ----------------------------------------------------------

    async def _in_step(
        self, item: OutboxItem, change: MessageEdit | MessageReaction, receipts: Receipts
    ) -> None:
        """Bring a message's copy in step with a change on the other side."""
        if isinstance(change, MessageEdit):
            await self._message_edit(item, change, receipts)
        else:
            await self._message_reaction(item, change)

    async def _message_edit(self, item: OutboxItem, edit: MessageEdit, receipts: Receipts) -> None:
        """Edit a message's copy in the row's chat to its new version.

        When the copy cannot be edited (the media changed, it went out in several parts, the
        new version does not fit, Telegram refuses), the new version is posted under it with
        an "Edited:" line. A chat without a copy (the message was written there) gets nothing.
        """
        chat_id, thread_id = await self._copy_target(item)
        copies = await self._desk.delivery.copies_in(edit.message_id, chat_id)
        found = await self._desk.delivery.messages([edit.message_id])
        if not copies or not found:
            return
        message = found[0]
        header = MessageCopy((message.id,), edit.style, edit.author, edit.tag_ticket)
        prefix = self._prefix(item, header)
        editable = not edit.media_changed and len(copies) == 1
        if editable and await edits_relay.edit_copy(self._bot, chat_id, copies[0], message, prefix):
            return
        target = relay.Target(chat_id, thread_id)
        for sent in await edits_relay.post_new_version(
            self._bot, target, copies[0], message, prefix, media_changed=edit.media_changed
        ):
            if item.ticket_number is not None:
                receipts.referenced(chat_id, sent, item.ticket_number)

    async def _message_reaction(self, item: OutboxItem, reaction: MessageReaction) -> None:
        """Put the other side's reaction on the message's original or copy in the row's chat.

        A bot sets one reaction per message: the newest. One Telegram refuses (an emoji not
        allowed in that chat, a message gone) is dropped: a reaction is not worth a retry.
        """
        chat_id, _ = await self._copy_target(item)
        found = await self._desk.delivery.copies_in(reaction.message_id, chat_id, with_origin=True)
        if not found:
            return
        emoji = reaction.emoji[-1:] if reaction.emoji else ()
        try:
            await self._bot.set_message_reaction(
                chat_id, found[0], [ReactionTypeEmoji(e) for e in emoji]
            )
        except BadRequest as exc:
            logger.info("no reaction on message %s in %s: %s", found[0], chat_id, exc.message)

    async def _copy_target(self, item: OutboxItem) -> tuple[int, int | None]:
        if item.audience is Audience.CUSTOMER:
            return self._chat_of(item), await self._customer_topics.thread_for(item)
        return await self._topic_of(_number_of(item))

    def _prefix(self, item: OutboxItem, copy: MessageCopy) -> str:
        if item.audience is Audience.TICKET_TOPIC:
            header = (
                ""
                if copy.style is CopyStyle.CUSTOMER
                else staff_text.relay_header(copy.style, copy.author) + "\n"
            )
            return header + forwarded_header(copy.forwarded_from)
        tagged = copy.tag_ticket and item.ticket_number is not None
        prefix = customer_text.tag(item.ticket_number or 0) if tagged else ""
        if self._settings.show_agent_names and copy.style is CopyStyle.REPLY:
            prefix += f"<b>{label_html(copy.author)}</b>: "
        return prefix

    @staticmethod
    def _chat_of(item: OutboxItem) -> int:
        if item.chat_id is None:
            raise ValueError(f"outbox row {item.id} has no chat")
        return item.chat_id

    # --- customers and agents in private ---------------------------------------------

    async def _private(
        self,
        item: OutboxItem,
        receipts: Receipts,
        text: str,
        keyboard: InlineKeyboardMarkup | None = None,
    ) -> Message:
        chat_id = self._chat_of(item)
        sent = await self._bot.send_message(
            chat_id,
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard,
            message_thread_id=await self._customer_topics.thread_for(item),
        )
        if item.ticket_number is not None:
            receipts.referenced(chat_id, sent.message_id, item.ticket_number)
        return sent

    async def _status_changed(
        self, item: OutboxItem, news: StatusChanged, receipts: Receipts
    ) -> None:
        number = item.ticket_number or 0
        text = customer_text.status_news(
            number,
            news.subject,
            news.to,
            self._desk.config.reopen_window,
            by_system=news.by is Role.SYSTEM,
            reason=news.reason,
        )
        keyboard = None
        if news.ask_rating:
            text += "\n\n" + customer_text.rating_prompt()
            keyboard = customer_text.rating_keyboard(number)
        await self._private(item, receipts, text, keyboard)

    async def _assigned_to_you(
        self, item: OutboxItem, news: AssignedToYou, receipts: Receipts
    ) -> None:
        number = item.ticket_number or 0
        text = staff_text.assigned_to_you(news.by, number, news.subject)
        button = InlineKeyboardButton(
            staff_text.open_ticket_button(number), callback_data=encode("t", "show", number)
        )
        await self._private(item, receipts, text, InlineKeyboardMarkup([[button]]))

    async def _sla_alert(self, item: OutboxItem, alert: SlaAlert, receipts: Receipts) -> None:
        text = staff_text.sla_alert(
            item.ticket_number or 0, alert.subject, alert.which, alert.target
        )
        if item.audience is Audience.AGENT:
            await self._private(item, receipts, text)
            return
        await self._staff_message(item, receipts, text)

    async def _staff_message(self, item: OutboxItem, receipts: Receipts, text: str) -> None:
        """Post into the ticket's topic, or into the staff chat's general topic."""
        if item.audience is Audience.TICKET_TOPIC:
            chat_id, thread_id = await self._topic_target(await self._ticket(item))
        else:
            chat_id, thread_id = self._staff_chat_id(), None
        sent = await self._bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, message_thread_id=thread_id
        )
        if item.ticket_number is not None:
            receipts.referenced(chat_id, sent.message_id, item.ticket_number)

    async def _pending_reminder(
        self, item: OutboxItem, reminder: PendingReminder, receipts: Receipts
    ) -> None:
        text = customer_text.pending_reminder(
            item.ticket_number or 0, reminder.subject, reminder.closes_in
        )
        await self._private(item, receipts, text)


def _general_text(news: Digest | SwarmAlert) -> str:
    """What a notice for the staff chat's general topic says."""
    if isinstance(news, Digest):
        return render_figures(news.figures, staff_text.digest_title())
    return staff_text.swarm_alert()


def _name_refused(error: BadRequest) -> bool:
    """Tell whether Telegram refused a topic's name (too long, empty, not allowed)."""
    lowered = error.message.lower()
    return any(word in lowered for word in ("topic_name", "topic_title", "topic name"))


def _topic_missing(error: BadRequest) -> bool:
    """Tell whether Telegram says the topic to delete does not exist (deleted already)."""
    lowered = error.message.lower()
    return "topic_id_invalid" in lowered or thread_gone(error)


def _one_chat_in_order(originals: Sequence[ChatRef]) -> bool:
    ids = [o.message_id for o in originals]
    return len({o.chat_id for o in originals}) == 1 and ids == sorted(set(ids))


def _number_of(item: OutboxItem) -> int:
    if item.ticket_number is None:
        raise ValueError(f"outbox row {item.id} has no ticket")
    return item.ticket_number


def copy_of(item: OutboxItem) -> MessageCopy | None:
    """The row's message copy, or None when it is another kind of notice."""
    return item.body if isinstance(item.body, MessageCopy) else None


def _copy_in(item: OutboxItem) -> MessageCopy:
    copy = copy_of(item)
    if copy is None:
        raise ValueError(f"outbox row {item.id} is a {item.kind.value}, not a message copy")
    return copy


def mergeable(item: OutboxItem, settings: Settings) -> bool:
    """Tell whether a row may be sent together with the copies right before it."""
    # Only rows that go out in one copyMessages call together: a unit is sent whole or not.
    copy = copy_of(item)
    if copy is None or copy.tag_ticket:
        return False
    if copy.forwarded_from is not None:
        return False  # it has its own header line
    if not copy.origins:
        return False
    if item.audience is Audience.TICKET_TOPIC:
        return copy.style is CopyStyle.CUSTOMER  # anything else carries a header
    return copy.style is CopyStyle.CUSTOMER or (
        copy.style is CopyStyle.REPLY and not settings.show_agent_names
    )
