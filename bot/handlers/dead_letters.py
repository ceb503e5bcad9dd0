"""``/deadletters``: the updates the bot could not read, listed for admin agents.

Only what identifies a dead letter is shown (its update id, kind, when, why), never what it
says: it may hold someone's password.
"""

from __future__ import annotations

from telegram import Update

from bot.context import DeskContext
from bot.handlers.common import say
from bot.handlers.console import agent_command
from bot.rendering.html import esc
from core.domain.actors import Actor
from core.services.dead_letters import DeadLetter

MAX_SHOWN = 25
RETRY_HINT = (
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
        return "📭 No unreadable updates: every update from Telegram was read."
    lines = [f"📮 <b>{len(letters)} unreadable update(s)</b>, kept whole (content not shown):"]
    for letter in letters[:MAX_SHOWN]:
        lines.append(
            f"• <code>{letter.update_id}</code> {esc(letter.kind)} · "
            f"{letter.first_seen_at:%Y-%m-%d %H:%M} UTC · tries: {letter.attempts}\n"
            f"   {esc(letter.error)}"
        )
    if len(letters) > MAX_SHOWN:
        lines.append(f"… and {len(letters) - MAX_SHOWN} more: <code>helpdesk updates list</code>.")
    lines.append(RETRY_HINT)
    return "\n".join(lines)
