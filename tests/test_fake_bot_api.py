"""The fake Bot API server, exercised through python-telegram-bot's own Bot.

Every result shape goes through ``telegram.Bot`` so a shape PTB 22 cannot parse fails here,
not in an end-to-end test of the helpdesk.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import sys
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    ChatMemberAdministrator,
    ChatMemberLeft,
    ChatMemberMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    MessageOriginUser,
    Update,
    User,
)
from telegram.constants import ChatAction
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes

from sandbox.botapi import FakeBotApi, FakeChat, FakeUser, FloodLimits, parse_html

TOKEN = "123456:TEST-TOKEN"


@pytest.fixture(autouse=True)
def _timedelta_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta durations: reading ``RetryAfter.retry_after`` warns otherwise."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture(name="server")
async def fixture_server() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN, bot_username="helpdesk_test_bot") as server:
        yield server


@pytest.fixture(name="bot")
async def fixture_bot(server: FakeBotApi) -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, base_url=server.base_url, base_file_url=server.base_file_url)
    async with bot:
        yield bot


@pytest.fixture(name="ann")
def fixture_ann(server: FakeBotApi) -> FakeUser:
    return server.add_user("Ann", username="ann")


@pytest.fixture(name="agent")
def fixture_agent(server: FakeBotApi) -> FakeUser:
    return server.add_user("Alex", username="agent_alex")


@pytest.fixture(name="staff")
def fixture_staff(server: FakeBotApi, agent: FakeUser) -> FakeChat:
    staff = server.add_forum("Support staff")
    staff.add_member(agent)
    return staff


def keyboard(*callback_data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(data.upper(), callback_data=data) for data in callback_data]]
    )


class TestBotIdentity:
    async def test_get_me_describes_the_bot(self, bot: Bot) -> None:
        me = await bot.get_me()

        assert me.id == 123456
        assert me.is_bot
        assert me.username == "helpdesk_test_bot"
        assert me.can_join_groups is True

    async def test_wrong_token_is_an_invalid_token(self, server: FakeBotApi) -> None:
        with pytest.raises(InvalidToken):
            async with Bot("999:WRONG", base_url=server.base_url):
                pass

    async def test_unknown_method_answers_404(self, server: FakeBotApi) -> None:
        async with httpx.AsyncClient() as client:
            response = await client.post(f"{server.base_url}{TOKEN}/noSuchMethod")
        body = response.json()

        assert response.status_code == 404
        assert body == {"ok": False, "error_code": 404, "description": "Not Found"}

    async def test_json_body_and_lowercase_method_names_are_accepted(
        self, server: FakeBotApi, ann: FakeUser
    ) -> None:
        async with httpx.AsyncClient() as client:
            response = await client.post(
                f"{server.base_url}{TOKEN}/sendmessage", json={"chat_id": ann.id, "text": "123"}
            )
        body = response.json()

        assert body["ok"]
        assert body["result"]["text"] == "123"


class TestChats:
    async def test_get_chat_of_a_forum_is_full_info(self, bot: Bot, staff: FakeChat) -> None:
        chat = await bot.get_chat(staff.id)

        assert chat.id == staff.id
        assert chat.id < -1_000_000_000_000
        assert chat.type == "supergroup"
        assert chat.is_forum
        assert chat.title == "Support staff"
        assert chat.accepted_gift_types.unique_gifts is False

    async def test_get_chat_of_a_private_chat(self, bot: Bot, ann: FakeUser) -> None:
        chat = await bot.get_chat(ann.id)

        assert (chat.type, chat.first_name, chat.username) == ("private", "Ann", "ann")

    async def test_unknown_chat_is_not_found(self, bot: Bot) -> None:
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.get_chat(-100999)

    async def test_bot_is_an_admin_that_manages_topics(
        self, bot: Bot, staff: FakeChat, server: FakeBotApi
    ) -> None:
        member = await bot.get_chat_member(staff.id, server.bot.id)

        assert isinstance(member, ChatMemberAdministrator)
        assert member.can_manage_topics
        assert member.can_delete_messages

    async def test_members_and_strangers(
        self, bot: Bot, staff: FakeChat, agent: FakeUser, ann: FakeUser
    ) -> None:
        assert isinstance(await bot.get_chat_member(staff.id, agent.id), ChatMemberMember)
        assert isinstance(await bot.get_chat_member(staff.id, ann.id), ChatMemberLeft)

    async def test_command_menus_are_kept_per_scope(self, bot: Bot, server: FakeBotApi) -> None:
        staff_scope = BotCommandScopeAllChatAdministrators()

        await bot.set_my_commands([BotCommand("new", "Open a ticket")])
        await bot.set_my_commands([BotCommand("take", "Take a ticket")], scope=staff_scope)

        assert await bot.get_my_commands() == (BotCommand("new", "Open a ticket"),)
        assert server.commands(staff_scope.to_dict()) == [
            {"command": "take", "description": "Take a ticket"}
        ]
        assert await bot.delete_my_commands()
        assert server.commands() == []

    async def test_invalid_command_name_is_refused(self, bot: Bot) -> None:
        with pytest.raises(BadRequest, match="Bot_command_invalid"):
            await bot.set_my_commands([BotCommand("New-Ticket", "no")])


class TestSendingMessages:
    async def test_html_message_comes_back_parsed_with_its_keyboard(
        self, bot: Bot, ann: FakeUser
    ) -> None:
        message = await bot.send_message(
            ann.id,
            '<b>Ticket #5</b> &lt;new&gt; <a href="https://x.test/t?a=1&amp;b=2">open</a>',
            parse_mode="HTML",
            reply_markup=keyboard("t:5"),
        )

        assert message.text == "Ticket #5 <new> open"
        assert [(e.type, e.offset, e.length) for e in message.entities] == [
            ("bold", 0, 9),
            ("text_link", 16, 4),
        ]
        assert message.entities[1].url == "https://x.test/t?a=1&b=2"
        assert message.from_user is not None
        assert message.from_user.id == bot.id
        assert message.chat.id == ann.id
        assert message.reply_markup == keyboard("t:5")

    async def test_entity_offsets_count_utf16_units(self, bot: Bot, ann: FakeUser) -> None:
        message = await bot.send_message(ann.id, "😀 <i>ok</i>", parse_mode="HTML")

        assert [(e.type, e.offset, e.length) for e in message.entities] == [("italic", 3, 2)]

    @pytest.mark.parametrize(
        ("html", "reason"),
        [
            ("<foo>x</foo>", 'unsupported start tag "foo" at byte offset 0'),
            ("<b>bold", 'can\'t find end tag corresponding to start tag "b"'),
            ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
            ("a &nbsp; b", 'unsupported html entity "&nbsp;"'),
            ("1 < 2", 'unsupported start tag "" at byte offset 2'),
            ("Q&A", 'unescaped "&" at byte offset 1'),
            ("<a href=http://x>y</a>", "unexpected end of name token"),
        ],
    )
    async def test_malformed_html_cannot_be_parsed(
        self, bot: Bot, ann: FakeUser, html: str, reason: str
    ) -> None:
        with pytest.raises(BadRequest) as caught:
            await bot.send_message(ann.id, html, parse_mode="HTML")

        assert caught.value.message.lower().startswith("can't parse entities: ")
        assert reason in caught.value.message.lower()

    async def test_length_is_counted_on_visible_text(self, bot: Bot, ann: FakeUser) -> None:
        fits = await bot.send_message(ann.id, f"<b>{'x' * 4096}</b>", parse_mode="HTML")
        assert fits.text == "x" * 4096

        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(ann.id, "x" * 4097)

    async def test_empty_text_is_refused(self, bot: Bot, ann: FakeUser) -> None:
        with pytest.raises(BadRequest, match="Message text is empty"):
            await bot.send_message(ann.id, "<b> </b>", parse_mode="HTML")

    async def test_callback_data_over_64_bytes_is_refused(self, bot: Bot, ann: FakeUser) -> None:
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(ann.id, "pick", reply_markup=keyboard("é" * 33))

    async def test_blocked_user_is_forbidden(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser
    ) -> None:
        server.block_bot(ann)

        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(ann.id, "hello?")

    async def test_user_who_never_started_the_bot_cannot_be_written_to(
        self, bot: Bot, server: FakeBotApi
    ) -> None:
        stranger = server.add_user("Stan", started_bot=False)

        with pytest.raises(Forbidden, match="can't initiate conversation"):
            await bot.send_message(stranger.id, "hi")

    async def test_reply_to_a_missing_message_is_refused(self, bot: Bot, ann: FakeUser) -> None:
        with pytest.raises(BadRequest, match="Message to be replied not found"):
            await bot.send_message(ann.id, "re", reply_to_message_id=424242)

    async def test_chat_action_is_checked_like_a_send(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser
    ) -> None:
        assert await bot.send_chat_action(ann.id, ChatAction.TYPING)

        server.block_bot(ann)
        with pytest.raises(Forbidden):
            await bot.send_chat_action(ann.id, ChatAction.TYPING)

    async def test_location_and_contact(self, bot: Bot, ann: FakeUser) -> None:
        location = await bot.send_location(ann.id, latitude=52.5, longitude=13.4)
        contact = await bot.send_contact(ann.id, phone_number="+100", first_name="Desk")

        assert location.location is not None
        assert location.location.latitude == 52.5
        assert contact.contact is not None
        assert contact.contact.first_name == "Desk"


class TestMedia:
    async def test_uploaded_photo_can_be_resent_by_file_id_and_downloaded(
        self, bot: Bot, ann: FakeUser
    ) -> None:
        uploaded = await bot.send_photo(
            ann.id, photo=b"\x89PNG fake", caption="<i>look</i>", parse_mode="HTML"
        )
        biggest = uploaded.photo[-1]
        again = await bot.send_photo(ann.id, photo=biggest.file_id)
        file = await bot.get_file(biggest.file_id)

        assert len(uploaded.photo) == 3
        assert uploaded.caption == "look"
        assert again.photo[-1].file_unique_id == biggest.file_unique_id
        assert bytes(await file.download_as_bytearray()) == b"\x89PNG fake"

    async def test_media_group_is_one_album(self, bot: Bot, ann: FakeUser) -> None:
        photo = (await bot.send_photo(ann.id, photo=b"a")).photo[-1].file_id

        album = await bot.send_media_group(
            ann.id, [InputMediaPhoto(photo, caption="first"), InputMediaPhoto(b"b")]
        )

        assert len(album) == 2
        assert album[0].media_group_id is not None
        assert album[0].media_group_id == album[1].media_group_id
        assert album[0].caption == "first"

    @pytest.mark.parametrize(
        "kind", ["document", "video", "audio", "voice", "animation", "video_note", "sticker"]
    )
    async def test_every_media_kind_parses(self, bot: Bot, ann: FakeUser, kind: str) -> None:
        send = getattr(bot, f"send_{kind}")

        message = await send(ann.id, b"bytes")

        media = getattr(message, kind)
        assert media is not None
        assert media.file_id
        again = await send(ann.id, media.file_id)
        assert getattr(again, kind).file_unique_id == media.file_unique_id

    async def test_a_file_id_of_another_kind_is_refused(self, bot: Bot, ann: FakeUser) -> None:
        voice = (await bot.send_voice(ann.id, b"v")).voice
        assert voice is not None

        with pytest.raises(BadRequest, match="Can't use file of type voice as document"):
            await bot.send_document(ann.id, voice.file_id)

    async def test_caption_over_1024_characters_is_refused(self, bot: Bot, ann: FakeUser) -> None:
        with pytest.raises(BadRequest, match="Message caption is too long"):
            await bot.send_document(ann.id, document=b"doc", caption="x" * 1025)

    async def test_unknown_file_id_is_refused(self, bot: Bot, ann: FakeUser) -> None:
        with pytest.raises(BadRequest, match="Wrong file identifier"):
            await bot.send_voice(ann.id, voice="no-such-file")

    async def test_file_ids_from_users_can_be_sent_on(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser
    ) -> None:
        sent = await server.user_sends(ann, document="invoice.pdf", caption="see attached")

        echoed = await bot.send_document(ann.id, document=sent["document"]["file_id"])

        assert echoed.document is not None
        assert echoed.document.file_name == "invoice.pdf"


class TestCopying:
    async def test_copy_message_copies_text_and_entities_into_a_topic(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser, staff: FakeChat
    ) -> None:
        topic = await bot.create_forum_topic(staff.id, "#1 Printer")
        original = await bot.send_message(ann.id, "<b>hi</b> there", parse_mode="HTML")

        copied = await bot.copy_message(
            staff.id, ann.id, original.message_id, message_thread_id=topic.message_thread_id
        )

        [copy] = server.chat_messages(staff, thread_id=topic.message_thread_id)
        assert copy["message_id"] == copied.message_id
        assert copy["text"] == "hi there"
        assert copy["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
        assert copy["is_topic_message"] is True

    async def test_copying_a_missing_message_is_refused(
        self, bot: Bot, ann: FakeUser, staff: FakeChat
    ) -> None:
        with pytest.raises(BadRequest, match="Message to copy not found"):
            await bot.copy_message(staff.id, ann.id, 999)

    async def test_copy_messages_keeps_an_album_together(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser, staff: FakeChat
    ) -> None:
        album = await server.user_sends_album(ann, count=3, captions=["broken screen"])
        note = await server.user_sends(ann, "and this")
        ids = [m["message_id"] for m in album] + [note["message_id"]]

        copies = await bot.copy_messages(staff.id, ann.id, ids)

        stored = [server.message(staff, c.message_id) for c in copies]
        assert all(m is not None for m in stored)
        group_ids = {m["media_group_id"] for m in stored[:3] if m is not None}
        assert len(group_ids) == 1
        assert group_ids != {album[0]["media_group_id"]}
        assert stored[0] is not None
        assert stored[0]["caption"] == "broken screen"
        assert stored[3] is not None
        assert stored[3]["text"] == "and this"

    async def test_copy_with_a_new_caption(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser, staff: FakeChat
    ) -> None:
        photo = await server.user_sends(ann, photo=True, caption="see <this>")

        copied = await bot.copy_message(
            staff.id,
            ann.id,
            photo["message_id"],
            caption="<b>Ann:</b> see &lt;this&gt;",
            parse_mode="HTML",
        )

        stored = server.message(staff, copied.message_id)
        assert stored is not None
        assert stored["caption"] == "Ann: see <this>"
        assert stored["photo"] == photo["photo"]

    async def test_forward_names_the_original_sender(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser, staff: FakeChat
    ) -> None:
        sent = await server.user_sends(ann, "fwd me")

        forwarded = await bot.forward_message(staff.id, ann.id, sent["message_id"])

        assert isinstance(forwarded.forward_origin, MessageOriginUser)
        assert forwarded.forward_origin.sender_user.id == ann.id

    async def test_forward_messages_and_a_hidden_sender(
        self, bot: Bot, server: FakeBotApi, staff: FakeChat
    ) -> None:
        shy = server.add_user("Shy", hides_forwards=True)
        first = await server.user_sends(shy, "one")
        second = await server.user_sends(shy, "two")

        forwarded = await bot.forward_messages(
            staff.id, shy.id, [first["message_id"], second["message_id"]]
        )

        stored = server.message(staff, forwarded[1].message_id)
        assert stored is not None
        assert stored["text"] == "two"
        assert stored["forward_origin"]["type"] == "hidden_user"
        assert stored["forward_origin"]["sender_user_name"] == "Shy"


class TestEditingAndDeleting:
    async def test_edit_text_without_markup_removes_the_keyboard(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser
    ) -> None:
        sent = await bot.send_message(ann.id, "status: open", reply_markup=keyboard("close"))

        edited = await bot.edit_message_text("status: closed", ann.id, sent.message_id)

        assert isinstance(edited, type(sent))
        assert edited.text == "status: closed"
        assert edited.edit_date is not None
        stored = server.message(ann, sent.message_id)
        assert stored is not None
        assert "reply_markup" not in stored

    async def test_identical_edit_is_not_modified(self, bot: Bot, ann: FakeUser) -> None:
        sent = await bot.send_message(ann.id, "same", reply_markup=keyboard("a"))

        with pytest.raises(BadRequest, match="Message is not modified"):
            await bot.edit_message_text("same", ann.id, sent.message_id, reply_markup=keyboard("a"))

    async def test_editing_a_missing_message_is_refused(self, bot: Bot, ann: FakeUser) -> None:
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await bot.edit_message_text("x", ann.id, 31337)

    async def test_edit_reply_markup_and_caption(self, bot: Bot, ann: FakeUser) -> None:
        photo = await bot.send_photo(ann.id, photo=b"p", caption="old")

        recaptioned = await bot.edit_message_caption(ann.id, photo.message_id, caption="new")
        rekeyed = await bot.edit_message_reply_markup(
            ann.id, photo.message_id, reply_markup=keyboard("x")
        )

        assert not isinstance(recaptioned, bool)
        assert recaptioned.caption == "new"
        assert not isinstance(rekeyed, bool)
        assert rekeyed.reply_markup == keyboard("x")

    async def test_delete_message_then_it_is_gone(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser
    ) -> None:
        sent = await bot.send_message(ann.id, "oops")

        assert await bot.delete_message(ann.id, sent.message_id)
        assert server.message(ann, sent.message_id) is None
        with pytest.raises(BadRequest, match="Message to delete not found"):
            await bot.delete_message(ann.id, sent.message_id)

    async def test_delete_messages_skips_missing_ones(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser
    ) -> None:
        sent = await bot.send_message(ann.id, "a")

        assert await bot.delete_messages(ann.id, [sent.message_id, 99999])
        assert server.bot_messages(ann) == []


class TestForumTopics:
    async def test_created_topic_id_is_its_service_message_id(
        self, bot: Bot, server: FakeBotApi, staff: FakeChat
    ) -> None:
        topic = await bot.create_forum_topic(staff.id, "#7 Login fails")

        [service] = server.chat_messages(staff, include_service=True)
        assert service["message_id"] == topic.message_thread_id
        assert service["forum_topic_created"] == {
            "name": "#7 Login fails",
            "icon_color": topic.icon_color,
        }
        assert server.topic(staff, topic.message_thread_id).name == "#7 Login fails"

    @pytest.mark.parametrize("name", ["x" * 128, "🔥" * 64, "👩🏽‍💻" * 18])
    async def test_a_name_of_up_to_128_utf16_units_is_taken(
        self, bot: Bot, server: FakeBotApi, staff: FakeChat, name: str
    ) -> None:
        topic = await bot.create_forum_topic(staff.id, name)

        assert server.topic(staff, topic.message_thread_id).name == name

    @pytest.mark.parametrize("name", ["", "x" * 129, "🔥" * 65, "#1 " + "😀" * 120])
    async def test_a_name_outside_1_to_128_utf16_units_is_refused_like_telegram(
        self, bot: Bot, server: FakeBotApi, staff: FakeChat, name: str
    ) -> None:
        with pytest.raises(BadRequest, match=r"(?i)topic_name_invalid"):
            await bot.create_forum_topic(staff.id, name)

        assert server.topics(staff) == []

    async def test_bot_message_in_a_topic_carries_the_thread(
        self, bot: Bot, staff: FakeChat
    ) -> None:
        topic = await bot.create_forum_topic(staff.id, "#8")

        message = await bot.send_message(
            staff.id, "card", message_thread_id=topic.message_thread_id
        )

        assert message.message_thread_id == topic.message_thread_id
        assert message.is_topic_message
        assert message.reply_to_message is not None
        assert message.reply_to_message.forum_topic_created is not None

    async def test_edit_close_and_reopen(
        self, bot: Bot, server: FakeBotApi, staff: FakeChat
    ) -> None:
        topic = await bot.create_forum_topic(staff.id, "#9")
        thread_id = topic.message_thread_id

        assert await bot.edit_forum_topic(staff.id, thread_id, name="#9 [resolved]")
        assert await bot.close_forum_topic(staff.id, thread_id)
        assert server.topic(staff, thread_id).closed
        with pytest.raises(BadRequest, match="Topic_not_modified"):
            await bot.close_forum_topic(staff.id, thread_id)
        assert await bot.reopen_forum_topic(staff.id, thread_id)

        assert server.topic(staff, thread_id).name == "#9 [resolved]"
        assert not server.topic(staff, thread_id).closed

    async def test_sending_into_a_deleted_topic_fails(
        self, bot: Bot, server: FakeBotApi, staff: FakeChat
    ) -> None:
        by_bot = await bot.create_forum_topic(staff.id, "#10")
        by_admin = await bot.create_forum_topic(staff.id, "#11")

        await bot.delete_forum_topic(staff.id, by_bot.message_thread_id)
        server.delete_topic(staff, by_admin.message_thread_id)

        for thread_id in (by_bot.message_thread_id, by_admin.message_thread_id, 4242):
            with pytest.raises(BadRequest, match="Message thread not found"):
                await bot.send_message(staff.id, "hello?", message_thread_id=thread_id)
        assert [t.deleted for t in server.topics(staff)] == [True, True]

    async def test_deleting_a_topic_takes_its_messages_and_only_once(
        self, bot: Bot, server: FakeBotApi, staff: FakeChat
    ) -> None:
        topic = await bot.create_forum_topic(staff.id, "#12")
        thread_id = topic.message_thread_id
        await bot.send_message(staff.id, "card", message_thread_id=thread_id)
        general = await bot.send_message(staff.id, "elsewhere")

        assert await bot.delete_forum_topic(staff.id, thread_id) is True

        assert server.chat_messages(staff, thread_id, include_service=True) == []
        assert [m["message_id"] for m in server.chat_messages(staff)] == [general.message_id]
        for unknown in (thread_id, 4242):
            with pytest.raises(BadRequest, match="Topic_id_invalid"):
                await bot.delete_forum_topic(staff.id, unknown)
        plain = server.add_group("Plain", forum=False)
        with pytest.raises(BadRequest, match="The chat is not a forum"):
            await bot.delete_forum_topic(plain.id, thread_id)

    async def test_deleting_a_topic_takes_the_right_to_delete_messages(
        self, bot: Bot, server: FakeBotApi
    ) -> None:
        forum = server.add_group("Staff", forum=True, bot_can_delete_messages=False)
        topic = await bot.create_forum_topic(forum.id, "#13")
        me = await bot.get_chat_member(forum.id, bot.id)

        with pytest.raises(BadRequest, match="Not enough rights to delete topics"):
            await bot.delete_forum_topic(forum.id, topic.message_thread_id)
        assert not server.topic(forum, topic.message_thread_id).deleted
        assert getattr(me, "can_delete_messages", None) is False

    async def test_topics_need_a_forum(self, bot: Bot, server: FakeBotApi) -> None:
        plain = server.add_group("Staff", forum=False)

        with pytest.raises(BadRequest, match="The chat is not a forum"):
            await bot.create_forum_topic(plain.id, "#1")


class TestUpdates:
    async def test_long_poll_answers_as_soon_as_an_update_arrives(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser
    ) -> None:
        poll = asyncio.create_task(bot.get_updates(timeout=10))
        await asyncio.sleep(0.1)
        started = asyncio.get_running_loop().time()

        await server.user_sends(ann, "hello")
        [update] = await poll

        assert asyncio.get_running_loop().time() - started < 2
        assert update.message is not None
        assert update.message.text == "hello"
        assert update.message.from_user == User(ann.id, "Ann", is_bot=False, username="ann")
        assert update.message.chat.type == "private"

    async def test_a_second_poller_ends_the_first_with_a_conflict(
        self, bot: Bot, server: FakeBotApi
    ) -> None:
        first = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.1)

        async with Bot(TOKEN, base_url=server.base_url) as second_instance:
            assert await second_instance.get_updates(timeout=0) == ()

        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first

    async def test_long_poll_without_updates_waits_for_its_timeout(self, bot: Bot) -> None:
        started = asyncio.get_running_loop().time()

        assert await bot.get_updates(timeout=1) == ()
        assert asyncio.get_running_loop().time() - started >= 0.9

    async def test_commands_carry_a_bot_command_entity(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser, staff: FakeChat, agent: FakeUser
    ) -> None:
        await server.user_sends(ann, "/new printer broken")
        await server.user_sends(agent, "/note@helpdesk_test_bot ok", chat=staff)

        private, group = [u.message for u in await bot.get_updates()]

        assert private is not None
        assert group is not None
        assert [(e.type, e.offset, e.length) for e in private.entities] == [("bot_command", 0, 4)]
        assert group.entities[0].length == len("/note@helpdesk_test_bot")

    async def test_photo_and_album_updates(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser
    ) -> None:
        await server.user_sends(ann, photo=True, caption="see <this>")
        await server.user_sends_album(ann, count=2)

        photo, first, second = [u.message for u in await bot.get_updates()]

        assert photo is not None
        assert photo.caption == "see <this>"
        assert [p.width for p in photo.photo] == sorted(p.width for p in photo.photo)
        assert first is not None
        assert second is not None
        assert first.media_group_id == second.media_group_id is not None

    @pytest.mark.parametrize(
        ("options", "field"),
        [
            ({"voice": True}, "voice"),
            ({"video": True}, "video"),
            ({"video_note": True}, "video_note"),
            ({"audio": True}, "audio"),
            ({"animation": True}, "animation"),
            ({"sticker": "👍"}, "sticker"),
            ({"document": "log.txt"}, "document"),
            ({"location": (52.5, 13.4)}, "location"),
            ({"contact": ("+4930", "Ann")}, "contact"),
        ],
    )
    async def test_every_kind_of_user_message_parses(
        self,
        bot: Bot,
        server: FakeBotApi,
        ann: FakeUser,
        options: dict[str, Any],
        field: str,
    ) -> None:
        await server.user_sends(ann, **options)

        [update] = await bot.get_updates()

        assert update.message is not None
        assert getattr(update.message, field) is not None

    async def test_topic_message_replies_to_the_topic_root(
        self, bot: Bot, server: FakeBotApi, staff: FakeChat, agent: FakeUser
    ) -> None:
        topic = await bot.create_forum_topic(staff.id, "#12")
        await server.user_sends(
            agent, "we are on it", chat=staff, thread_id=topic.message_thread_id
        )

        [update] = await bot.get_updates()

        message = update.message
        assert message is not None
        assert message.is_topic_message
        assert message.message_thread_id == topic.message_thread_id
        assert message.reply_to_message is not None
        assert message.reply_to_message.message_id == topic.message_thread_id

    async def test_reply_outside_topics_has_a_thread_id_but_is_not_a_topic_message(
        self, bot: Bot, server: FakeBotApi, staff: FakeChat, agent: FakeUser
    ) -> None:
        card = await bot.send_message(staff.id, "digest")
        await server.user_sends(agent, "thanks", chat=staff, reply_to=card.message_id)

        [update] = await bot.get_updates()

        assert update.message is not None
        assert update.message.message_thread_id == card.message_id
        assert not update.message.is_topic_message
        assert update.message.reply_to_message is not None
        assert update.message.reply_to_message.message_id == card.message_id

    async def test_button_press_and_its_answer(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser
    ) -> None:
        sent = await bot.send_message(ann.id, "rate us", reply_markup=keyboard("r:5"))
        stored = server.message(ann, sent.message_id)
        assert stored is not None

        query_id = await server.user_presses(ann, stored, "r:5")
        [update] = await bot.get_updates()
        assert update.callback_query is not None
        await update.callback_query.answer("Thanks!")

        assert update.callback_query.data == "r:5"
        assert update.callback_query.message is not None
        assert update.callback_query.message.message_id == sent.message_id
        assert server.callback_answer(query_id) == {
            "callback_query_id": query_id,
            "text": "Thanks!",
        }
        with pytest.raises(BadRequest, match="Query is too old"):
            await update.callback_query.answer()

    async def test_pressing_a_button_that_is_not_there_is_a_test_error(
        self, server: FakeBotApi, ann: FakeUser
    ) -> None:
        sent = await server.user_sends(ann, "no buttons here")

        with pytest.raises(ValueError, match="no button"):
            await server.user_presses(ann, sent, "r:5")

    async def test_edited_message_update(self, bot: Bot, server: FakeBotApi, ann: FakeUser) -> None:
        sent = await server.user_sends(ann, "helo")
        await server.user_edits(sent, "hello")

        _, update = await bot.get_updates()

        assert update.edited_message is not None
        assert update.edited_message.text == "hello"
        assert update.edited_message.edit_date is not None

    async def test_offset_confirms_and_drops_updates(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser
    ) -> None:
        await server.user_sends(ann, "one")
        await server.user_sends(ann, "two")

        first = await bot.get_updates()
        again = await bot.get_updates()
        rest = await bot.get_updates(offset=first[0].update_id + 1)
        after_all = await bot.get_updates(offset=first[-1].update_id + 1)

        assert [u.update_id for u in again] == [u.update_id for u in first]
        assert [u.message.text for u in rest if u.message] == ["two"]
        assert after_all == ()
        assert server.pending_updates == []

    async def test_duplicate_delivery_repeats_the_message_under_a_new_update_id(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser
    ) -> None:
        await server.user_sends(ann, "once")
        [update] = await bot.get_updates()

        server.deliver_again(update.update_id)
        [duplicate] = await bot.get_updates(offset=update.update_id + 1)

        assert duplicate.update_id > update.update_id
        assert duplicate.message == update.message

    async def test_drop_pending_updates(self, bot: Bot, server: FakeBotApi, ann: FakeUser) -> None:
        await server.user_sends(ann, "stale")

        await bot.delete_webhook(drop_pending_updates=True)

        assert await bot.get_updates() == ()


class TestFaults:
    async def test_429_raises_retry_after_then_passes(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser
    ) -> None:
        server.faults.add("sendMessage", chat_id=ann.id, status=429, retry_after=2, times=2)

        for _ in range(2):
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(ann.id, "hi")
            assert caught.value.retry_after == dt.timedelta(seconds=2)
        await bot.send_message(ann.id, "hi")

        assert [c.status for c in server.calls_of("sendMessage")] == [429, 429, 200]
        assert server.calls_of("sendMessage")[0].injected
        assert len(server.bot_messages(ann)) == 1
        assert server.stats.too_many_requests == 2

    @pytest.mark.parametrize(("status", "text"), [(500, "Internal"), (502, "Bad Gateway")])
    async def test_server_errors_are_network_errors(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser, status: int, text: str
    ) -> None:
        server.faults.add("sendMessage", status=status)

        with pytest.raises(NetworkError, match=text):
            await bot.send_message(ann.id, "hi")
        assert server.bot_messages(ann) == []

    async def test_faults_only_match_their_chat(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser, agent: FakeUser
    ) -> None:
        server.faults.add("sendMessage", chat_id=agent.id, status=403)

        await bot.send_message(ann.id, "fine")
        with pytest.raises(Forbidden):
            await bot.send_message(agent.id, "blocked")

    async def test_a_hanging_call_times_out_and_is_dropped(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser
    ) -> None:
        server.faults.add("sendMessage", hang=5)

        with pytest.raises(TimedOut):
            await bot.send_message(ann.id, "lost", read_timeout=0.3)

        assert server.bot_messages(ann) == []
        assert server.calls_of("sendMessage")[0].status == 504

    async def test_a_late_answer_still_applies_the_call(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser
    ) -> None:
        server.faults.add("sendMessage", answer_delay=5)

        with pytest.raises(TimedOut):
            await bot.send_message(ann.id, "delivered anyway", read_timeout=0.3)

        assert [m["text"] for m in server.bot_messages(ann)] == ["delivered anyway"]

    async def test_an_outage_fails_every_method_until_cleared(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser
    ) -> None:
        server.faults.add(status=502, times=None)

        with pytest.raises(NetworkError):
            await bot.get_me()
        with pytest.raises(NetworkError):
            await bot.send_message(ann.id, "x")
        server.faults.clear()

        assert (await bot.send_message(ann.id, "x")).text == "x"


class TestServerLifecycle:
    async def test_a_restarted_server_keeps_its_url_and_its_world(
        self, bot: Bot, server: FakeBotApi, ann: FakeUser
    ) -> None:
        base_url = server.base_url
        await bot.send_message(ann.id, "before")

        await server.stop()
        with pytest.raises(NetworkError):
            await bot.send_message(ann.id, "during")
        await server.start()
        await bot.send_message(ann.id, "after")

        assert server.base_url == base_url
        assert [m["text"] for m in server.bot_messages(ann)] == ["before", "after"]


class TestFloodLimits:
    @pytest.fixture(name="limited")
    async def fixture_limited(self) -> AsyncIterator[tuple[FakeBotApi, Bot]]:
        limits = FloodLimits(global_per_second=30, private_per_second=1, group_per_minute=2)
        async with FakeBotApi(TOKEN, flood_limits=limits) as server:
            bot = Bot(TOKEN, base_url=server.base_url)
            async with bot:
                yield server, bot

    async def test_second_message_to_a_private_chat_within_a_second_is_refused(
        self, limited: tuple[FakeBotApi, Bot]
    ) -> None:
        server, bot = limited
        ann, bob = server.add_user("Ann"), server.add_user("Bob")

        await bot.send_message(ann.id, "1")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(ann.id, "2")
        await bot.send_message(bob.id, "other chat is fine")

        assert caught.value.retry_after == dt.timedelta(seconds=1)
        assert server.stats.too_many_requests == 1
        assert server.stats.messages_by_chat == {ann.id: 1, bob.id: 1}

    async def test_a_group_takes_a_few_messages_per_minute_and_an_album_counts_once(
        self, limited: tuple[FakeBotApi, Bot]
    ) -> None:
        server, bot = limited
        staff = server.add_forum("Support staff")

        await bot.send_media_group(staff.id, [InputMediaPhoto(b"a"), InputMediaPhoto(b"b")])
        await bot.send_message(staff.id, "2")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(staff.id, "3")

        retry_after = caught.value.retry_after
        assert isinstance(retry_after, dt.timedelta)
        assert dt.timedelta(seconds=1) <= retry_after <= dt.timedelta(seconds=60)
        assert server.stats.messages_by_chat[staff.id] == 3


class TestApplicationPolling:
    async def test_a_polling_application_answers_a_command(
        self, server: FakeBotApi, ann: FakeUser
    ) -> None:
        async def start(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
            assert update.effective_message is not None
            await update.effective_message.reply_html("<b>Welcome</b>")

        app: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder().token(TOKEN).base_url(server.base_url).build()
        )
        app.add_handler(CommandHandler("start", start))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
            await server.user_sends(ann, "/start")
            reply = await server.wait_for(lambda: server.last_bot_message(ann), timeout=5)
            await app.updater.stop()
            await app.stop()

        assert reply["text"] == "Welcome"
        assert server.pending_updates == []


class TestWaitFor:
    async def test_timeout_explains_what_was_awaited(
        self, server: FakeBotApi, ann: FakeUser
    ) -> None:
        with pytest.raises(AssertionError, match="bot_messages") as caught:
            await server.wait_for(lambda: server.bot_messages(ann), timeout=0.1)

        assert "last API calls" in str(caught.value)


class TestHtmlParser:
    def test_pre_with_language_and_nested_entities(self) -> None:
        parsed = parse_html(
            '<pre><code class="language-python">x = 1</code></pre>'
            "<blockquote expandable>q</blockquote><tg-spoiler>s</tg-spoiler>"
        )

        assert parsed.text == "x = 1qs"
        assert parsed.entities == [
            {"type": "pre", "offset": 0, "length": 5, "language": "python"},
            {"type": "expandable_blockquote", "offset": 5, "length": 1},
            {"type": "spoiler", "offset": 6, "length": 1},
        ]

    def test_lenient_mode_keeps_a_bare_ampersand_like_telegram(self) -> None:
        assert parse_html("Q&A &copy;", strict=False).text == "Q&A &copy;"


class TestControlApi:
    async def test_drive_the_server_over_http(self, server: FakeBotApi, bot: Bot) -> None:
        async with httpx.AsyncClient(base_url=server.root_url) as client:
            zoe = (await client.post("/_control/users", json={"first_name": "Zoe"})).json()
            response = await client.post(
                "/_control/user_sends", json={"user_id": zoe["id"], "text": "/start"}
            )
            assert response.status_code == 200
            await bot.send_message(zoe["id"], "hi Zoe")
            stats = (await client.get("/_control/stats")).json()

        assert stats["messages_by_chat"] == {str(zoe["id"]): 1}
        assert stats["pending_updates"] == 1

    async def test_update_timings_say_when_each_update_was_queued_and_handed_out(
        self, server: FakeBotApi, bot: Bot, ann: FakeUser
    ) -> None:
        first = await server.user_sends(ann, "one")
        second = await server.user_sends(ann, "two")
        handed = await bot.get_updates(limit=1)
        async with httpx.AsyncClient(base_url=server.root_url) as client:
            timings = (await client.get("/_control/updates")).json()

        assert [(t["chat_id"], t["message_id"]) for t in timings] == [
            (ann.id, first["message_id"]),
            (ann.id, second["message_id"]),
        ]
        assert timings[0]["update_id"] == handed[0].update_id
        assert timings[0]["delivered_at"] >= timings[0]["queued_at"]
        assert timings[1]["delivered_at"] is None

    async def test_calls_since_a_moment_are_only_the_later_ones(
        self, server: FakeBotApi, bot: Bot, ann: FakeUser
    ) -> None:
        await bot.send_message(ann.id, "before")
        moment = server.calls_of("sendMessage")[-1].at + 1e-6
        await bot.send_message(ann.id, "after")
        await bot.get_me()
        async with httpx.AsyncClient(base_url=server.root_url) as client:
            later = (await client.get("/_control/calls", params={"since": moment})).json()
            sent = (
                await client.get("/_control/calls", params={"method": "sendMessage", "since": 0})
            ).json()
            bad = await client.get("/_control/calls", params={"since": "soon"})

        assert [(c["method"], c["params"].get("text")) for c in later] == [
            ("sendMessage", "after"),
            ("getMe", None),
        ]
        assert [c["params"]["text"] for c in sent] == ["before", "after"]
        assert bad.status_code == 400

    async def test_faults_over_http(self, server: FakeBotApi, bot: Bot, ann: FakeUser) -> None:
        async with httpx.AsyncClient(base_url=server.root_url) as client:
            response = await client.post(
                "/_control/faults", json={"method": "sendMessage", "status": 429, "retry_after": 3}
            )
        assert response.status_code == 200

        with pytest.raises(RetryAfter):
            await bot.send_message(ann.id, "x")

    async def test_bad_control_requests_explain_themselves(self, server: FakeBotApi) -> None:
        async with httpx.AsyncClient(base_url=server.root_url) as client:
            response = await client.post("/_control/user_sends", json={"user_id": 1})
        body = response.json()

        assert response.status_code == 400
        assert "KeyError" in body["error"]


class TestStandalone:
    async def test_runs_as_a_module_and_stops_on_sigterm(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "sandbox.botapi",
            "--port",
            str(port),
            "--token",
            TOKEN,
            "--flood-limits",
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            assert process.stdout is not None
            banner = await asyncio.wait_for(process.stdout.readline(), 20)
            base_url = f"http://127.0.0.1:{port}/bot"
            async with Bot(TOKEN, base_url=base_url) as bot:
                me = await bot.get_me()
        finally:
            process.terminate()
            return_code = await asyncio.wait_for(process.wait(), 10)

        assert base_url in banner.decode()
        assert me.username == "helpdesk_test_bot"
        assert return_code == 0
