"""The desk as the sandbox runs it: ``helpdesk run`` in a child process, and its CLI.

The desk gets its own environment: the sandbox's token, the local Bot API's address, the
sandbox's staff chat, a SQLite file in the sandbox directory and a short HTTP timeout.
Whatever the person has in their environment or ``.env`` for these never reaches it, so a
sandbox can never touch a live bot or a real database.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import secrets
import signal
import sys
from pathlib import Path

OVERRIDDEN = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_BASE_URL",
    "STAFF_CHAT_ID",
    "DATABASE_URL",
    "HTTP_TIMEOUT",
)
DESK_HTTP_TIMEOUT_SECONDS = 5.0
"""How long the sandbox's desk waits for the local Bot API, which answers in milliseconds.

Shorter than production's 10 s so the faults panel's "time out" shows the desk giving up,
backing off and retrying within seconds, not half a minute.
"""
CLI = "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))"
CLI_ERROR_PREFIX = "helpdesk: error: "
"""How the desk's command line starts a failure line (the sandbox adds its own)."""
STOP_GRACE_SECONDS = 5.0
PR_SET_PDEATHSIG = 1


class DeskFailed(Exception):
    """Raised when the desk cannot be started or its command line refuses; says why."""


def desk_environment(
    *, token: str, base_url: str, staff_chat_id: int, database: Path
) -> dict[str, str]:
    """The environment of every desk process the sandbox starts."""
    env = dict(os.environ)
    env.update(
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_BASE_URL=base_url,
        STAFF_CHAT_ID=str(staff_chat_id),
        DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        HTTP_TIMEOUT=str(DESK_HTTP_TIMEOUT_SECONDS),
        PYTHONUNBUFFERED="1",
    )
    return env


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to SIGTERM this child when the sandbox dies, however it dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class DeskProcess:
    """``helpdesk run`` (bot plus delivery worker) as a supervised child process group."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        """Run with ``env``; the desk's output goes to ``log_path``."""
        self.env = env
        self.log_path = log_path
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the desk in its own process group."""
        with self.log_path.open("ab") as log:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                CLI,
                "run",
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )

    @property
    def pid(self) -> int | None:
        """The desk's process id, while it runs."""
        return self._process.pid if self._process is not None else None

    async def wait(self) -> int:
        """Wait until the desk exits; its exit code."""
        if self._process is None:
            return 0
        return await self._process.wait()

    async def stop(self) -> None:
        """SIGTERM the desk and wait; after a grace period, kill its whole group."""
        process = self._process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_GRACE_SECONDS)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        # The delivery worker follows the bot; make sure nothing of the group is left.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


async def create_agent_account(env: dict[str, str], username: str, *, admin: bool = False) -> str:
    """``helpdesk agent add USERNAME --password-stdin [--admin]`` with a fresh password.

    Returns:
        The password.

    Raises:
        DeskFailed: the command refused (its one-line reason).
    """
    password = secrets.token_urlsafe(12)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CLI,
        "agent",
        "add",
        username,
        "--password-stdin",
        *(["--admin"] if admin else []),
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        # Out of the terminal's process group: Ctrl-C stops the sandbox, which lets this
        # finish, rather than killing it halfway.
        start_new_session=True,
    )
    _out, err = await process.communicate(f"{password}\n".encode())
    if process.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines()
        reason = lines[-1].removeprefix(CLI_ERROR_PREFIX) if lines else ""
        raise DeskFailed(reason or f"helpdesk agent add exited {process.returncode}")
    return password
