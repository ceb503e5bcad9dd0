"""What customers see when they choose a language (/language)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callback_data import encode
from bot.i18n import SHIPPED_LANGUAGES, _, language_name
from bot.rendering.html import cut_graphemes, esc

FOLLOW_APP = "app"


def language_question(current: str) -> str:
    """Ask which language to use, saying the current one."""
    return _(
        "🌐 I write to you in {language}. Choose another language, or follow your Telegram app's:"
    ).format(language=esc(language_name(current)))


def language_keyboard() -> InlineKeyboardMarkup:
    """One button per shipped language (each named in itself), and one to follow the app."""
    rows = [
        [InlineKeyboardButton(language_name(code), callback_data=encode("c", "lang", 0, code))]
        for code in SHIPPED_LANGUAGES
    ]
    rows.append(
        [
            InlineKeyboardButton(
                _("📱 As my Telegram app"), callback_data=encode("c", "lang", 0, FOLLOW_APP)
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


def language_chosen(language: str) -> str:
    """Confirm the choice, in the chosen language."""
    return _("✅ From now on I write to you in {language}.").format(
        language=esc(language_name(language))
    )


def unknown_language(written: str) -> str:
    """Answer ``/language xx``."""
    return _("I do not speak “{language}”. Choose one of these:").format(
        language=esc(cut_graphemes(written, 20))
    )
