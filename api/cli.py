"""The API's ``helpdesk`` commands: ``api`` (serve it) and ``token create|list|revoke``.

``bot/cli.py`` registers them; the functions here get the desk and settings it reads.
"""

from __future__ import annotations

import argparse

from core.desk import Desk


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``api`` and ``token`` to the ``helpdesk`` command line."""
    api = commands.add_parser("api", help="serve the HTTP API alone (API_HOST, API_PORT)")
    api.add_argument("--parent", type=int, help=argparse.SUPPRESS)  # set by `helpdesk run`
    token = commands.add_parser("token", help="manage API tokens for integrations")
    actions = token.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="make a long-lived token (shown once)")
    create.add_argument("name")
    create.add_argument(
        "--agent", help="the agent it acts as (default: an account named like the token)"
    )
    actions.add_parser("list", help="list integration tokens")
    actions.add_parser("revoke", help="revoke a token by name").add_argument("name")


async def token_command(desk: Desk, args: argparse.Namespace) -> None:
    """Run ``helpdesk token ACTION``."""
    if args.action == "create":
        issued = await desk.tokens.create_integration(args.name, args.agent)
        print(f"Token {args.name!r} acts as agent {issued.actor.name!r}. Shown once:")  # noqa: T201
        print(issued.secret)  # noqa: T201
        return
    if args.action == "revoke":
        await desk.tokens.revoke_named(args.name)
        print(f"Token {args.name!r} is revoked.")  # noqa: T201
        return
    tokens = await desk.tokens.list_named()
    if not tokens:
        print("No integration tokens. Make one: helpdesk token create NAME")  # noqa: T201
        return
    print(f"{'NAME':<24} {'AGENT':<24} {'CREATED':<17} STATE")  # noqa: T201
    for info in tokens:
        state = "revoked" if info.revoked_at else "active"
        created = info.created_at.strftime("%Y-%m-%d %H:%M")
        print(f"{info.name:<24} {info.agent or '-':<24} {created:<17} {state}")  # noqa: T201
