"""Where a forwarded message comes from, said above its copy so nobody takes it for the sender's."""

from __future__ import annotations

from bot.i18n import N_
from bot.i18n import staff_gettext as _
from bot.rendering.html import esc
from bot.rendering.words import when
from core.domain.actors import ForwardOrigin
from core.domain.values import ForwardKind

_WHAT = {
    ForwardKind.USER: "{name}",
    ForwardKind.HIDDEN_USER: "{name}",
    ForwardKind.CHAT: N_("the group {name}"),
    ForwardKind.CHANNEL: N_("the channel {name}"),
}


def forwarded_from(origin: ForwardOrigin) -> str:
    """``↪️ Forwarded from <b>Bob</b> (@bob), sent 2026-11-26 09:05 UTC`` (HTML).

    Said in ``STAFF_LANGUAGE``: only staff see where a message was forwarded from.
    """
    who = _(_WHAT[origin.kind]).format(name=f"<b>{esc(origin.name)}</b>")
    if origin.username:
        who += f" (@{esc(origin.username)})"
    elif origin.kind is ForwardKind.HIDDEN_USER:
        who += _(" (account hidden)")
    if origin.signature:
        who += _(", signed {signature}").format(signature=esc(origin.signature))
    return _("↪️ Forwarded from {who}, sent {when}").format(who=who, when=when(origin.date))


def forwarded_header(origin: ForwardOrigin | None) -> str:
    """The "forwarded from" line of an outbox copy (with its line break), or ""."""
    if origin is None:
        return ""
    return forwarded_from(origin) + "\n"
