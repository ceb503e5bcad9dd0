"""``helpdesk customer``: bans from the console, run as a real process."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from core.desk import Desk
from core.domain.actors import Actor, ChatRef, CustomerProfile, NewMessage
from tests.bot.test_cli import PASSWORD, assert_one_clean_error_line, run


def seed(tmp_path: Path) -> None:
    """A desk with Ann's ticket, and an agent whose Telegram account wrote as a customer."""

    async def work() -> None:
        desk = await Desk.open(f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}")
        try:
            for user_id, name in ((7001, "ann"), (9001, "alice_tg")):
                actor = Actor.customer(CustomerProfile(user_id, name.title(), name))
                await desk.tickets.report_ticket(
                    actor, "Printer", NewMessage("smoke", origin=ChatRef(user_id, 1))
                )
            await desk.accounts.add_agent("alice", PASSWORD)
            await desk.accounts.login("alice", PASSWORD, 9001)
        finally:
            await desk.close()

    asyncio.run(work())


@pytest.fixture(name="seeded")
def fixture_seeded(tmp_path: Path) -> Path:
    seed(tmp_path)
    return tmp_path


class TestCustomerBans:
    def test_ban_list_and_unban(self, seeded: Path) -> None:
        banned = run(seeded, "customer", "ban", "@ann", "--reason", "spam")
        assert banned.returncode == 0, banned.stderr
        assert banned.stdout.strip() == "Banned Ann (7001); tickets closed: #1."
        listing = run(seeded, "customer", "banned")
        assert "7001" in listing.stdout
        assert "console" in listing.stdout
        assert "spam" in listing.stdout
        lifted = run(seeded, "customer", "unban", "7001")
        assert lifted.returncode == 0, lifted.stderr
        assert run(seeded, "customer", "banned").stdout.strip() == "Nobody is banned."

    @pytest.mark.parametrize(
        ("args", "says"),
        [
            (("ban", "@nobody"), "No customer '@nobody'"),
            (("ban", "9001"), "agents are never banned"),
            (("ban", "ann"), "neither a Telegram user id nor an @username"),
            (("unban", "7001"), "is not banned"),
        ],
    )
    def test_bad_input_is_one_line(self, seeded: Path, args: tuple[str, ...], says: str) -> None:
        line = assert_one_clean_error_line(run(seeded, "customer", *args))
        assert says in line


class TestCustomerData:
    def test_export_writes_json_and_erase_needs_yes(self, seeded: Path) -> None:
        exported = run(seeded, "customer", "export", "7001", "--out", "ann.json")
        assert exported.returncode == 0, exported.stderr
        data = json.loads((seeded / "ann.json").read_text())
        assert data["profile"]["name"] == "Ann"
        assert data["tickets"][0]["messages"][0]["text"] == "smoke"

        line = assert_one_clean_error_line(run(seeded, "customer", "erase", "7001"), code=2)
        assert "--yes" in line
        erased = run(seeded, "customer", "erase", "7001", "--yes")
        assert erased.returncode == 0, erased.stderr
        assert "1 ticket(s)" in erased.stdout
        again = assert_one_clean_error_line(run(seeded, "customer", "erase", "7001", "--yes"))
        assert "nothing has been written since" in again

    def test_export_to_an_unwritable_path_is_one_line(self, seeded: Path) -> None:
        line = assert_one_clean_error_line(
            run(seeded, "customer", "export", "7001", "--out", "no/such/dir/ann.json")
        )
        assert "cannot write" in line
        assert not (seeded / "no").exists()
