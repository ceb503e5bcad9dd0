"""A demanding user's commands, buttons and texts: each gets a clear answer that Telegram
accepts, and a password never stays in a chat."""

from __future__ import annotations

import pytest

from bot.rendering.refusals import REFUSAL_LIMIT
from core.domain.actors import Actor
from core.domain.values import Status
from sandbox.botapi import FakeUser
from tests.e2e.conftest import PASSWORD, Harness
from tests.e2e.test_hostile_input import _press

LONG = "x" * 4070
"""An argument that, echoed back whole with a few words around it, passes 4,096."""


async def _answer(desk_bot: Harness, user: FakeUser, text: str) -> list[str]:
    """Send ``text``; return what the bot answered, after checking Telegram refused none of it."""
    server = desk_bot.server
    before, calls = len(server.bot_messages(user)), len(server.calls)
    await server.user_sends(user, text)
    # The answer itself is awaited (a loaded machine may take seconds), then the rest of it.
    await server.wait_for(
        lambda: len(server.bot_messages(user)) > before, message=f"{text[:40]!r} got no answer"
    )
    await desk_bot.processed()
    refused = [f"{c.method}: {c.description}" for c in server.calls[calls:] if c.status >= 400]
    assert not refused, f"{text[:40]!r} was answered with a refused call: {refused}"
    answers = [str(m.get("text") or "") for m in server.bot_messages(user)[before:]]
    assert answers, f"{text[:40]!r} got no answer"
    return answers


class TestDigitsThatAreNotNumbers:
    @pytest.mark.parametrize("command", ["/reply ² hello", "/ticket ²", "/take ١٢", "/tag ³ x"])
    async def test_an_agent_gets_the_usage_answer(self, desk_bot: Harness, command: str) -> None:
        agent = await desk_bot.agent()
        (answer,) = await _answer(desk_bot, agent, command)
        assert "is not a ticket number" in answer

    async def test_a_customer_gets_the_usage_answer(self, desk_bot: Harness) -> None:
        ann = desk_bot.server.add_user("Ann")
        (answer,) = await _answer(desk_bot, ann, "/close ²")
        assert answer.startswith("Usage: /close")

    async def test_a_superscript_telegram_id_is_no_customer(self, desk_bot: Harness) -> None:
        agent = await desk_bot.agent()
        (answer,) = await _answer(desk_bot, agent, "/customer ²²²²²²²²")
        assert "is neither a ticket number nor a @username" in answer


class TestLongArguments:
    @pytest.mark.parametrize(
        ("command", "expect"),
        [
            (f"/ticket {LONG}", "is not a ticket number"),
            ("/status {number} " + LONG, "Unknown status"),
            ("/priority {number} " + LONG, "Unknown priority"),
            (f"/queue {LONG}", "Unknown queue"),
            (f"/stats {LONG}", "Unknown period"),
            ("/assign {number} " + LONG + "y" * 15, "No agent is called"),
        ],
    )
    async def test_a_refusal_quoting_a_huge_argument_fits_a_message(
        self, desk_bot: Harness, command: str, expect: str
    ) -> None:
        agent = await desk_bot.agent()
        number = await desk_bot.open_ticket(desk_bot.server.add_user("Ann"))
        (answer,) = await _answer(desk_bot, agent, command.format(number=number))
        assert expect in answer
        assert len(answer) <= len("⚠️ ") + REFUSAL_LIMIT


class TestSavedRepliesShownWhole:
    async def test_a_saved_reply_longer_than_a_message_is_shown_in_parts(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        agent = await desk_bot.agent()
        text = " ".join(f"w{i}<&>" for i in range(515)) + " 👨‍👩‍👧‍👦🇺🇦"
        assert 4000 < len(text) < 4080
        await _answer(desk_bot, agent, f"/saved add long {text}")
        shown = await _answer(desk_bot, agent, "/saved long")
        assert len(shown) >= 2, "a message of 4,096 characters cannot hold head and text"
        assert "!long" in shown[0]
        whole = " ".join(shown)
        assert all(f"w{i}<&>" in whole for i in range(515))
        assert whole.endswith("👨‍👩‍👧‍👦🇺🇦")
        # The button of /saved's list shows it the same way.
        await _answer(desk_bot, agent, "/saved")
        listing = server.bot_messages(agent)[-1]
        calls = len(server.calls)
        assert await _press(desk_bot, agent, listing, "a:sv:0:long") == ""
        await desk_bot.processed()
        assert not [c for c in server.calls[calls:] if c.status >= 400]
        assert server.bot_messages(agent)[-1]["text"].endswith("👨‍👩‍👧‍👦🇺🇦")

    async def test_in_a_topic_the_parts_come_in_order(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        agent = await desk_bot.agent()
        number = await desk_bot.open_ticket(server.add_user("Ann"))
        thread = await desk_bot.topic_of(number)
        text = " ".join(f"w{i}" for i in range(1000))
        await _answer(desk_bot, agent, f"/saved add long {text}")
        await desk_bot.settled()
        before = len(server.bot_messages(desk_bot.staff, thread))
        await server.user_sends(agent, "/saved long", chat=desk_bot.staff, thread_id=thread)
        await desk_bot.wait_bot_says(desk_bot.staff, "w999", thread_id=thread, after=before)
        shown = [str(m["text"]) for m in server.bot_messages(desk_bot.staff, thread)[before:]]
        assert len(shown) == 2
        assert " ".join(shown).endswith(text)
        assert not [c for c in server.calls if c.status >= 400]


class TestPasswordsInGroups:
    async def test_a_password_typed_into_login_in_a_group_is_deleted(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        await desk_bot.desk.accounts.add_agent("bob", PASSWORD)
        member = server.add_user("Member")
        desk_bot.staff.add_member(member)
        sent = await server.user_sends(member, f"/login bob {PASSWORD}", chat=desk_bot.staff)
        told = await desk_bot.wait_bot_says(desk_bot.staff, "private chat")
        assert "deleted" in str(told["text"])
        await desk_bot.settled()
        assert server.message(desk_bot.staff, sent["message_id"]) is None
        assert await desk_bot.desk.accounts.agent_for(member.id) is None

    async def test_login_without_a_password_in_a_group_stays(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        member = server.add_user("Member")
        desk_bot.staff.add_member(member)
        sent = await server.user_sends(member, "/login bob", chat=desk_bot.staff)
        await desk_bot.wait_bot_says(desk_bot.staff, "private chat")
        await desk_bot.settled()
        assert server.message(desk_bot.staff, sent["message_id"]) is not None


class TestForgedLanguageButton:
    async def test_a_language_the_bot_does_not_have_is_a_stale_button(
        self, desk_bot: Harness
    ) -> None:
        ann = desk_bot.server.add_user("Ann")
        await _answer(desk_bot, ann, "/language")
        menu = desk_bot.server.bot_messages(ann)[-1]
        assert await _press(desk_bot, ann, menu, "c:lang:0:xx") == (
            "This button is not valid any more."
        )
        assert await _press(desk_bot, ann, menu, "c:lang") == "This button is not valid any more."


class TestStaleTakeButton:
    async def test_take_on_a_ticket_closed_since_does_not_reopen_it(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        agent = await desk_bot.agent(username="alice")
        ann = server.add_user("Ann")
        number = await desk_bot.open_ticket(ann)
        await _answer(desk_bot, agent, f"/ticket {number}")
        view = server.bot_messages(agent)[-1]
        await desk_bot.desk.tickets.change_status(Actor.customer_ref(ann.id), number, Status.CLOSED)
        answer = await _press(desk_bot, agent, view, f"t:take:{number}")
        assert answer == f"Ticket #{number} is closed."
        ticket = await desk_bot.desk.queries.find_ticket(Actor.system(), number)
        assert (ticket.status, ticket.assignee) == (Status.CLOSED, None)
        await desk_bot.processed()
        refreshed = server.message(agent, view["message_id"])
        assert refreshed is not None
        labels = [b["text"] for row in refreshed["reply_markup"]["inline_keyboard"] for b in row]
        assert "🙋 Take" not in labels
        assert "↩️ Reopen" in labels


class TestPasswordsNeverKept:
    async def test_a_login_that_fails_unexpectedly_keeps_no_copy_of_the_password(
        self, desk_bot: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        server = desk_bot.server
        await desk_bot.desk.accounts.add_agent("bob", PASSWORD)
        bob = server.add_user("Bob")
        await _answer(desk_bot, bob, "/login bob")

        async def database_gone(*args: object, **kwargs: object) -> None:
            raise RuntimeError("database is locked")

        monkeypatch.setattr(desk_bot.desk.accounts, "login", database_gone)
        secret = await server.user_sends(bob, PASSWORD)
        told = await desk_bot.wait_bot_says(bob, "/login")
        assert "went wrong" in str(told["text"])
        await desk_bot.settled()
        assert server.message(bob, secret["message_id"]) is None
        # Nothing kept to be handled again later, where it would be a plain message.
        assert await desk_bot.desk.dead_letters.letters() == []
        assert PASSWORD not in caplog.text


class TestAlbumsInATopic:
    async def test_an_album_on_a_closed_ticket_is_refused_once(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        agent = await desk_bot.agent(username="alice")
        number = await desk_bot.open_ticket(server.add_user("Ann"))
        thread = await desk_bot.topic_of(number)
        await desk_bot.desk.tickets.change_status(Actor.agent(1, "alice"), number, Status.CLOSED)
        await desk_bot.settled()
        before = len(server.bot_messages(desk_bot.staff, thread))
        await server.user_sends_album(
            agent, count=3, kind="photo", chat=desk_bot.staff, thread_id=thread
        )
        await desk_bot.settled()
        answers = [
            str(m.get("text") or "") for m in server.bot_messages(desk_bot.staff, thread)[before:]
        ]
        assert answers == [f"⚠️ Ticket #{number} is closed; reopen it before replying. Not sent."]

    async def test_an_album_in_a_merged_tickets_topic_is_pointed_on_once(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        agent = await desk_bot.agent(username="alice")
        ann = server.add_user("Ann")
        first = await desk_bot.open_ticket(ann, "one")
        second = await desk_bot.open_ticket(ann, "two")
        thread = await desk_bot.topic_of(first)
        await desk_bot.desk.merge.merge(Actor.agent(1, "alice"), first, second)
        await desk_bot.settled()
        before = len(server.bot_messages(desk_bot.staff, thread))
        await server.user_sends_album(
            agent, count=3, kind="photo", chat=desk_bot.staff, thread_id=thread
        )
        await desk_bot.settled()
        answers = [
            str(m.get("text") or "") for m in server.bot_messages(desk_bot.staff, thread)[before:]
        ]
        assert len(answers) == 1
        assert f"merged into #{second}" in answers[0]
        detail = await desk_bot.desk.queries.get_ticket(Actor.system(), second)
        assert sum(1 for m in detail.messages if m.attachment) == 3

    async def test_an_album_for_the_subject_is_asked_again_once(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        await _answer(desk_bot, ann, "/new")
        before = len(server.bot_messages(ann))
        await server.user_sends_album(ann, count=3, kind="photo", captions=["Printer", None, None])
        await desk_bot.processed()
        answers = [str(m.get("text") or "") for m in server.bot_messages(ann)[before:]]
        assert answers == ["Please send the subject as text (a few words), or /cancel."]


class TestBanArguments:
    @pytest.mark.parametrize("command", ["/ban ²", "/ban id:²²", "/unban ³", "/ban id:" + "9" * 30])
    async def test_digits_that_are_not_numbers_name_no_customer(
        self, desk_bot: Harness, command: str
    ) -> None:
        agent = await desk_bot.agent()
        (answer,) = await _answer(desk_bot, agent, command)
        assert "names no customer" in answer

    async def test_a_search_for_a_superscript_customer_is_refused(self, desk_bot: Harness) -> None:
        agent = await desk_bot.agent()
        (answer,) = await _answer(desk_bot, agent, "/search printer customer:²")
        assert "needs @username or a Telegram id" in answer


class TestMyDataInTheirLanguage:
    async def test_forgetme_and_mydata_speak_the_customers_language(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        olga = server.add_user("Olga", language_code="ru")
        (nothing,) = await _answer(desk_bot, olga, "/mydata")
        assert nothing == "Служба поддержки ничего о вас не хранит: вы ей ещё не писали."
        for step in ("/new", "Принтер"):  # asked in Russian
            await _answer(desk_bot, olga, step)
        await server.user_sends(olga, "Дымится.")
        await desk_bot.settled()
        (ask,) = await _answer(desk_bot, olga, "/forgetme")
        assert ask.startswith("⚠️ Это сотрёт всё")
        question = server.bot_messages(olga)[-1]
        await server.user_presses(olga, question, button_text="Стереть мои данные")
        await desk_bot.wait_bot_says(olga, "🗑 Стёрто. 1 тикет больше ничего о вас не содержит")
        await _answer(desk_bot, olga, "/forgetme")
        again = server.bot_messages(olga)[-1]
        await server.user_presses(olga, again, button_text="Стереть мои данные")
        await desk_bot.wait_bot_says(olga, "⚠️ Данные удалены")


class TestAPasswordThatLooksLikeACommand:
    async def test_it_is_taken_as_the_password_deleted_and_never_echoed(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        secret = "/Zx9-secret-pass-77"
        await desk_bot.desk.accounts.add_agent("bob", secret)
        bob = server.add_user("Bob")
        await _answer(desk_bot, bob, "/login bob")
        sent = await server.user_sends(bob, secret)
        await desk_bot.wait_bot_says(bob, "Logged in as bob")
        await desk_bot.settled()
        assert server.message(bob, sent["message_id"]) is None
        assert not [m for m in server.bot_messages(bob) if "Zx9" in str(m.get("text"))]
        assert await desk_bot.desk.accounts.agent_for(bob.id) is not None

    async def test_a_known_command_still_works_while_the_password_is_asked(
        self, desk_bot: Harness
    ) -> None:
        bob = desk_bot.server.add_user("Bob")
        await _answer(desk_bot, bob, "/login bob")
        (answer,) = await _answer(desk_bot, bob, "/cancel")
        assert answer == "Cancelled."


class TestQuotedArgumentsKeepTheirEmoji:
    FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # seven characters, one picture

    @pytest.mark.parametrize(
        ("command", "expect"),
        [
            ("/tag {arg} x", "“{kept}” is not a ticket number."),
            ("/customer {arg}", "“{kept}” is neither a ticket number nor a @username."),
            ("/saved {arg} x", "Unknown action “{kept}”."),
        ],
    )
    async def test_an_agents_argument_is_cut_between_emoji(
        self, desk_bot: Harness, command: str, expect: str
    ) -> None:
        agent = await desk_bot.agent()
        (answer,) = await _answer(desk_bot, agent, command.format(arg=self.FAMILY * 3))
        assert expect.format(kept=self.FAMILY * 2) in answer

    async def test_a_customers_language_is_cut_between_emoji(self, desk_bot: Harness) -> None:
        ann = desk_bot.server.add_user("Ann")
        (answer,) = await _answer(desk_bot, ann, "/language " + self.FAMILY * 3)
        assert f"“{self.FAMILY * 2}”" in answer


class TestCommandsInCaptions:
    async def _topic(self, desk_bot: Harness) -> tuple[FakeUser, FakeUser, int, int]:
        agent = await desk_bot.agent()
        ann = desk_bot.server.add_user("Ann")
        number = await desk_bot.open_ticket(ann)
        thread = await desk_bot.topic_of(number)
        await desk_bot.settled()
        return agent, ann, number, thread

    async def test_a_photo_captioned_note_is_an_internal_note(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        agent, ann, number, thread = await self._topic(desk_bot)
        before = len(server.bot_messages(ann))
        await server.user_sends(
            agent,
            photo=True,
            caption="/note the customer is lying",
            chat=desk_bot.staff,
            thread_id=thread,
        )
        await desk_bot.settled()
        assert server.bot_messages(ann)[before:] == [], "a note never reaches the customer"
        detail = await desk_bot.desk.queries.get_ticket(Actor.system(), number)
        note = detail.messages[-1]
        assert (note.internal, note.text) == (True, "the customer is lying")
        assert note.attachment is not None

    async def test_an_album_captioned_note_is_a_note_whole(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        agent, ann, number, thread = await self._topic(desk_bot)
        before = len(server.bot_messages(ann))
        await server.user_sends_album(
            agent,
            count=3,
            captions=["/note evidence", None, None],
            chat=desk_bot.staff,
            thread_id=thread,
        )
        await desk_bot.settled()
        assert server.bot_messages(ann)[before:] == []
        detail = await desk_bot.desk.queries.get_ticket(Actor.system(), number)
        assert [m.internal for m in detail.messages[-3:]] == [True, True, True]

    async def test_another_command_in_a_caption_is_held_back_and_explained(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        agent, ann, number, thread = await self._topic(desk_bot)
        before, in_topic = (
            len(server.bot_messages(ann)),
            len(server.bot_messages(desk_bot.staff, thread)),
        )
        await server.user_sends_album(
            agent,
            count=2,
            captions=["/tag billing", None],
            chat=desk_bot.staff,
            thread_id=thread,
        )
        await desk_bot.settled()
        assert server.bot_messages(ann)[before:] == []
        (told,) = server.bot_messages(desk_bot.staff, thread)[in_topic:]
        assert "A command in a caption is not run" in str(told["text"])
        detail = await desk_bot.desk.queries.get_ticket(Actor.system(), number)
        assert not [m for m in detail.messages if m.attachment is not None]

    async def test_a_caption_that_only_starts_with_a_slash_is_relayed(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        agent, ann, _number, thread = await self._topic(desk_bot)
        await server.user_sends(
            agent,
            photo=True,
            caption="/etc/hosts should look like this",
            chat=desk_bot.staff,
            thread_id=thread,
        )
        await desk_bot.wait_bot_says(ann, "/etc/hosts should look like this")
