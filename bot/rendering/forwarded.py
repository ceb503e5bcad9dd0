"""Where a forwarded message comes from, said above its copy so nobody takes it for the sender's."""

from __future__ import annotations

from bot.rendering.html import esc
from bot.rendering.words import when
from core.domain.actors import ForwardOrigin
from core.domain.values import ForwardKind

_WHAT = {
    ForwardKind.USER: "",
    ForwardKind.HIDDEN_USER: "",
    ForwardKind.CHAT: "the group ",
    ForwardKind.CHANNEL: "the channel ",
}


def forwarded_from(origin: ForwardOrigin) -> str:
    """``↪️ Forwarded from <b>Bob</b> (@bob), sent 2026-11-26 09:05 UTC`` (HTML)."""
    who = f"{_WHAT[origin.kind]}<b>{esc(origin.name)}</b>"
    if origin.username:
        who += f" (@{esc(origin.username)})"
    elif origin.kind is ForwardKind.HIDDEN_USER:
        who += " (account hidden)"
    if origin.signature:
        who += f", signed {esc(origin.signature)}"
    return f"↪️ Forwarded from {who}, sent {when(origin.date)}"


def forwarded_header(origin: ForwardOrigin | None) -> str:
    """The "forwarded from" line of an outbox copy (with its line break), or ""."""
    if origin is None:
        return ""
    return forwarded_from(origin) + "\n"
