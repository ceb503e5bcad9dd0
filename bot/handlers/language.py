"""The language of every answer: the sender's, chosen with /language or from their app."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.callback_data import Press, StaleButton
from bot.commands import set_customer_menu
from bot.context import DeskContext
from bot.handlers.common import edit_text, say
from bot.i18n import (
    current_language,
    customer_language,
    match_language,
    set_language,
    staff_language,
)
from bot.inbound import profile_of
from bot.rendering import languages as texts


async def use_their_language(update: Update, context: DeskContext) -> None:
    """Answer this update in its sender's language (in groups: the staff's)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != ChatType.PRIVATE:
        set_language(staff_language())
        return
    chosen = await context.bot_data.languages.chosen(context.desk, user.id)
    set_language(customer_language(chosen, user.language_code))


async def language_command(update: Update, context: DeskContext) -> None:
    """Offer the languages; ``/language de`` picks one at once."""
    user = update.effective_user
    if user is None:
        return
    if context.args:
        written = " ".join(context.args)
        found = match_language(written)
        if found is None:
            await say(update, texts.unknown_language(written), texts.language_keyboard())
            return
        await _choose(update, context, found)
        await say(update, texts.language_chosen(found))
        return
    await say(update, texts.language_question(current_language()), texts.language_keyboard())


async def on_language_button(update: Update, context: DeskContext, press: Press) -> str | None:
    """Take the language a customer tapped."""
    query = update.callback_query
    if query is None:
        return None
    if press.argument is None:
        raise StaleButton
    found = None if press.argument == texts.FOLLOW_APP else match_language(press.argument)
    if found is None and press.argument != texts.FOLLOW_APP:
        raise StaleButton  # a language this version does not ship (or forged data)
    language = await _choose(update, context, found)
    await edit_text(query, texts.language_chosen(language))
    return None


async def _choose(update: Update, context: DeskContext, chosen: str | None) -> str:
    """Store the choice, speak it from now on, and give the chat its menu; say the language."""
    user = update.effective_user
    if user is None:
        return current_language()
    await context.desk.languages.choose(profile_of(user), chosen)
    context.bot_data.languages.remember(user.id, chosen)
    language = customer_language(chosen, user.language_code)
    set_language(language)
    if await context.desk.accounts.agent_for(user.id) is None:
        await set_customer_menu(context.bot, user.id, chosen and language)
    return language
