"""Turning real ``telegram.Message`` objects into the core's plain values, and back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import (
    Animation,
    Audio,
    Chat,
    Contact,
    Dice,
    Document,
    Game,
    Invoice,
    Location,
    Message,
    MessageEntity,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    PhotoSize,
    Poll,
    PollOption,
    Sticker,
    Story,
    User,
    Venue,
    Video,
    VideoNote,
    Voice,
)

from bot.inbound import (
    attachment_of,
    command_argument,
    customer_actor,
    new_message_from,
    profile_of,
    subject_from,
    unsupported_kind,
)
from core.domain.actors import Attachment, ChatRef, CustomerProfile, ForwardOrigin, NewMessage
from core.domain.values import AttachmentKind, ForwardKind, Role
from sandbox.botapi import parse_html

ANN = User(7001, "Ann", is_bot=False, last_name="Lee", username="ann", language_code="en")
ANN_CHAT = Chat(7001, Chat.PRIVATE)
STAFF_CHAT = Chat(-100_777, Chat.SUPERGROUP, title="Support staff", is_forum=True)


def message(
    message_id: int = 501, *, chat: Chat = ANN_CHAT, user: User = ANN, **content: Any
) -> Message:
    """A message as python-telegram-bot would hand it to a handler."""
    return Message(
        message_id=message_id, date=datetime.now(UTC), chat=chat, from_user=user, **content
    )


def entity(kind: str, offset: int, length: int, **extra: Any) -> MessageEntity:
    """A message entity; offsets and lengths in UTF-16 units, as Telegram sends them."""
    return MessageEntity(kind, offset, length, **extra)


def photo_sizes(prefix: str = "photo") -> list[PhotoSize]:
    """Telegram's sizes of one photo, smallest first."""
    return [
        PhotoSize(f"{prefix}-s", f"{prefix}-us", 90, 68),
        PhotoSize(f"{prefix}-m", f"{prefix}-um", 320, 240),
        PhotoSize(f"{prefix}-x", f"{prefix}-ux", 1280, 960),
    ]


def a_poll() -> Poll:
    """A regular two-option poll."""
    return Poll(
        "poll-1",
        "Lunch?",
        [PollOption("Yes", 0, persistent_id="o1"), PollOption("No", 0, persistent_id="o2")],
        total_voter_count=0,
        is_closed=False,
        is_anonymous=True,
        type=Poll.REGULAR,
        allows_multiple_answers=False,
        allows_revoting=False,
        members_only=False,
    )


class TestNewMessageFromText:
    def test_keeps_text_and_where_it_arrived(self) -> None:
        got = new_message_from(message(42, text="The printer is on fire"))

        assert got == NewMessage(
            text="The printer is on fire",
            formatted="The printer is on fire",
            attachment=None,
            origin=ChatRef(7001, 42),
            album=None,
            copyable=True,
        )

    def test_plain_text_with_markup_characters_is_escaped_in_the_formatted_copy(self) -> None:
        got = new_message_from(message(text="Printer <b>& fire"))

        assert got.text == "Printer <b>& fire"
        assert got.formatted == "Printer &lt;b&gt;&amp; fire"

    def test_entities_become_html(self) -> None:
        text = "Urgent: the printer is on fire, see code E42"
        got = new_message_from(
            message(
                text=text,
                entities=[entity("bold", 0, 6), entity("italic", 12, 7), entity("code", 41, 3)],
            )
        )

        assert got.formatted == (
            "<b>Urgent</b>: the <i>printer</i> is on fire, see code <code>E42</code>"
        )

    def test_entities_after_emoji_are_placed_by_utf16_offsets(self) -> None:
        text = "🔥🔥 fire & <smoke>"
        got = new_message_from(message(text=text, entities=[entity("bold", 5, 4)]))

        assert got.formatted == "🔥🔥 <b>fire</b> &amp; &lt;smoke&gt;"

    def test_formatted_copy_is_valid_telegram_html_showing_the_same_text(self) -> None:
        text = "Hi 👋 <admin> & co: spoiler, link, pre"
        got = new_message_from(
            message(
                text=text,
                entities=[
                    entity("underline", 3, 2),
                    entity("spoiler", 20, 7),
                    entity("text_link", 29, 4, url="https://example.com/a?b=1"),
                    entity("pre", 35, 3, language="python"),
                ],
            )
        )

        assert got.formatted is not None
        parsed = parse_html(got.formatted)
        assert parsed.text == text
        assert [(e["type"], e["offset"], e["length"]) for e in parsed.entities] == [
            ("underline", 3, 2),
            ("spoiler", 20, 7),
            ("text_link", 29, 4),
            ("pre", 35, 3),
        ]

    def test_message_in_the_staff_chat_keeps_that_chat_as_origin(self) -> None:
        got = new_message_from(message(9, chat=STAFF_CHAT, text="On it"))

        assert got.origin == ChatRef(-100_777, 9)


class TestNewMessageFromMedia:
    def test_photo_keeps_its_largest_size_and_caption(self) -> None:
        got = new_message_from(
            message(photo=photo_sizes(), caption="Smoke <here>", caption_entities=[])
        )

        assert got.attachment == Attachment(AttachmentKind.PHOTO, "photo-x")
        assert got.text == "Smoke <here>"
        assert got.formatted == "Smoke &lt;here&gt;"

    def test_caption_entities_become_html(self) -> None:
        got = new_message_from(
            message(
                photo=photo_sizes(),
                caption="Look here",
                caption_entities=[entity("bold", 5, 4)],
            )
        )

        assert got.formatted == "Look <b>here</b>"

    def test_media_without_caption_has_no_text(self) -> None:
        got = new_message_from(message(photo=photo_sizes()))

        assert got.text == ""
        assert got.formatted is None
        assert not got.is_empty

    def test_document_keeps_its_file_name(self) -> None:
        got = new_message_from(
            message(document=Document("doc-1", "udoc-1", file_name="invoice <2026>.pdf"))
        )

        assert got.attachment == Attachment(AttachmentKind.DOCUMENT, "doc-1", "invoice <2026>.pdf")

    def test_document_without_file_name_has_no_details(self) -> None:
        got = new_message_from(message(document=Document("doc-1", "udoc-1")))

        assert got.attachment == Attachment(AttachmentKind.DOCUMENT, "doc-1", "")

    def test_animation_is_not_taken_for_the_document_telegram_also_sets(self) -> None:
        gif = Animation("gif-1", "ugif-1", 320, 240, 3, file_name="cat.gif.mp4")
        got = new_message_from(
            message(animation=gif, document=Document("gif-1", "ugif-1", file_name="cat.gif.mp4"))
        )

        assert got.attachment == Attachment(AttachmentKind.ANIMATION, "gif-1")

    @pytest.mark.parametrize(
        ("content", "expected"),
        [
            (
                {"voice": Voice("voice-1", "uvoice-1", 4)},
                Attachment(AttachmentKind.VOICE, "voice-1"),
            ),
            (
                {"audio": Audio("audio-1", "uaudio-1", 200, title="Song <live>")},
                Attachment(AttachmentKind.AUDIO, "audio-1", "Song <live>"),
            ),
            (
                {"audio": Audio("audio-1", "uaudio-1", 200)},
                Attachment(AttachmentKind.AUDIO, "audio-1"),
            ),
            (
                {"video": Video("video-1", "uvideo-1", 640, 480, 10)},
                Attachment(AttachmentKind.VIDEO, "video-1"),
            ),
            (
                {"video_note": VideoNote("note-1", "unote-1", 240, 5)},
                Attachment(AttachmentKind.VIDEO_NOTE, "note-1"),
            ),
            (
                {
                    "sticker": Sticker(
                        "st-1", "ust-1", 512, 512, False, False, Sticker.REGULAR, emoji="🔥"
                    )
                },
                Attachment(AttachmentKind.STICKER, "st-1", "🔥"),
            ),
            (
                {"sticker": Sticker("st-2", "ust-2", 512, 512, True, False, Sticker.REGULAR)},
                Attachment(AttachmentKind.STICKER, "st-2"),
            ),
        ],
    )
    def test_file_media_keep_their_kind_and_file_id(
        self, content: dict[str, Any], expected: Attachment
    ) -> None:
        assert new_message_from(message(**content)).attachment == expected

    def test_location_is_described_by_its_coordinates(self) -> None:
        got = new_message_from(message(location=Location(longitude=13.4050, latitude=52.5200)))

        assert got.attachment == Attachment(AttachmentKind.LOCATION, "", "52.52000, 13.40500")

    def test_contact_is_described_by_phone_and_name(self) -> None:
        got = new_message_from(message(contact=Contact("+49 30 1234", "Bob", last_name="Ng")))

        assert got.attachment == Attachment(AttachmentKind.CONTACT, "", "+49 30 1234 Bob Ng")

    def test_contact_without_last_name(self) -> None:
        contact = Contact("+49 30 1234", "Bob")

        assert attachment_of(message(contact=contact)) == Attachment(
            AttachmentKind.CONTACT, "", "+49 30 1234 Bob"
        )

    def test_venue_is_described_by_name_address_and_coordinates(self) -> None:
        place = Location(longitude=13.4050, latitude=52.5200)
        got = new_message_from(
            message(venue=Venue(place, "Cafe <Zur>", "Main St 1"), location=place)
        )

        assert got.attachment == Attachment(
            AttachmentKind.VENUE, "", "Cafe <Zur>, Main St 1 (52.52000, 13.40500)"
        )

    def test_parts_of_an_album_share_its_media_group_id(self) -> None:
        parts = [
            new_message_from(message(600 + n, photo=photo_sizes(f"p{n}"), media_group_id="alb-9"))
            for n in range(3)
        ]

        assert [p.album for p in parts] == ["alb-9", "alb-9", "alb-9"]
        assert [p.origin for p in parts] == [ChatRef(7001, 600 + n) for n in range(3)]

    def test_text_has_no_attachment(self) -> None:
        assert attachment_of(message(text="hello")) is None


class TestForwardOrigin:
    SENT = datetime(2025, 11, 26, 6, 53, tzinfo=UTC)

    def test_a_message_of_ones_own_has_no_origin(self) -> None:
        assert new_message_from(message(text="mine")).forwarded_from is None

    def test_a_user_is_named_with_their_username(self) -> None:
        bob = User(9, "Bob", is_bot=False, last_name="Ng", username="bob")
        origin = MessageOriginUser(self.SENT, bob)

        got = new_message_from(message(text="x", forward_origin=origin)).forwarded_from

        assert got == ForwardOrigin(ForwardKind.USER, "Bob Ng", self.SENT, "bob")

    def test_a_hidden_user_is_only_a_name(self) -> None:
        origin = MessageOriginHiddenUser(self.SENT, "Carol")

        got = new_message_from(message(text="x", forward_origin=origin)).forwarded_from

        assert got == ForwardOrigin(ForwardKind.HIDDEN_USER, "Carol", self.SENT)

    def test_a_channel_post_keeps_the_channel_and_the_signature(self) -> None:
        news = Chat(-100_5, Chat.CHANNEL, title="News", username="news")
        origin = MessageOriginChannel(self.SENT, news, 77, author_signature="Jane")

        got = new_message_from(message(text="x", forward_origin=origin)).forwarded_from

        assert got == ForwardOrigin(ForwardKind.CHANNEL, "News", self.SENT, "news", "Jane")

    def test_a_group_writing_as_itself_is_a_chat(self) -> None:
        club = Chat(-100_6, Chat.SUPERGROUP, title="Club")
        origin = MessageOriginChat(self.SENT, club)

        got = new_message_from(message(text="x", forward_origin=origin)).forwarded_from

        assert got == ForwardOrigin(ForwardKind.CHAT, "Club", self.SENT)


class TestUnsupportedKind:
    @pytest.mark.parametrize(
        ("content", "name"),
        [
            ({"poll": a_poll()}, "a poll"),
            ({"dice": Dice(4, Dice.DICE)}, "a dice roll"),
            ({"game": Game("Tetris", "Blocks", photo_sizes())}, "a game"),
            ({"story": Story(Chat(5, Chat.CHANNEL), 3)}, "a story"),
            ({"invoice": Invoice("Plan", "One month", "start", "EUR", 500)}, "an invoice"),
            ({}, "this kind of message"),
        ],
    )
    def test_names_what_the_desk_cannot_relay(self, content: dict[str, Any], name: str) -> None:
        assert unsupported_kind(message(**content)) == name

    @pytest.mark.parametrize(
        "content",
        [
            {"text": "hello"},
            {"photo": photo_sizes()},
            {"photo": photo_sizes(), "caption": "look"},
            {"location": Location(13.4, 52.5)},
            {"contact": Contact("+49 30 1234", "Bob")},
            {"voice": Voice("voice-1", "uvoice-1", 4)},
            {
                "venue": Venue(Location(13.4, 52.5), "Cafe", "Main St 1"),
                "location": Location(13.4, 52.5),
            },
        ],
    )
    def test_relayable_messages_are_supported(self, content: dict[str, Any]) -> None:
        assert unsupported_kind(message(**content)) is None


class TestCommandArgument:
    def test_formatting_after_the_command_is_kept(self) -> None:
        got = command_argument(
            message(
                chat=STAFF_CHAT,
                text="/note hello <b>",
                entities=[entity("bot_command", 0, 5), entity("bold", 6, 5)],
            )
        )

        assert got.text == "hello <b>"
        assert got.formatted == "<b>hello</b> &lt;b&gt;"

    def test_is_never_copyable_because_the_original_is_the_command(self) -> None:
        got = command_argument(
            message(77, chat=STAFF_CHAT, text="/note x", entities=[entity("bot_command", 0, 5)])
        )

        assert got.copyable is False
        assert got.origin == ChatRef(-100_777, 77)

    def test_emoji_before_the_formatting_are_counted_in_utf16_units(self) -> None:
        # "🔥" is two UTF-16 units: "hot" starts at unit 11 of the whole text.
        got = command_argument(
            message(
                text="/note 🔥🔥 hot & <stuff>",
                entities=[entity("bot_command", 0, 5), entity("italic", 11, 3)],
            )
        )

        assert got.text == "🔥🔥 hot & <stuff>"
        assert got.formatted == "🔥🔥 <i>hot</i> &amp; &lt;stuff&gt;"

    def test_emoji_inside_the_formatting_keep_their_length(self) -> None:
        got = command_argument(
            message(
                text="/note x 🐱🐱 y",
                entities=[entity("bot_command", 0, 5), entity("bold", 8, 4)],
            )
        )

        assert got.formatted == "x <b>🐱🐱</b> y"

    def test_command_addressed_to_the_bot_by_name(self) -> None:
        got = command_argument(
            message(
                text="/note@helpdesk_bot  call <them> back",
                entities=[entity("bot_command", 0, 18), entity("code", 20, 4)],
            )
        )

        assert got.text == "call <them> back"
        assert got.formatted == "<code>call</code> &lt;them&gt; back"

    def test_argument_on_the_next_line(self) -> None:
        got = command_argument(
            message(text="/note\nline one\nline two", entities=[entity("bot_command", 0, 5)])
        )

        assert got.text == "line one\nline two"
        assert got.formatted == "line one\nline two"

    def test_formatting_that_starts_inside_the_command_is_dropped(self) -> None:
        got = command_argument(
            message(
                text="/note hello",
                entities=[entity("bot_command", 0, 5), entity("bold", 0, 11)],
            )
        )

        assert got.text == "hello"
        assert got.formatted == "hello"

    def test_without_a_command_entity_the_first_word_is_the_command(self) -> None:
        got = command_argument(message(text="/note  plain & simple"))

        assert got.text == "plain & simple"
        assert got.formatted == "plain &amp; simple"

    def test_bare_command_has_an_empty_argument(self) -> None:
        got = command_argument(message(text="/note", entities=[entity("bot_command", 0, 5)]))

        assert got.text == ""
        assert got.formatted == ""
        assert got.is_empty

    def test_formatted_argument_is_valid_telegram_html_showing_the_same_text(self) -> None:
        got = command_argument(
            message(
                text="/note 👋 <ok> & see docs",
                entities=[
                    entity("bot_command", 0, 5),
                    entity("text_link", 20, 4, url="https://example.com/docs"),
                    entity("strikethrough", 9, 4),
                ],
            )
        )

        assert got.formatted is not None
        parsed = parse_html(got.formatted)
        assert parsed.text == got.text
        assert [e["type"] for e in parsed.entities] == ["strikethrough", "text_link"]


class TestSubjectFrom:
    def test_first_non_empty_line(self) -> None:
        messages = [NewMessage(text="\n   \n  Printer on fire  \nIt smokes.")]

        assert subject_from(messages, 120) == "Printer on fire"

    def test_later_message_when_the_first_has_no_text(self) -> None:
        messages = [
            NewMessage(attachment=Attachment(AttachmentKind.PHOTO, "p")),
            NewMessage(text="Printer on fire"),
        ]

        assert subject_from(messages, 120) == "Printer on fire"

    def test_line_at_the_limit_is_kept_whole(self) -> None:
        line = "x" * 120

        assert subject_from([NewMessage(text=line)], 120) == line

    def test_longer_line_is_cut_with_an_ellipsis_at_the_limit(self) -> None:
        subject = subject_from([NewMessage(text="word " * 100)], 120)

        assert len(subject) <= 120
        assert subject.endswith("word…")
        assert subject.startswith("word word")

    def test_5000_character_message_gives_a_subject_within_the_limit(self) -> None:
        subject = subject_from([NewMessage(text="ä" * 5000)], 120)

        assert subject == "ä" * 119 + "…"

    def test_a_long_line_of_flags_is_cut_between_flags(self) -> None:
        subject = subject_from([NewMessage(text="🇺🇦" * 100)], 120)

        assert subject == "🇺🇦" * 59 + "…"

    @pytest.mark.parametrize(
        ("kind", "subject"),
        [
            (AttachmentKind.PHOTO, "Photo from the customer"),
            (AttachmentKind.VIDEO_NOTE, "Video note from the customer"),
            (AttachmentKind.LOCATION, "Location from the customer"),
        ],
    )
    def test_media_only_falls_back_to_the_kind(self, kind: AttachmentKind, subject: str) -> None:
        assert subject_from([NewMessage(attachment=Attachment(kind, "f"))], 120) == subject

    def test_nothing_at_all_is_a_new_request(self) -> None:
        assert subject_from([], 120) == "New request"
        assert subject_from([NewMessage(text="   ")], 120) == "New request"


class TestProfileOf:
    def test_full_name_username_and_language(self) -> None:
        assert profile_of(ANN) == CustomerProfile(7001, "Ann Lee", "ann", "en")

    def test_first_name_alone(self) -> None:
        user = User(7002, "Bob", is_bot=False)

        assert profile_of(user) == CustomerProfile(7002, "Bob", None, None)

    def test_username_when_the_name_is_empty(self) -> None:
        user = User(7003, "", is_bot=False, username="cat_lover")

        assert profile_of(user).display_name == "cat_lover"

    def test_id_when_there_is_nothing_else(self) -> None:
        assert profile_of(User(7004, "", is_bot=False)).display_name == "7004"

    def test_names_are_kept_verbatim_for_the_renderers_to_escape(self) -> None:
        user = User(7005, "<b>Eve</b> &", is_bot=False, last_name="🐱")

        assert profile_of(user).display_name == "<b>Eve</b> & 🐱"

    def test_customer_actor_is_that_customer(self) -> None:
        actor = customer_actor(ANN)

        assert actor.role is Role.CUSTOMER
        assert actor.ref == 7001
        assert actor.name == "Ann Lee"
        assert actor.profile == profile_of(ANN)
