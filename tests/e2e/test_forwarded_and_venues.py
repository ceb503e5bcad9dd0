"""What staff need to read a customer's message right: whose words it is, and where it is."""

from __future__ import annotations

from datetime import UTC, datetime

from core.domain.actors import Actor
from core.domain.values import AttachmentKind, ForwardKind
from core.views import MessageView
from tests.e2e.conftest import Harness

ORIGINAL_DATE = 1_764_140_000
SENT = datetime.fromtimestamp(ORIGINAL_DATE, UTC).strftime("%Y-%m-%d %H:%M UTC")


async def _last_message(desk_bot: Harness, number: int) -> MessageView:
    detail = await desk_bot.desk.queries.get_ticket(Actor.system(), number)
    return detail.messages[-1]


class TestForwardedMessages:
    async def test_a_forward_from_a_user_names_them_and_the_date_above_the_copy(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        bob = server.add_user("Bob", last_name="<Smith>", username="bob_s")
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        await server.user_sends(
            ann, "Pay me 300 € now", forwarded_from=bob, forward_date=ORIGINAL_DATE
        )
        copy = await desk_bot.wait_bot_says(desk_bot.staff, "Pay me 300 € now", thread_id=thread)
        assert copy["text"] == (
            f"↪️ Forwarded from Bob <Smith> (@bob_s), sent {SENT}\nPay me 300 € now"
        )
        stored = await _last_message(desk_bot, number)
        assert stored.text == "Pay me 300 € now"
        assert stored.forwarded_from is not None
        assert (stored.forwarded_from.kind, stored.forwarded_from.name) == (
            ForwardKind.USER,
            "Bob <Smith>",
        )
        assert stored.forwarded_from.date == datetime.fromtimestamp(ORIGINAL_DATE, UTC)

    async def test_a_forward_from_someone_hiding_their_account_gives_the_name_only(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        carol = server.add_user("Carol", hides_forwards=True)
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        await server.user_sends(
            ann, "See you at 5", forwarded_from=carol, forward_date=ORIGINAL_DATE
        )
        copy = await desk_bot.wait_bot_says(desk_bot.staff, "See you at 5", thread_id=thread)
        assert copy["text"].startswith(f"↪️ Forwarded from Carol (account hidden), sent {SENT}\n")
        stored = await _last_message(desk_bot, number)
        assert stored.forwarded_from is not None
        assert stored.forwarded_from.kind is ForwardKind.HIDDEN_USER

    async def test_a_channel_post_and_a_group_message_name_their_chat(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        news = server.add_channel("Deals & News", username="deals_news")
        club = server.add_group("Printer club")
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        await server.user_sends(
            ann, "Half price today", forwarded_from=news, forward_signature="Jane"
        )
        await server.user_sends(ann, "Meeting moved", forwarded_from=club)
        post = await desk_bot.wait_bot_says(desk_bot.staff, "Half price today", thread_id=thread)
        assert post["text"].startswith(
            "↪️ Forwarded from the channel Deals & News (@deals_news), signed Jane, sent "
        )
        group = await desk_bot.wait_bot_says(desk_bot.staff, "Meeting moved", thread_id=thread)
        assert group["text"].startswith("↪️ Forwarded from the group Printer club, sent ")
        stored = await _last_message(desk_bot, number)
        assert stored.forwarded_from is not None
        assert stored.forwarded_from.kind is ForwardKind.CHAT

    async def test_a_forwarded_photo_carries_the_origin_in_its_caption(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        bob = server.add_user("Bob")
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        await server.user_sends(ann, photo=True, caption="the invoice", forwarded_from=bob)
        copy = await desk_bot.wait_bot_says(desk_bot.staff, "the invoice", thread_id=thread)
        assert copy.get("photo")
        assert copy["caption"].startswith("↪️ Forwarded from Bob, sent ")
        assert copy["caption"].endswith("\nthe invoice")

    async def test_the_customers_own_messages_have_no_origin_line(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        await server.user_sends(ann, "My own words")
        copy = await desk_bot.wait_bot_says(desk_bot.staff, "My own words", thread_id=thread)
        assert copy["text"] == "My own words"
        assert (await _last_message(desk_bot, number)).forwarded_from is None

    async def test_a_forward_held_before_a_ticket_keeps_its_origin(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        bob = server.add_user("Bob", username="bob")
        await server.user_sends(ann, "Your parcel is held", forwarded_from=bob)
        offer = await desk_bot.wait_bot_says(ann, "no open ticket")
        await server.user_presses(ann, offer, button_text="📝 Open a ticket")
        confirmation = await desk_bot.wait_bot_says(ann, "Your ticket")
        number = int(confirmation["text"].split("#", 1)[1].split()[0])
        thread = await desk_bot.topic_of(number)
        copy = await desk_bot.wait_bot_says(desk_bot.staff, "Forwarded from", thread_id=thread)
        assert copy["text"].startswith("↪️ Forwarded from Bob (@bob), sent ")
        assert copy["text"].endswith("\nYour parcel is held")

    async def test_the_ticket_history_shows_the_origin(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        bob = server.add_user("Bob", username="bob")
        agent = await desk_bot.agent()
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        await server.user_sends(
            ann, "Click this link", forwarded_from=bob, forward_date=ORIGINAL_DATE
        )
        await desk_bot.wait_bot_says(desk_bot.staff, "Click this link", thread_id=thread)
        await server.user_sends(agent, f"/ticket {number}")
        history = await desk_bot.wait_bot_says(agent, "History")
        assert f"Click this link\n    ↪️ Forwarded from Bob (@bob), sent {SENT}" in history["text"]


class TestVenues:
    async def test_a_venue_is_stored_and_copied_to_the_topic(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        before = len(server.bot_messages(desk_bot.staff, thread))
        await server.user_sends(ann, venue=(48.85837, 2.29448, "Eiffel <Tower>", "Champ de Mars"))

        def venue_copy() -> dict[str, object] | None:
            found = [
                m for m in server.bot_messages(desk_bot.staff, thread)[before:] if "venue" in m
            ]
            return found[0] if found else None

        copy = await server.wait_for(venue_copy)
        assert copy["venue"] == {
            "location": {"latitude": 48.85837, "longitude": 2.29448},
            "title": "Eiffel <Tower>",
            "address": "Champ de Mars",
        }
        stored = await _last_message(desk_bot, number)
        assert stored.attachment is not None
        assert (stored.attachment.kind, stored.attachment.details) == (
            AttachmentKind.VENUE,
            "Eiffel <Tower>, Champ de Mars (48.85837, 2.29448)",
        )
        await desk_bot.settled()
        assert not any("cannot pass on" in str(m.get("text")) for m in server.bot_messages(ann))

    async def test_a_forwarded_venue_gets_its_origin_line_before_it(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        bob = server.add_user("Bob")
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        before = len(server.bot_messages(desk_bot.staff, thread))
        await server.user_sends(ann, venue=(1.5, 2.5, "Cafe", "Main St 1"), forwarded_from=bob)
        await server.wait_for(
            lambda: any("venue" in m for m in server.bot_messages(desk_bot.staff, thread))
        )
        new = server.bot_messages(desk_bot.staff, thread)[before:]
        kinds = ["venue" if "venue" in m else m.get("text", "") for m in new]
        assert kinds[-2].startswith("↪️ Forwarded from Bob, sent ")
        assert kinds[-1] == "venue"
