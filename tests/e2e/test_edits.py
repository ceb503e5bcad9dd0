"""Edits in step: an edited message's copies follow it, and every version is kept."""

from __future__ import annotations

from typing import Any

from core.domain.actors import Actor
from sandbox.botapi import FakeUser
from sandbox.botapi.methods.editing import EDIT_WINDOW_SECONDS
from tests.e2e.conftest import Harness


async def _ticket_with_message(
    desk_bot: Harness, customer: FakeUser, text: str
) -> tuple[int, int, dict[str, Any], dict[str, Any]]:
    """Open a ticket and send a message on it; return the ticket, its topic, the
    customer's message and its copy in the topic."""
    number = await desk_bot.open_ticket(customer)
    thread = await desk_bot.topic_of(number)
    sent = await desk_bot.server.user_sends(customer, text)
    copy = await desk_bot.wait_bot_says(desk_bot.staff, text, thread_id=thread)
    return number, thread, sent, copy


async def _message_id_of(desk_bot: Harness, number: int, text: str) -> int:
    detail = await desk_bot.desk.queries.get_ticket(Actor.system(), number)
    return next(m.id for m in detail.messages if m.text == text)


class TestACustomersEdit:
    async def test_the_copy_in_the_topic_is_edited_and_every_version_kept(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number, thread, sent, copy = await _ticket_with_message(desk_bot, ann, "The printr smokes")
        await server.user_edits(sent, "The printer smokes")
        await server.wait_for(
            lambda: (
                (server.message(desk_bot.staff, copy["message_id"]) or {}).get("text")
                == "The printer smokes"
            ),
            message="the topic's copy was never edited",
        )
        message_id = await _message_id_of(desk_bot, number, "The printer smokes")
        history = await desk_bot.desk.edits.history(message_id)
        assert [v.text for v in history] == ["The printr smokes", "The printer smokes"]
        await desk_bot.settled()
        assert not any(
            "Edited" in (m.get("text") or "") for m in server.bot_messages(desk_bot.staff, thread)
        ), "an edited copy needs no extra line"

    async def test_an_edited_caption_edits_the_copys_caption(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        photo = await server.user_sends(ann, photo=True, caption="smoke here")
        copy = await desk_bot.wait_bot_says(desk_bot.staff, "smoke here", thread_id=thread)
        await server.user_edits(photo, caption="smoke and sparks here")
        await server.wait_for(
            lambda: (
                (server.message(desk_bot.staff, copy["message_id"]) or {}).get("caption")
                == "smoke and sparks here"
            ),
            message="the copy's caption was never edited",
        )

    async def test_an_edit_after_the_ticket_closed_is_kept_and_followed(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number, _, sent, copy = await _ticket_with_message(desk_bot, ann, "serial 1234")
        await server.user_sends(agent, f"/status {number} closed")
        await desk_bot.wait_bot_says(agent, f"Ticket #{number} is now")
        await server.user_edits(sent, "serial 1243")
        await server.wait_for(
            lambda: (
                (server.message(desk_bot.staff, copy["message_id"]) or {}).get("text")
                == "serial 1243"
            ),
            message="the copy of a closed ticket's message was never edited",
        )
        history = await desk_bot.desk.edits.history(
            await _message_id_of(desk_bot, number, "serial 1243")
        )
        assert [v.text for v in history] == ["serial 1234", "serial 1243"]

    async def test_an_edit_too_long_for_the_copy_is_posted_under_it_in_full(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number, thread, sent, copy = await _ticket_with_message(desk_bot, ann, "short")
        longer = "word " * 1000  # 5,000 characters: more than one Telegram message holds
        await server.user_edits(sent, longer)
        line = await desk_bot.wait_bot_says(desk_bot.staff, "Edited:", thread_id=thread)
        assert line["reply_to_message"]["message_id"] == copy["message_id"]
        await desk_bot.settled()
        posted = server.bot_messages(desk_bot.staff, thread)
        after = posted[[m["message_id"] for m in posted].index(line["message_id"]) :]
        assert "".join(m["text"] for m in after).count("word") == 1000, "nothing is lost"
        assert server.message(desk_bot.staff, copy["message_id"])["text"] == "short"
        detail = await desk_bot.desk.queries.get_ticket(Actor.system(), number)
        assert longer in [m.text for m in detail.messages]

    async def test_an_edit_that_empties_the_message_is_refused_clearly(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number, _, sent, copy = await _ticket_with_message(desk_bot, ann, "keep me")
        await server.user_edits(sent, " ")
        await desk_bot.wait_bot_says(ann, "An edit cannot leave a message empty")
        await desk_bot.settled()
        assert server.message(desk_bot.staff, copy["message_id"])["text"] == "keep me"
        detail = await desk_bot.desk.queries.get_ticket(Actor.system(), number)
        assert "keep me" in [m.text for m in detail.messages]

    async def test_the_refusal_is_in_the_customers_language(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        olga = server.add_user("Olga", language_code="ru")
        await server.user_sends(olga, "/new")
        await desk_bot.wait_bot_says(olga, "Это будет тема тикета")
        await server.user_sends(olga, "Принтер горит")
        await desk_bot.wait_bot_says(olga, "Теперь опишите проблему")
        sent = await server.user_sends(olga, "Дым идёт.")
        await desk_bot.wait_bot_says(olga, "Ваш тикет")
        await server.user_edits(sent, " ")
        await desk_bot.wait_bot_says(olga, "Правка не может оставить сообщение пустым")


class TestAnAgentsEdit:
    async def test_a_reply_edited_in_the_topic_edits_the_customers_copy(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        reply = await server.user_sends(
            agent, "Try turning it of", chat=desk_bot.staff, thread_id=thread
        )
        copy = await desk_bot.wait_bot_says(ann, "Try turning it of")
        await server.user_edits(reply, "Try turning it off")
        await server.wait_for(
            lambda: (
                "Try turning it off"
                in (server.message(ann, copy["message_id"]) or {}).get("text", "")
            ),
            message="the customer's copy was never edited",
        )

    async def test_a_reply_command_edited_edits_both_copies(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        command = await server.user_sends(agent, f"/reply {number} Restrat it")
        await desk_bot.wait_bot_says(agent, "Reply sent")
        copy = await desk_bot.wait_bot_says(ann, "Restrat it")
        echo = await desk_bot.wait_bot_says(desk_bot.staff, "Restrat it", thread_id=thread)
        await server.user_edits(command, f"/reply {number} Restart it")
        for chat, message in ((ann, copy), (desk_bot.staff, echo)):
            await server.wait_for(
                lambda chat=chat, message=message: (
                    "Restart it"
                    in (server.message(chat, message["message_id"]) or {}).get("text", "")
                ),
                message="a copy of the /reply was never edited",
            )
        assert "/reply" not in server.message(ann, copy["message_id"])["text"]

    async def test_an_edited_note_stays_internal(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        note = await server.user_sends(agent, f"/note {number} custmer is VIP")
        echo = await desk_bot.wait_bot_says(desk_bot.staff, "custmer is VIP", thread_id=thread)
        before = len(server.bot_messages(ann))
        await server.user_edits(note, f"/note {number} customer is VIP")
        await server.wait_for(
            lambda: (
                "customer is VIP"
                in (server.message(desk_bot.staff, echo["message_id"]) or {}).get("text", "")
            ),
            message="the note's copy in the topic was never edited",
        )
        await desk_bot.settled()
        assert len(server.bot_messages(ann)) == before
        assert not any("VIP" in (m.get("text") or "") for m in server.chat_messages(ann))

    async def test_a_reply_edited_into_a_note_is_refused_and_its_copy_kept(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        reply = await server.user_sends(
            agent, "We will call you", chat=desk_bot.staff, thread_id=thread
        )
        copy = await desk_bot.wait_bot_says(ann, "We will call you")
        await server.user_edits(reply, "/note customer is rude, ignore")
        await desk_bot.wait_bot_says(
            desk_bot.staff, "cannot make it an internal note", thread_id=thread
        )
        await desk_bot.settled()
        assert server.message(ann, copy["message_id"])["text"] == "We will call you"
        assert not any("rude" in (m.get("text") or "") for m in server.chat_messages(ann))


class TestACopyTelegramWillNotEdit:
    async def test_a_copy_older_than_48_hours_gets_the_new_version_under_it(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        _, thread, sent, copy = await _ticket_with_message(desk_bot, ann, "order 5512")
        stored = server.state.message(desk_bot.staff.id, copy["message_id"])
        assert stored is not None
        stored.data["date"] -= EDIT_WINDOW_SECONDS + 60
        await server.user_edits(sent, "order 5521")
        line = await desk_bot.wait_bot_says(desk_bot.staff, "order 5521", thread_id=thread)
        assert line["text"].startswith("✏️ Edited:")
        assert line["reply_to_message"]["message_id"] == copy["message_id"]
        assert server.message(desk_bot.staff, copy["message_id"])["text"] == "order 5512"

    async def test_a_card_older_than_48_hours_is_posted_again_on_a_change(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent()
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        card = await desk_bot.wait_bot_says(desk_bot.staff, "Printer on fire", thread_id=thread)
        stored = server.state.message(desk_bot.staff.id, card["message_id"])
        assert stored is not None
        stored.data["date"] -= EDIT_WINDOW_SECONDS + 60
        await server.user_sends(agent, f"/priority {number} urgent")
        await desk_bot.wait_bot_says(agent, f"#{number}")
        await desk_bot.settled()
        ticket = await desk_bot.desk.delivery.ticket(number)
        assert ticket.staff_card_message_id != card["message_id"]
        posted = server.message(desk_bot.staff, ticket.staff_card_message_id or 0)
        assert posted is not None
        assert "urgent" in posted["text"].lower()

    async def test_a_replaced_photo_is_posted_under_the_copy(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        photo = await server.user_sends(ann, photo=True, caption="the burnt board")
        copy = await desk_bot.wait_bot_says(desk_bot.staff, "the burnt board", thread_id=thread)
        edited = await server.user_edits(photo, media="photo")
        posted = await desk_bot.wait_bot_says(desk_bot.staff, "Edited:", thread_id=thread)
        assert posted["reply_to_message"]["message_id"] == copy["message_id"]
        new_file = edited["photo"][-1]["file_unique_id"]
        assert posted["photo"][-1]["file_unique_id"] == new_file
        assert "the burnt board" in posted["caption"]
        assert copy["photo"][-1]["file_unique_id"] != new_file


class TestAnEditedSavedReply:
    async def test_editing_the_name_changes_nothing_and_says_so(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        agent = await desk_bot.agent(username="alice")
        number = await desk_bot.open_ticket(ann)
        await server.user_sends(agent, "/saved add thanks Glad it works, {customer}!")
        await desk_bot.wait_bot_says(agent, "thanks")
        command = await server.user_sends(agent, f"/reply {number} !thanks")
        copy = await desk_bot.wait_bot_says(ann, "Glad it works")
        await server.user_edits(command, f"/reply {number} !thanks2")
        await desk_bot.wait_bot_says(agent, "A saved reply goes out as it was saved")
        await desk_bot.settled()
        assert "Glad it works" in server.message(ann, copy["message_id"])["text"]
        detail = await desk_bot.desk.queries.get_ticket(Actor.system(), number)
        assert "!thanks2" not in [m.text for m in detail.messages]


class TestABurstOfEdits:
    async def test_the_copy_ends_as_the_last_version_and_waiting_edits_are_replaced(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number, _, sent, copy = await _ticket_with_message(desk_bot, ann, "version 0")
        for version in range(1, 31):
            await server.user_edits(sent, f"version {version}")
        await server.wait_for(
            lambda: (
                (server.message(desk_bot.staff, copy["message_id"]) or {}).get("text")
                == "version 30"
            ),
            timeout=30,
            message="the copy never showed the last version",
        )
        await desk_bot.settled(within=30)
        edits = [
            call
            for call in server.calls_of("editMessageText")
            if call.params.get("message_id") == copy["message_id"]
        ]
        assert 1 <= len(edits) < 30, "edits not sent yet are replaced by the newest"
        history = await desk_bot.desk.edits.history(
            await _message_id_of(desk_bot, number, "version 30")
        )
        assert [v.text for v in history] == [f"version {n}" for n in range(31)]
