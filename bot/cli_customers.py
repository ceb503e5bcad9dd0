"""``helpdesk customer``: bans, and a customer's data (export, erase) from the console.

A customer is named by Telegram user id or ``@username``. The console acts as the desk
itself: the audit trail names it "console".
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.settings import Settings
from core.desk import Desk
from core.domain.actors import Actor
from core.domain.values import Role
from core.services.customer_refs import CustomerRef

CONSOLE = Actor(Role.SYSTEM, 0, "console")
"""Who acts from the command line."""
CUSTOMER_HELP = "a Telegram user id (7001) or @username"


def add_customer_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Describe ``helpdesk customer ACTION``."""
    customer = commands.add_parser("customer", help="a customer: bans, their data").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    ban = customer.add_parser("ban", help="ban: messages kept, not relayed; tickets closed")
    ban.add_argument("customer", metavar="ID", help=CUSTOMER_HELP)
    ban.add_argument("--reason", help="why, for the audit trail")
    customer.add_parser("unban", help="lift a ban").add_argument(
        "customer", metavar="ID", help=CUSTOMER_HELP
    )
    customer.add_parser("banned", help="list the bans")
    export = customer.add_parser("export", help="write everything held about them as JSON")
    export.add_argument("customer", metavar="ID", help=CUSTOMER_HELP)
    export.add_argument(
        "-o", "--out", metavar="FILE", help="where (default customer-ID.json; parts: -partN)"
    )
    erase = customer.add_parser("erase", help="erase their data; tickets stay as counts")
    erase.add_argument("customer", metavar="ID", help=CUSTOMER_HELP)
    erase.add_argument("--yes", action="store_true", help="yes, erase: it cannot be undone")


def run_customer_command(args: argparse.Namespace, settings: Settings) -> None:
    """Run ``helpdesk customer ACTION``.

    Raises:
        DeskError: the customer is unknown, an agent, or (un)banned already.
    """
    asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> None:
    desk = await Desk.open(settings.database_url, config=settings.desk_config())
    try:
        await ACTIONS[args.action](desk, args)
    finally:
        await desk.close()


async def _ban(desk: Desk, args: argparse.Namespace) -> None:
    target = CustomerRef.telegram_id_or_username(args.customer)
    ban = await desk.bans.ban(CONSOLE, target, args.reason)
    closed = ", ".join(f"#{n}" for n in ban.closed_tickets) or "none were open"
    print(f"Banned {ban.name} ({ban.telegram_user_id}); tickets closed: {closed}.")  # noqa: T201


async def _unban(desk: Desk, args: argparse.Namespace) -> None:
    ban = await desk.bans.unban(CONSOLE, CustomerRef.telegram_id_or_username(args.customer))
    print(f"{ban.name} ({ban.telegram_user_id}) is no longer banned.")  # noqa: T201


async def _banned(desk: Desk, _args: argparse.Namespace) -> None:
    bans = await desk.bans.list_bans()
    if not bans:
        print("Nobody is banned.")  # noqa: T201
        return
    for ban in bans:
        who = f"@{ban.username}" if ban.username else "-"
        reason = ban.reason or ""
        print(  # noqa: T201
            f"{ban.telegram_user_id:<14} {who:<20} {ban.banned_at:%Y-%m-%d %H:%M} "
            f"{ban.banned_by:<12} {reason}".rstrip()
        )


async def _export(desk: Desk, args: argparse.Namespace) -> None:
    from bot.cli import CommandFailed  # noqa: PLC0415 - bot.cli imports this module

    target = CustomerRef.telegram_id_or_username(args.customer)
    documents = await desk.customer_data.export(target, include_internal=True)
    first = Path(args.out or f"customer-{args.customer.lstrip('@')}.json")
    paths = [first] + [
        first.with_name(f"{first.stem}-part{index}{first.suffix}")
        for index in range(2, len(documents) + 1)
    ]
    try:
        for path, document in zip(paths, documents, strict=True):
            path.write_bytes(document)
    except OSError as exc:
        raise CommandFailed(f"cannot write {exc.filename or first}: {exc.strerror}") from None
    print(f"Wrote {', '.join(map(str, paths))}.")  # noqa: T201


async def _erase(desk: Desk, args: argparse.Namespace) -> None:
    from bot.cli import UsageError  # noqa: PLC0415 - bot.cli imports this module

    if not args.yes:
        raise UsageError("erasing cannot be undone: add --yes to erase")
    target = CustomerRef.telegram_id_or_username(args.customer)
    erasure = await desk.customer_data.erase(CONSOLE, target)
    print(f"Erased; {erasure.tickets} ticket(s) now hold nothing about them.")  # noqa: T201


ACTIONS = {
    "ban": _ban,
    "unban": _unban,
    "banned": _banned,
    "export": _export,
    "erase": _erase,
}
