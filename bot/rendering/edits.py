"""The words around an edited message's new version, when its copy cannot be edited."""

from __future__ import annotations

from bot.i18n import _


def edited_label() -> str:
    """The line that starts a new version posted under a copy that could not be edited."""
    return "✏️ <i>" + _("Edited:") + "</i>"
