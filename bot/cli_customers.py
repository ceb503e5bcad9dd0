"""``helpdesk customer``: ban, unban and list bans from the console.

A customer is named by Telegram user id or ``@username``. The console acts as the desk
itself: the audit trail names it "console".
"""

from __future__ import annotations

import argparse
import asyncio

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


ACTIONS = {"ban": _ban, "unban": _unban, "banned": _banned}
