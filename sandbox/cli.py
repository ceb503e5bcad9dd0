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

DEFAULT_PORT = 8080
DEFAULT_DIRECTORY = Path("sandbox-data")
WRITE_PROBE = ".write-check"


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
    # The sandbox's modules (its Bot API server, a web stack) load only when it runs: the
    # ``helpdesk`` command, and so the bot, does without them.
    from sandbox.desk_process import OVERRIDDEN, DeskFailed  # noqa: PLC0415
    from sandbox.persistence import WorldFileError  # noqa: PLC0415
    from sandbox.supervisor import Sandbox, SandboxFailed, SandboxOptions, say  # noqa: PLC0415

    directory: Path = args.directory
    say(
        "The sandbox uses its own bot token, Bot API, staff chat and database: "
        f"{', '.join(OVERRIDDEN)} from the environment and .env are ignored."
    )
    try:
        prepare_directory(directory, reset=args.reset)
        options = SandboxOptions(args.port, directory, open_browser=not args.no_browser)
        asyncio.run(Sandbox(options).run())
    except WorldFileError as exc:
        return _fail(f"{exc}. Start a fresh world with --reset (this deletes it).")
    except (SandboxFailed, DeskFailed) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 0
    return 0


def prepare_directory(directory: Path, *, reset: bool) -> None:
    """Make sure ``directory`` exists and is writable; with ``reset``, empty the world.

    Raises:
        SandboxFailed: the directory cannot be created or written.
    """
    from sandbox.persistence import FILES_DIR, WORLD_FILE  # noqa: PLC0415 - see run()
    from sandbox.supervisor import DESK_DATABASE, SandboxFailed  # noqa: PLC0415

    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / WRITE_PROBE
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise SandboxFailed(
            f"cannot write to the sandbox directory {directory}: {exc.strerror or exc}"
        ) from None
    if reset:
        for name in (WORLD_FILE, DESK_DATABASE, f"{DESK_DATABASE}-wal", f"{DESK_DATABASE}-shm"):
            (directory / name).unlink(missing_ok=True)
        shutil.rmtree(directory / FILES_DIR, ignore_errors=True)


def _fail(message: str) -> int:
    print(f"helpdesk: error: {message}", file=sys.stderr)  # noqa: T201
    return 1
