"""``helpdesk sandbox``: the whole desk in a browser, with no Telegram and no token.

Exit codes: 0 stopped cleanly; 1 the sandbox could not start or the desk failed (one line on
stderr says why).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.directory_lock import DirectoryLock

DEFAULT_PORT = 8080
DEFAULT_DIRECTORY = Path("sandbox-data")
WRITE_PROBE = ".write-check"
GITIGNORE = "# Made by helpdesk sandbox: its world and database, no source.\n*\n"


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``helpdesk sandbox`` among the ``helpdesk`` subcommands."""
    parser = commands.add_parser(
        "sandbox",
        help="try the whole desk in a browser: a local Telegram, no token needed",
        description="Start a local Bot API server, the desk against it and a web page that "
        "plays Telegram for every person. Binds 127.0.0.1 only.",
    )
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT, help="default 8080")
    parser.add_argument(
        "--dir",
        type=Path,
        default=DEFAULT_DIRECTORY,
        dest="directory",
        help="where the world and the desk's database are kept (default ./sandbox-data)",
    )
    parser.add_argument("--reset", action="store_true", help="start from a fresh world")
    parser.add_argument(
        "--no-browser", action="store_true", help="only print the address of the page"
    )


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0-65535)")
    return port


def run(args: argparse.Namespace) -> int:
    """Run the sandbox until Ctrl-C or SIGTERM; the exit code."""
    try:
        return _run(args)
    except KeyboardInterrupt:  # Ctrl-C before the sandbox took the signal over
        return 0


def _run(args: argparse.Namespace) -> int:
    # The sandbox's modules (its Bot API server, a web stack) load only when it runs: the
    # ``helpdesk`` command, and so the bot, does without them.
    from sandbox.desk_process import OVERRIDDEN, DeskFailed  # noqa: PLC0415
    from sandbox.directory_lock import DirectoryInUse  # noqa: PLC0415
    from sandbox.persistence import WorldFileError  # noqa: PLC0415
    from sandbox.supervisor import Sandbox, SandboxFailed, SandboxOptions, say  # noqa: PLC0415

    directory: Path = args.directory
    say(
        "The sandbox uses its own bot token, Bot API, staff chat and database: "
        f"{', '.join(OVERRIDDEN)} from the environment and .env are ignored."
    )
    try:
        lock = prepare_directory(directory, reset=args.reset)
    except (SandboxFailed, DirectoryInUse) as exc:
        return _fail(str(exc))
    try:
        options = SandboxOptions(args.port, directory, open_browser=not args.no_browser)
        asyncio.run(Sandbox(options, lock).run())
    except WorldFileError as exc:
        return _fail(f"{exc}. Start a fresh world with --reset (this deletes it).")
    except (SandboxFailed, DeskFailed) as exc:
        return _fail(str(exc))
    finally:
        lock.release()
    return 0


def prepare_directory(directory: Path, *, reset: bool) -> DirectoryLock:
    """Make sure ``directory`` exists and is writable, and lock it; with ``reset``, empty it.

    Returns:
        The directory's lock, held.

    Raises:
        SandboxFailed: the directory cannot be created or written.
        DirectoryInUse: another sandbox runs on it (a reset then deletes nothing).
    """
    from sandbox.directory_lock import DirectoryLock  # noqa: PLC0415 - see run()
    from sandbox.supervisor import SandboxFailed  # noqa: PLC0415

    try:
        created = not directory.exists()
        directory.mkdir(parents=True, exist_ok=True)
        if created:
            # Made in a checkout (the default ./sandbox-data is), it stays out of git.
            (directory / ".gitignore").write_text(GITIGNORE)
        probe = directory / WRITE_PROBE
        probe.write_text("ok")
        probe.unlink()
        lock = DirectoryLock(directory)
        lock.take()
    except OSError as exc:
        raise SandboxFailed(
            f"cannot write to the sandbox directory {directory}: {exc.strerror or exc}"
        ) from None
    if reset:
        from sandbox.persistence import FILES_DIR, WORLD_FILE  # noqa: PLC0415 - see run()
        from sandbox.supervisor import delete_desk_database  # noqa: PLC0415

        (directory / WORLD_FILE).unlink(missing_ok=True)
        shutil.rmtree(directory / FILES_DIR, ignore_errors=True)
        delete_desk_database(directory)
    return lock


def _fail(message: str) -> int:
    print(f"helpdesk: error: {message}", file=sys.stderr)  # noqa: T201
    return 1
