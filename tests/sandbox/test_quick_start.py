"""README's "Quick start" works as written on a fresh Debian machine."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def quick_start_commands() -> list[str]:
    """The commands of the Quick start's code block, comments left out."""
    section = README.read_text(encoding="utf-8").split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block is not None
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]


class TestQuickStart:
    def test_it_installs_into_a_virtual_environment_it_made_and_activated(self) -> None:
        # Debian's Python refuses `pip install` outside a venv (PEP 668:
        # "externally-managed-environment"), so the first pip must come after one.
        commands = quick_start_commands()
        pip = next(n for n, command in enumerate(commands) if command.startswith("pip install"))

        before = " && ".join(commands[:pip])
        assert "python3 -m venv .venv" in before
        assert ". .venv/bin/activate" in before

    def test_it_starts_the_sandbox_once_installed(self) -> None:
        commands = quick_start_commands()

        assert commands.index("helpdesk sandbox") > next(
            n for n, command in enumerate(commands) if command.startswith("pip install")
        )
