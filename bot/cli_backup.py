"""``helpdesk backup FILE`` and ``helpdesk restore FILE`` (see ``core.store.backup``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.settings import Settings
from core.store.backup import BackupInfo, backup, restore


def add_backup_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Describe ``helpdesk backup FILE`` and ``helpdesk restore FILE``."""
    commands.add_parser(
        "backup", help="write a consistent copy of the database (safe while the desk runs)"
    ).add_argument("file", type=Path, metavar="FILE")
    commands.add_parser(
        "restore", help="replace the database with a backup (the desk must be stopped)"
    ).add_argument("file", type=Path, metavar="FILE")


def run_backup_command(args: argparse.Namespace, settings: Settings) -> None:
    """Run ``helpdesk backup`` or ``helpdesk restore``.

    Raises:
        BackupRefused: the backup or restore cannot be made; nothing was changed.
    """
    if args.command == "backup":
        made = backup(settings.database_url, args.file)
        if isinstance(made, BackupInfo):
            print(f"Backed up to {made.path}: {_holds(made)}.")  # noqa: T201
        else:
            print(f"Backed up to {made} (pg_dump, custom format).")  # noqa: T201
        return
    restored = restore(settings.database_url, args.file)
    print(  # noqa: T201
        f"Restored {restored.path} from {args.file}: {_holds(restored)}. The previous "
        f"database is kept as {restored.path.name}.before-restore; start the desk again."
    )


def _holds(info: BackupInfo) -> str:
    return f"schema {info.schema}, {info.tickets} tickets, {info.messages} messages"
