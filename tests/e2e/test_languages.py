"""Customers in their own language, end to end over HTTP (README: Languages)."""

from __future__ import annotations

from core.domain.actors import Actor
from core.domain.values import Status
from tests.e2e.conftest import Harness, ticket_number_in

PRIVATE_CHATS = {"type": "all_private_chats"}


class TestTheirLanguage:
    async def test_a_russian_customer_is_answered_in_russian_with_plural_forms(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        olga = server.add_user("Olga", language_code="ru")
        await server.user_sends(olga, "/start")
        welcome = await desk_bot.wait_bot_says(olga, "Здравствуйте, Olga!")
        buttons = [b["text"] for b in welcome["reply_markup"]["inline_keyboard"][0]]
        assert buttons == ["📝 Новый тикет", "📂 Мои тикеты"]
        await server.user_sends(olga, "/new")
        await desk_bot.wait_bot_says(olga, "Это будет тема тикета")
        await server.user_sends(olga, "Принтер горит")
        await desk_bot.wait_bot_says(olga, "Теперь опишите проблему")
        await server.user_sends(olga, "Дым идёт.")
        confirmed = await desk_bot.wait_bot_says(olga, "Ваш тикет")
        assert "(статус: 🆕 новый)" in confirmed["text"]
        await server.user_sends(olga, "/my")
        await desk_bot.wait_bot_says(olga, "(1 тикет на этой странице)")

    async def test_status_news_from_the_outbox_is_in_the_customers_language(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        hans = server.add_user("Hans", language_code="de-AT")
        await server.user_sends(hans, "/new")
        await desk_bot.wait_bot_says(hans, "Betreff")
        await server.user_sends(hans, "Drucker brennt")
        await desk_bot.wait_bot_says(hans, "Beschreibe es")
        await server.user_sends(hans, "Rauch.")
        number = ticket_number_in(await desk_bot.wait_bot_says(hans, "Dein Ticket"))
        agent = await desk_bot.desk.accounts.agent_for((await desk_bot.agent()).id)
        assert agent is not None
        await desk_bot.desk.tickets.change_status(
            Actor.agent(agent.id, agent.username), number, Status.RESOLVED
        )
        news = await desk_bot.wait_bot_says(hans, "wurde gelöst")
        assert "Du hast 7 Tage Zeit zu antworten" in news["text"]
        stars = [b["text"] for b in news["reply_markup"]["inline_keyboard"][0]]
        assert stars == ["1⭐", "2⭐", "3⭐", "4⭐", "5⭐"]

    async def test_language_switches_mid_flow_and_notices_follow(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        ana = server.add_user("Ana", language_code="es")
        await server.user_sends(ana, "/new")
        await desk_bot.wait_bot_says(ana, "¿Cuál es el problema")
        await server.user_sends(ana, "/language pt-br")
        await desk_bot.wait_bot_says(ana, "A partir de agora escrevo para você em Português")
        await server.user_sends(ana, "Impressora pegando fogo")
        await desk_bot.wait_bot_says(ana, "Agora descreva em detalhes")
        await server.user_sends(ana, "Fumaça.")
        await desk_bot.wait_bot_says(ana, "Seu ticket")
        menu = server.commands({"type": "chat", "chat_id": ana.id})
        assert menu[3] == {"command": "language", "description": "Escolher seu idioma"}

    async def test_the_language_buttons_choose_and_the_app_language_comes_back(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ana = server.add_user("Ana", language_code="es")
        await server.user_sends(ana, "/language")
        question = await desk_bot.wait_bot_says(ana, "Te escribo en Español")
        await server.user_presses(ana, question, button_text="Deutsch")
        await desk_bot.wait_bot_says(ana, "Ab jetzt schreibe ich dir auf Deutsch")
        await server.user_sends(ana, "/language")
        question = await desk_bot.wait_bot_says(ana, "Ich schreibe dir auf Deutsch")
        await server.user_presses(ana, question, button_text="📱 Wie meine Telegram-App")
        await desk_bot.wait_bot_says(ana, "A partir de ahora te escribo en Español")
        assert server.commands({"type": "chat", "chat_id": ana.id}) == []

    async def test_unknown_languages_get_the_default(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        for code in ("xx", "zh-hant-TW"):
            user = server.add_user(f"U{code}", language_code=code)
            await server.user_sends(user, "/start")
            await desk_bot.wait_bot_says(user, "This is our support desk")
            await server.user_sends(user, "/language klingon")
            await desk_bot.wait_bot_says(user, "I do not speak “klingon”")

    async def test_each_language_has_its_command_menu(self, desk_bot: Harness) -> None:
        server = desk_bot.server
        await server.wait_for(lambda: server.commands(PRIVATE_CHATS, "de") or None)
        english = server.commands(PRIVATE_CHATS)
        assert english[0] == {"command": "new", "description": "Open a new ticket"}
        for code, first in (
            ("ru", "Открыть новый тикет"),
            ("es", "Abrir un ticket nuevo"),
            ("pt", "Abrir um novo ticket"),
            ("de", "Neues Ticket eröffnen"),
            ("en", "Open a new ticket"),
        ):
            menu = server.commands(PRIVATE_CHATS, code)
            assert [c["command"] for c in menu] == [c["command"] for c in english]
            assert menu[0]["description"] == first
