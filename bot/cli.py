"""The ``helpdesk`` command: run the bot, migrate the database, manage agent accounts.

Exit codes: 0 done; 1 the operation was refused or failed (one line on stderr says why);
2 bad usage or a bad setting; 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType

from sqlalchemy.exc import DBAPIError, OperationalError

from api import cli as api_cli
from bot.cli_backup import add_backup_commands, run_backup_command
from bot.cli_customers import add_customer_commands, run_customer_command
from bot.cli_updates import add_updates_commands, run_updates_command
from bot.logs import redact, secret_forms
from bot.settings import Settings, SettingsError, load_settings
from core.desk import Desk
from core.errors import AgentNotFound, DeskError, UsernameTaken
from core.services.accounts import normalize_username
from core.store.urls import url_without_password
from sandbox import cli as sandbox_cli

STDIN_HELP = "read the password from the first line of stdin"
DISTRIBUTION = "helpdesk-bot"


class CommandFailed(Exception):
    """Raised by a command to stop with one line on stderr and exit code 1."""


class UsageError(Exception):
    """Raised when a command cannot be used this way; one line on stderr, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    """Describe every subcommand."""
    parser = argparse.ArgumentParser(
        prog="helpdesk", description="A support desk that lives in Telegram."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="run the bot (long polling) and its delivery worker")
    deliver = commands.add_parser(
        "deliver", help="run only the delivery worker (see DELIVERY_WORKER)"
    )
    deliver.add_argument("--parent", type=int, help=argparse.SUPPRESS)  # set by `helpdesk run`
    deliver.add_argument("--owner", help=argparse.SUPPRESS)  # the lease owner, set by the same

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    db.add_parser("upgrade", help="apply every pending migration")
    db.add_parser("reindex", help="rebuild the full-text search index from every ticket")

    agent = commands.add_parser("agent", help="manage agent accounts").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    add = agent.add_parser("add", help="create an agent account")
    add.add_argument("username")
    add.add_argument("--admin", action="store_true", help="may manage other agents")
    add.add_argument("--password-stdin", action="store_true", help=STDIN_HELP)
    agent.add_parser("list", help="list agent accounts")
    agent.add_parser("disable", help="disable an account and end its login").add_argument(
        "username"
    )
    agent.add_parser("enable", help="enable a disabled account").add_argument("username")
    passwd = agent.add_parser("passwd", help="set a new password (unlocks the account)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true", help=STDIN_HELP)
    api_cli.add_commands(commands)
    add_updates_commands(commands)
    add_customer_commands(commands)
    add_backup_commands(commands)
    sandbox_cli.add_command(commands)
    return parser


def installed_version() -> str:
    """The version of the installed package, from its metadata."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "(not installed: pip install -e .)"


def has_terminal() -> bool:
    """Tell whether someone can type a password: stdin is a terminal."""
    return sys.stdin.isatty()


def read_password(*, from_stdin: bool) -> str:
    """Read a new password: one line from stdin, or typed twice without echo.

    Raises:
        CommandFailed: stdin was empty, typing was ended (Ctrl-D), or the two typed
            passwords differ.
        UsageError: no terminal to type the password in, and ``--password-stdin`` not given.
    """
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise CommandFailed("no password on stdin")
        return line.rstrip("\r\n")
    if not has_terminal():
        raise UsageError(
            "no terminal to type the password in: give it on stdin with --password-stdin"
        )
    try:
        first = getpass.getpass("Password: ")
        again = getpass.getpass("Repeat password: ")
    except EOFError:
        raise CommandFailed("no password typed") from None
    if again != first:
        raise CommandFailed("the two passwords differ")
    return first


async def _with_desk(settings: Settings, work: Callable[[Desk], Awaitable[None]]) -> None:
    desk = await Desk.open(settings.database_url, config=settings.desk_config())
    try:
        await work(desk)
    finally:
        await desk.close()


async def agent_add(desk: Desk, args: argparse.Namespace) -> None:
    """Create an agent; a bad or taken username is refused before the password is asked."""
    name = normalize_username(args.username)
    try:
        taken = await desk.accounts.get_agent(name)
    except AgentNotFound:
        pass
    else:
        raise UsernameTaken(taken.username)
    password = read_password(from_stdin=args.password_stdin)
    agent = await desk.accounts.add_agent(name, password, is_admin=args.admin)
    role = "admin agent" if agent.is_admin else "agent"
    print(f"Created {role} {agent.username!r}. They log in by sending /login to the bot.")  # noqa: T201


async def agent_list(desk: Desk, _args: argparse.Namespace) -> None:
    """Print every agent, one per line."""
    agents = await desk.accounts.list_agents()
    if not agents:
        print("No agents yet. Add one: helpdesk agent add USERNAME --admin")  # noqa: T201
        return
    print(f"{'USERNAME':<24} {'ROLE':<6} {'STATE':<9} TELEGRAM")  # noqa: T201
    for agent in agents:
        state = "active" if agent.is_active else "disabled"
        linked = str(agent.telegram_user_id) if agent.telegram_user_id else "-"
        role = "admin" if agent.is_admin else "agent"
        print(f"{agent.username:<24} {role:<6} {state:<9} {linked}")  # noqa: T201


async def agent_set_active(desk: Desk, args: argparse.Namespace) -> None:
    """Disable or enable an agent."""
    active = args.action == "enable"
    agent = await desk.accounts.set_active(args.username, active=active)
    print(f"Agent {agent.username!r} is {'enabled' if active else 'disabled'}.")  # noqa: T201


async def agent_passwd(desk: Desk, args: argparse.Namespace) -> None:
    """Set a new password."""
    await desk.accounts.get_agent(args.username)  # fail before asking for a password
    password = read_password(from_stdin=args.password_stdin)
    agent = await desk.accounts.reset_password(args.username, password)
    print(f"New password set for {agent.username!r}; they must /login again.")  # noqa: T201


async def db_upgrade(_desk: Desk, _args: argparse.Namespace) -> None:
    """Migrations ran when the desk opened; say so."""
    print("The database schema is up to date.")  # noqa: T201


async def db_reindex(desk: Desk, _args: argparse.Namespace) -> None:
    """Rebuild the search index."""
    count = await desk.search.reindex()
    print(f"The search index was rebuilt: {count} tickets.")  # noqa: T201


AGENT_ACTIONS: dict[str, Callable[[Desk, argparse.Namespace], Awaitable[None]]] = {
    "add": agent_add,
    "list": agent_list,
    "disable": agent_set_active,
    "enable": agent_set_active,
    "passwd": agent_passwd,
}


SAFETY_COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], None]] = {
    "customer": run_customer_command,
    "backup": run_backup_command,
    "restore": run_backup_command,
}


def _run_bot(settings: Settings) -> None:
    from bot.main import run_bot  # noqa: PLC0415 - keeps the agent CLI free of Telegram imports

    run_bot(settings)


def dispatch(args: argparse.Namespace, settings: Settings) -> None:
    """Run one parsed command."""
    if args.command == "run":
        _run_bot(settings)
        return
    if args.command == "deliver":
        from bot.main import run_worker  # noqa: PLC0415 - keeps the agent CLI free of Telegram

        run_worker(settings, parent_pid=args.parent, owner=args.owner)
        return
    if args.command == "api":
        from api.serve import run_api  # noqa: PLC0415 - keeps the other commands light
        from bot.logs import configure_logging  # noqa: PLC0415

        token = settings.telegram_bot_token
        configure_logging(settings.log_level, secrets=[token.get_secret_value()] if token else [])
        run_api(settings.database_url, settings.desk_config(), settings, parent_pid=args.parent)
        return
    if args.command == "token":
        asyncio.run(_with_desk(settings, lambda desk: api_cli.token_command(desk, args)))
        return
    if args.command == "updates":
        run_updates_command(args, settings)
        return
    if args.command in SAFETY_COMMANDS:
        SAFETY_COMMANDS[args.command](args, settings)
        return
    action: Callable[[Desk, argparse.Namespace], Awaitable[None]]
    if args.command == "db":
        action = db_reindex if args.action == "reindex" else db_upgrade
    else:
        action = AGENT_ACTIONS[args.action]
    asyncio.run(_with_desk(settings, lambda desk: action(desk, args)))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``helpdesk`` console script."""
    args = build_parser().parse_args(argv)
    if args.command == "sandbox":  # needs no settings: it brings its own
        return sandbox_cli.run(args)
    return _run_with_settings(args)


def _run_with_settings(args: argparse.Namespace) -> int:
    """Read the settings, run the command, and turn every known failure into one line."""
    secrets: list[str] = []  # the token, once the settings are read
    redact_tracebacks(secrets)
    try:
        settings = load_settings()
        token = settings.telegram_bot_token
        secrets.extend(secret_forms(token.get_secret_value() if token else None))
        dispatch(args, settings)
    except SettingsError as exc:
        return _fail(f"bad setting: {exc}", secrets, code=2)
    except UsageError as exc:
        return _fail(str(exc), secrets, code=2)
    except (CommandFailed, DeskError) as exc:
        return _fail(str(exc), secrets)
    except (OSError, OperationalError, DBAPIError) as exc:
        return _fail(_unreachable(settings.database_url, exc), secrets)
    except KeyboardInterrupt:
        return _fail("interrupted", secrets, code=130)
    return 0


def _unreachable(url: str, exc: BaseException) -> str:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return f"cannot use the database at {url_without_password(url)}: {reason}"


def _fail(message: str, secrets: list[str], *, code: int = 1) -> int:
    print(f"helpdesk: error: {redact(message, secrets)}", file=sys.stderr)  # noqa: T201
    return code


def redact_tracebacks(secrets: list[str]) -> None:
    """Print a bug's traceback, should one escape, without a token in it."""

    def print_redacted(
        kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        text = "".join(traceback.format_exception(kind, error, trace))
        sys.stderr.write(redact(text, secrets))

    sys.excepthook = print_redacted
