"""Agents in STAFF_LANGUAGE while each customer keeps theirs, end to end (README: Languages)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import i18n
from sandbox.botapi import FakeBotApi, FakeUser
from tests.e2e.conftest import Harness, e2e_settings, running_desk, ticket_number_in


@pytest.fixture(name="german_desk")
async def fixture_german_desk(
    server: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Harness]:
    """The desk with STAFF_LANGUAGE=de (the languages are set back for the tests after)."""
    monkeypatch.chdir(tmp_path)
    settings = e2e_settings(server, tmp_path, staff_language="de")
    try:
        async with running_desk(server, settings) as harness:
            yield harness
    finally:
        i18n.configure(default_language="en", staff_language="en")


async def _olga_opens_a_ticket(desk: Harness) -> tuple[FakeUser, int, int]:
    """A Russian-speaking customer opens a ticket with /new: her, its number, its topic."""
    server = desk.server
    olga = server.add_user("Olga", language_code="ru")
    await server.user_sends(olga, "/new")
    await desk.wait_bot_says(olga, "Это будет тема тикета")
    await server.user_sends(olga, "Принтер горит")
    await desk.wait_bot_says(olga, "Теперь опишите проблему")
    await server.user_sends(olga, "Дым идёт.")
    number = ticket_number_in(await desk.wait_bot_says(olga, "Ваш тикет"))
    return olga, number, await desk.topic_of(number)


class TestStaffLanguage:
    async def test_agents_read_german_while_the_customer_reads_russian(
        self, german_desk: Harness
    ) -> None:
        server, staff = german_desk.server, german_desk.staff
        agent = await german_desk.agent("Alice", username="alice", language_code="es")
        olga, number, thread = await _olga_opens_a_ticket(german_desk)

        card = await german_desk.wait_bot_says(staff, "🎫", thread_id=thread)
        assert "Status: 🆕 neu · Priorität: 🔵 normal" in card["text"]
        assert "Zuständig: — noch niemand" in card["text"]
        buttons = [b["text"] for row in card["reply_markup"]["inline_keyboard"] for b in row]
        assert "🙋 Übernehmen" in buttons
        assert "Priorität: 🔵 normal ▾" in buttons

        before = len(server.bot_messages(agent))
        await server.user_sends(agent, f"/take {number}")
        taken = await german_desk.wait_bot_says(agent, "gehört dir", after=before)
        assert taken["text"] == f"✅ Ticket #{number} gehört dir (🟢 offen)."
        line = await german_desk.wait_bot_says(staff, "zugewiesen", thread_id=thread)
        assert line["text"] == "👤 alice hat das Ticket alice zugewiesen"
        await german_desk.wait_bot_says(staff, "🆕 neu → 🟢 offen", thread_id=thread)
        await german_desk.wait_bot_says(olga, "Над вашим тикетом")

        before = len(server.bot_messages(agent))
        await server.user_sends(agent, "/help")
        help_text = await german_desk.wait_bot_says(agent, "Befehle für Agenten", after=before)
        assert "/reply 12 Text — dem Kunden antworten" in help_text["text"]

        before = len(server.bot_messages(agent))
        await server.user_sends(agent, "/ticket 9999")
        refusal = await german_desk.wait_bot_says(agent, "9999", after=before)
        assert refusal["text"] == "⚠️ Ticket #9999 wurde nicht gefunden."
        to_olga = [str(m.get("text")) for m in server.bot_messages(olga)]
        assert not any("Ticket" in text or "Status" in text for text in to_olga)

        before = len(server.bot_messages(agent))
        await server.user_sends(agent, "/asign 1 bob")
        unknown = await german_desk.wait_bot_says(agent, "/asign", after=before)
        assert unknown["text"].startswith("Den Befehl /asign kenne ich nicht.")

    async def test_an_agents_button_presses_and_topic_refusals_are_in_german(
        self, german_desk: Harness
    ) -> None:
        server, staff = german_desk.server, german_desk.staff
        agent = await german_desk.agent("Alice", username="alice", language_code="es")
        olga, number, thread = await _olga_opens_a_ticket(german_desk)
        card = await german_desk.wait_bot_says(staff, "🎫", thread_id=thread)

        stale = await server.user_presses(agent, card, "t:zz", check_button=False)
        assert await self._answer(german_desk, stale) == "Diese Schaltfläche gilt nicht mehr."
        await german_desk.server.user_sends(agent, f"/take {number}")
        await german_desk.wait_bot_says(staff, "🆕 neu → 🟢 offen", thread_id=thread)
        again = await server.user_presses(agent, card, f"t:st:{number}:open", check_button=False)
        assert await self._answer(german_desk, again) == (
            "Ein Ticket kann nicht von offen zu offen wechseln: das Ticket ist schon offen."
        )

        long_note = "/note " + "x" * 65_537
        await server.user_sends(agent, long_note, chat=staff, thread_id=thread)
        refusal = await german_desk.wait_bot_says(staff, "⚠️", thread_id=thread)
        assert refusal["text"] == "⚠️ Die Nachricht ist länger als 65536 Zeichen."

        confirmation = server.bot_messages(olga)[-1]
        olgas = await server.user_presses(olga, confirmation, "c:zz", check_button=False)
        assert await self._answer(german_desk, olgas) == "Эта кнопка больше не действует."

    @staticmethod
    async def _answer(desk: Harness, query: str) -> str:
        await desk.server.wait_for(lambda: desk.server.callback_answer(query) is not None)
        answer = desk.server.callback_answer(query)
        assert answer is not None
        return str(answer.get("text"))
