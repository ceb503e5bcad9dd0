"""``/deadletters``: the updates the bot could not read, listed for admin agents.

Only what identifies a dead letter is shown (its update id, kind, when, why), never what it
says: it may hold someone's password.
"""

from __future__ import annotations

from telegram import Update

from bot.context import DeskContext
from bot.handlers.common import say
from bot.handlers.console import agent_command
from bot.i18n import N_
from bot.i18n import staff_gettext as _
from bot.i18n import staff_ngettext as ngettext
from bot.rendering.html import esc
from core.domain.actors import Actor
from core.services.dead_letters import DeadLetter

MAX_SHOWN = 25
RETRY_HINT = N_(
    "They are retried at every start of the bot; to retry now, on the server: "
    "<code>helpdesk updates retry</code>."
)


@agent_command("/deadletters", 0)
async def dead_letters_command(
    update: Update, context: DeskContext, actor: Actor, _args: list[str]
) -> None:
    """List the unreadable updates not handled yet (admin agents only)."""
    await say(update, render_dead_letters(await context.desk.dead_letters.letters(by=actor)))


def render_dead_letters(letters: list[DeadLetter]) -> str:
    """The list as HTML: one entry per update, the oldest first, at most ``MAX_SHOWN``."""
    if not letters:
        return _("📭 No unreadable updates: every update from Telegram was read.")
    lines = [
        ngettext(
            "📮 <b>{count} unreadable update</b>, kept whole (content not shown):",
            "📮 <b>{count} unreadable updates</b>, kept whole (content not shown):",
            len(letters),
        ).format(count=len(letters))
    ]
    for letter in letters[:MAX_SHOWN]:
        lines.append(
            _("• <code>{id}</code> {kind} · {when} UTC · tries: {tries}\n   {error}").format(
                id=letter.update_id,
                kind=esc(letter.kind),
                when=f"{letter.first_seen_at:%Y-%m-%d %H:%M}",
                tries=letter.attempts,
                error=esc(letter.error),
            )
        )
    if len(letters) > MAX_SHOWN:
        lines.append(
            ngettext(
                "… and {count} more: <code>helpdesk updates list</code>.",
                "… and {count} more: <code>helpdesk updates list</code>.",
                len(letters) - MAX_SHOWN,
            ).format(count=len(letters) - MAX_SHOWN)
        )
    lines.append(_(RETRY_HINT))
    return "\n".join(lines)
