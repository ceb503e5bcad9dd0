"""Languages: complete catalogs, matching placeholders, plural forms, the language chosen."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot import i18n
from bot.commands import customer_menu, menu_language_code
from bot.i18n import SHIPPED_LANGUAGES, SOURCE_LANGUAGE, match_language, speaking
from bot.rendering import customer, staff
from bot.rendering.desk_errors import customer_error, staff_error
from bot.rendering.words import status_label, when_local
from core.domain.values import Status
from core.durations import format_duration
from core.errors import InvalidInput, TicketNotFound, TransitionRefused
from tests.bot.test_rendering import ticket_view

TRANSLATED = [language for language in SHIPPED_LANGUAGES if language != SOURCE_LANGUAGE]
TEMPLATE = i18n.LOCALES / "helpdesk.pot"


def _catalog(path: Path, language: str | None = None):  # type: ignore[no-untyped-def]
    with path.open("rb") as source:
        return read_po(source, locale=language)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _tags(text: str) -> list[str]:
    return re.findall(r"</?[a-z]+>", text)


@pytest.fixture(name="configured", autouse=True)
def fixture_configured() -> Iterator[None]:
    yield
    i18n.configure(default_language="en", staff_language="en")


class TestCatalogs:
    @pytest.mark.parametrize("language", TRANSLATED)
    def test_every_message_is_translated(self, language: str) -> None:
        template = _catalog(TEMPLATE)
        catalog = _catalog(i18n.LOCALES / language / "LC_MESSAGES" / "helpdesk.po", language)
        missing = []
        for message in template:
            if not message.id:
                continue
            found = catalog.get(message.id, message.context)
            strings = found.string if found else ""
            forms = strings if isinstance(strings, tuple) else (strings,)
            if found is None or found.fuzzy or not all(forms):
                missing.append(message.id)
        assert missing == []

    @pytest.mark.parametrize("language", TRANSLATED)
    def test_placeholders_and_tags_match_the_original(self, language: str) -> None:
        catalog = _catalog(i18n.LOCALES / language / "LC_MESSAGES" / "helpdesk.po", language)
        wrong = []
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for translated in strings:
                if _fields(translated) != _fields(ids[-1]) or _tags(translated) != _tags(ids[0]):
                    wrong.append((message.id, translated))
        assert wrong == []

    def test_the_template_holds_every_text_in_the_code(self) -> None:
        texts = {m.id for m in _catalog(TEMPLATE) if m.id}
        assert "👋 Hello, {name}! This is our support desk.\n" in "".join(
            t if isinstance(t, str) else t[0] for t in texts
        )
        assert ("status", "pending") in {(m.context, m.id) for m in _catalog(TEMPLATE)}

    def test_a_placeholder_lost_in_translation_is_caught(self) -> None:
        assert _fields("Тикет закрыт.") != _fields("Ticket #{number} is closed.")


class TestMatchingLanguages:
    @pytest.mark.parametrize(
        ("code", "expected"),
        [
            ("en", "en"),
            ("ru", "ru"),
            ("ru-RU", "ru"),
            ("pt-br", "pt_BR"),
            ("pt-BR", "pt_BR"),
            ("pt", "pt_BR"),
            ("de-AT", "de"),
            ("es-419", "es"),
            ("zh-hant-TW", None),
            ("xx", None),
            ("", None),
            (None, None),
        ],
    )
    def test_telegram_codes_find_the_shipped_language(
        self, code: str | None, expected: str | None
    ) -> None:
        assert match_language(code) == expected

    def test_an_unknown_code_falls_back_to_the_default_language(self) -> None:
        i18n.configure(default_language="de", staff_language="en")
        assert i18n.customer_language(None, "xx") == "de"
        assert i18n.customer_language(None, "zh-hant-TW") == "de"
        assert i18n.customer_language("ru", "es") == "ru"  # a choice beats the app

    def test_a_setting_naming_no_shipped_language_is_refused(self) -> None:
        with pytest.raises(i18n.UnknownLanguage, match="'xx' is not one of"):
            i18n.configure(default_language="xx", staff_language="en")


class TestCustomerTexts:
    @pytest.mark.parametrize(
        ("count", "expected"),
        [(1, "1 тикет на"), (2, "2 тикета на"), (5, "5 тикетов на"), (21, "21 тикет на")],
    )
    def test_russian_plural_forms(self, count: int, expected: str) -> None:
        with speaking("ru"):
            text = i18n.ngettext(
                "<b>Your tickets</b>, most recent first ({count} ticket on this page):",
                "<b>Your tickets</b>, most recent first ({count} tickets on this page):",
                count,
            ).format(count=count)
        assert expected in text

    def test_english_plural_forms(self) -> None:
        forms = [
            i18n.ngettext("{count} ticket", "{count} tickets", n).format(count=n) for n in (1, 2)
        ]
        assert forms == ["1 ticket", "2 tickets"]

    @pytest.mark.parametrize(
        ("language", "expected"),
        [
            ("en", "Reply within 1 day 12 hours"),
            ("ru", "у вас есть 1 день 12 часов"),
            ("de", "Du hast 1 Tag 12 Stunden Zeit"),
            ("es", "en un plazo de 1 día 12 horas"),
            ("pt_BR", "em até 1 dia 12 horas"),
        ],
    )
    def test_durations_are_in_the_customers_language(self, language: str, expected: str) -> None:
        with speaking(language):
            text = customer.status_news(3, "Printer", Status.RESOLVED, timedelta(hours=36))
        assert expected in text

    def test_status_names_and_buttons_are_translated(self) -> None:
        with speaking("de"):
            text = customer.confirmation(4, "Drucker")
            buttons = [b.text for row in customer.start_keyboard().inline_keyboard for b in row]
        assert "(Status: 🆕 neu)" in text
        assert buttons == ["📝 Neues Ticket", "📂 Meine Tickets"]

    def test_the_comment_prompt_is_found_again_in_every_language(self) -> None:
        for language in SHIPPED_LANGUAGES:
            with speaking(language):
                prompt = customer.comment_prompt(1234)
            assert customer.commented_ticket(prompt) == 1234, language

    def test_desk_refusals_are_translated_with_their_values(self) -> None:
        with speaking("es"):
            assert customer_error(TicketNotFound(12)) == "No se encontró el ticket #12."
            refused = customer_error(TransitionRefused("closed", "pending"))
        assert refused == "Un ticket no puede pasar de cerrado a esperando tu respuesta."

    def test_an_unlisted_refusal_is_shown_as_it_is(self) -> None:
        with speaking("ru"):
            assert customer_error(ValueError("odd")) == "odd"


class TestStaffTexts:
    def test_the_card_follows_the_staff_language_not_the_customers(self) -> None:
        i18n.configure(default_language="en", staff_language="ru")
        with speaking("de"):
            card = staff.render_card(ticket_view())
            buttons = [
                b.text for row in staff.card_keyboard(ticket_view()).inline_keyboard for b in row
            ]
        assert "Статус: 🟢 открыт · Приоритет: 🔵 обычный" in card
        assert "Исполнитель: — пока никто" in card
        assert "🙋 Взять" in buttons

    def test_an_erased_tickets_kept_topic_is_named_in_the_staff_language(self) -> None:
        assert staff.erased_topic_name(12) == "#12 · erased"
        i18n.configure(default_language="en", staff_language="de")
        with speaking("ru"):
            assert staff.erased_topic_name(12) == "#12 · gelöscht"

    def test_a_staff_status_word_is_the_agents_not_the_customers(self) -> None:
        i18n.configure(default_language="en", staff_language="de")
        assert status_label(Status.PENDING) == "⏳ wartet auf Kunden"
        with speaking("de"):
            assert customer.customer_status_label(Status.PENDING) == "⏳ wartet auf dich"

    @pytest.mark.parametrize(
        ("count", "expected"),
        [(1, "1 сообщение перенесено"), (3, "3 сообщения перенесено"), (5, "5 сообщений")],
    )
    def test_russian_plural_forms_for_staff(self, count: int, expected: str) -> None:
        i18n.configure(default_language="en", staff_language="ru")
        text = i18n.staff_ngettext(
            "🔀 #{source} is merged into #{target} ({count} message moved; #{target} is {status}).",
            "🔀 #{source} is merged into #{target} "
            "({count} messages moved; #{target} is {status}).",
            count,
        ).format(source=1, target=2, count=count, status="x")
        assert expected in text

    @pytest.mark.parametrize(
        "delta",
        [
            timedelta(seconds=5),
            timedelta(minutes=25),
            timedelta(hours=1, minutes=30),
            timedelta(days=3, seconds=2),
        ],
    )
    def test_english_staff_durations_keep_the_desks_short_form(self, delta: timedelta) -> None:
        assert i18n.format_staff_duration(delta) == format_duration(delta)

    def test_figures_durations_and_weekdays_are_in_the_staff_language(self) -> None:
        i18n.configure(default_language="en", staff_language="ru")
        assert i18n.format_staff_duration(timedelta(hours=1, minutes=30)) == "1 ч 30 мин"
        assert staff.sla_time("4h of business hours") == "4 ч рабочего времени"
        monday = datetime(2026, 11, 30, 9, 5, tzinfo=UTC)
        i18n.configure(default_language="en", staff_language="de")
        assert when_local(monday, "UTC") == "Mo 2026-11-30 09:05 UTC"
        assert staff.digest_title() == "Tagesübersicht"

    def test_refusals_agents_meet_are_in_the_staff_language(self) -> None:
        i18n.configure(default_language="en", staff_language="ru")
        with speaking("es"):
            assert staff_error(TicketNotFound(12)) == "Тикет #12 не найден."
            refused = staff_error(
                TransitionRefused("open", "pending", "the ticket is already open")
            )
        assert refused == "Тикет не может перейти из «открыт» в «ждёт клиента»: он уже открыт."

    def test_merge_assignment_and_saved_reply_refusals_are_in_the_staff_language(self) -> None:
        i18n.configure(default_language="en", staff_language="de")
        with speaking("ru"):
            merged = staff_error(
                InvalidInput("#4 is already closed (merged into #9): there is nothing to merge.")
            )
            unassigned = staff_error(InvalidInput("Ticket #4 has no assignee already."))
            placeholder = staff_error(
                InvalidInput("Unknown placeholder {nmae}: use {customer}, {ticket} or {agent}.")
            )
        assert merged == (
            "#4 ist schon geschlossen (in #9 zusammengeführt): es gibt nichts zusammenzuführen."
        )
        assert unassigned == "Ticket #4 ist schon niemandem zugewiesen."
        assert placeholder == (
            "Unbekannter Platzhalter {nmae}: nutze {customer}, {ticket} oder {agent}."
        )

    def test_a_customers_refusal_is_in_their_language_not_the_staffs(self) -> None:
        i18n.configure(default_language="en", staff_language="de")
        with speaking("es"):
            refused = customer_error(InvalidInput("There are no categories to choose from."))
        assert refused == "No hay categorías entre las que elegir."


class TestMenus:
    def test_each_language_has_its_menu(self) -> None:
        menus = {language: customer_menu(language) for language in SHIPPED_LANGUAGES}
        assert [c.command for c in menus["ru"]] == [c.command for c in menus["en"]]
        assert menus["ru"][0].description == "Открыть новый тикет"
        assert menus["pt_BR"][3].description == "Escolher seu idioma"
        assert menu_language_code("pt_BR") == "pt"
