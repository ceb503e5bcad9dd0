"""The ``helpdesk`` command line, run as a real process."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import bcrypt
import pytest

from bot import cli
from core.store.migrate import head_revision

HELPDESK = str(Path(sys.executable).with_name("helpdesk"))
ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"
PASSWORD = "a-long-secret-pass"


def run(
    tmp_path: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``helpdesk`` in an empty folder (no .env) against a database in ``tmp_path``."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}",
        **env,
    }
    return subprocess.run(
        [HELPDESK, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=60,
        check=False,
    )


def assert_one_clean_error_line(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("helpdesk: error: ")
    return lines[0]


class TestAgentAdd:
    def test_add_from_stdin_migrates_an_empty_database_and_stores_a_cost_12_hash(
        self, tmp_path: Path
    ) -> None:
        result = run(
            tmp_path, "agent", "add", "alice", "--admin", "--password-stdin", stdin=PASSWORD + "\n"
        )
        assert result.returncode == 0, result.stderr
        assert "Created admin agent 'alice'" in result.stdout
        with sqlite3.connect(tmp_path / "desk.db") as db:
            (version,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
            username, stored, is_admin = db.execute(
                "SELECT username, password_hash, is_admin FROM agents"
            ).fetchone()
        assert version == head_revision()
        assert (username, is_admin) == ("alice", 1)
        assert stored.startswith("$2b$")
        assert int(stored.split("$")[2]) >= 12
        assert bcrypt.checkpw(PASSWORD.encode(), stored.encode())
        on_disk = b"".join(
            p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("desk.db")
        )
        assert PASSWORD.encode() not in on_disk

    def test_taken_username(self, tmp_path: Path) -> None:
        run(tmp_path, "agent", "add", "alice", "--password-stdin", stdin=PASSWORD)
        line = assert_one_clean_error_line(
            run(tmp_path, "agent", "add", "ALICE", "--password-stdin", stdin=PASSWORD)
        )
        assert "already taken" in line

    def test_short_password(self, tmp_path: Path) -> None:
        line = assert_one_clean_error_line(
            run(tmp_path, "agent", "add", "bob", "--password-stdin", stdin="short\n")
        )
        assert "too short" in line

    def test_empty_stdin(self, tmp_path: Path) -> None:
        line = assert_one_clean_error_line(run(tmp_path, "agent", "add", "bob", "--password-stdin"))
        assert "no password on stdin" in line

    def test_unreachable_database_hides_its_password(self, tmp_path: Path) -> None:
        url = "postgresql+asyncpg://desk:hunter2-secret@127.0.0.1:1/desk"
        line = assert_one_clean_error_line(run(tmp_path, "agent", "list", DATABASE_URL=url))
        assert "cannot use the database at postgresql+asyncpg://desk:***@127.0.0.1:1/desk" in line
        assert "hunter2" not in line

    @pytest.mark.parametrize(
        ("url", "reason"),
        [
            ("nosuchdb://x", "SQLite or PostgreSQL"),
            ("desk.db", "not a database URL"),
            ("postgresql+psycopg2://desk@db/x", "not one the desk runs on"),
            ("sqlite:///:memory:", "must be a file"),
        ],
    )
    def test_a_malformed_database_url_is_a_bad_setting(
        self, tmp_path: Path, url: str, reason: str
    ) -> None:
        line = assert_one_clean_error_line(run(tmp_path, "agent", "list", DATABASE_URL=url), 2)
        assert line.startswith("helpdesk: error: bad setting: DATABASE_URL: ")
        assert reason in line

    def test_a_plain_sqlite_url_works(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'plain.db'}"
        result = run(
            tmp_path, "agent", "add", "alice", "--password-stdin", stdin=PASSWORD, DATABASE_URL=url
        )
        assert result.returncode == 0, result.stderr
        assert "alice" in run(tmp_path, "agent", "list", DATABASE_URL=url).stdout

    @pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
    def test_a_plain_postgresql_url_uses_asyncpg(self, tmp_path: Path, scheme: str) -> None:
        url = f"{scheme}://desk:hunter2-secret@127.0.0.1:1/desk"
        line = assert_one_clean_error_line(run(tmp_path, "agent", "list", DATABASE_URL=url))
        assert "cannot use the database at postgresql+asyncpg://desk:***@127.0.0.1:1/desk" in line
        assert "hunter2" not in line

    def test_no_terminal_and_no_password_stdin_says_to_use_it(self, tmp_path: Path) -> None:
        line = assert_one_clean_error_line(run(tmp_path, "agent", "add", "bob"), code=2)
        assert "--password-stdin" in line

    def test_a_taken_username_is_refused_before_the_password_is_asked(self, tmp_path: Path) -> None:
        run(tmp_path, "agent", "add", "alice", "--password-stdin", stdin=PASSWORD)
        line = assert_one_clean_error_line(run(tmp_path, "agent", "add", "Alice"))
        assert "already taken" in line

    def test_a_malformed_username_is_refused_before_the_password_is_asked(
        self, tmp_path: Path
    ) -> None:
        line = assert_one_clean_error_line(run(tmp_path, "agent", "add", "no spaces"))
        assert "A username has 2 to 32 characters" in line

    def test_malformed_setting_exits_2_naming_it(self, tmp_path: Path) -> None:
        result = run(tmp_path, "agent", "list", BCRYPT_ROUNDS="many")
        assert "BCRYPT_ROUNDS" in assert_one_clean_error_line(result, code=2)

    def test_malformed_business_hours_exit_2_with_one_line(self, tmp_path: Path) -> None:
        result = run(tmp_path, "agent", "list", BUSINESS_HOURS="Mon-Fri 9-18")
        line = assert_one_clean_error_line(result, code=2)
        assert line.startswith("helpdesk: error: bad setting: BUSINESS_HOURS: '9-18' is not")


class TestAgentManagement:
    def test_list_disable_enable_and_passwd(self, tmp_path: Path) -> None:
        assert "No agents yet" in run(tmp_path, "agent", "list").stdout
        run(tmp_path, "agent", "add", "alice", "--admin", "--password-stdin", stdin=PASSWORD)
        run(tmp_path, "agent", "add", "bob", "--password-stdin", stdin=PASSWORD)
        listing = run(tmp_path, "agent", "list").stdout.splitlines()
        assert listing[1].split() == ["alice", "admin", "active", "-"]
        assert listing[2].split() == ["bob", "agent", "active", "-"]
        assert run(tmp_path, "agent", "disable", "bob").returncode == 0
        assert run(tmp_path, "agent", "list").stdout.splitlines()[2].split()[2] == "disabled"
        assert run(tmp_path, "agent", "enable", "bob").returncode == 0
        result = run(
            tmp_path, "agent", "passwd", "bob", "--password-stdin", stdin="another-long-pass\n"
        )
        assert result.returncode == 0, result.stderr
        with sqlite3.connect(tmp_path / "desk.db") as db:
            (stored,) = db.execute(
                "SELECT password_hash FROM agents WHERE username = 'bob'"
            ).fetchone()
        assert bcrypt.checkpw(b"another-long-pass", stored.encode())

    @pytest.mark.parametrize(
        "args",
        [("disable", "nobody"), ("enable", "nobody"), ("passwd", "nobody", "--password-stdin")],
    )
    def test_unknown_agent(self, tmp_path: Path, args: tuple[str, ...]) -> None:
        line = assert_one_clean_error_line(run(tmp_path, "agent", *args, stdin=PASSWORD))
        assert "No agent is called 'nobody'" in line

    def test_db_upgrade(self, tmp_path: Path) -> None:
        result = run(tmp_path, "db", "upgrade")
        assert (result.returncode, result.stdout.strip()) == (
            0,
            "The database schema is up to date.",
        )

    def test_db_reindex_counts_the_tickets(self, tmp_path: Path) -> None:
        assert run(tmp_path, "db", "upgrade").returncode == 0
        with sqlite3.connect(tmp_path / "desk.db") as db:
            db.execute(
                "INSERT INTO customers (id, telegram_user_id, display_name, created_at, "
                "updated_at) VALUES (1, 5, 'Ann', '2026-01-01', '2026-01-01')"
            )
            db.execute(
                "INSERT INTO tickets (id, customer_id, subject, status, priority, created_at, "
                "updated_at, status_changed_at) VALUES (1, 1, 'Printer smokes', 'new', "
                "'normal', '2026-01-01', '2026-01-01', '2026-01-01')"
            )
        result = run(tmp_path, "db", "reindex")
        assert (result.returncode, result.stdout.strip()) == (
            0,
            "The search index was rebuilt: 1 tickets.",
        )
        with sqlite3.connect(tmp_path / "desk.db") as db:
            found = db.execute(
                "SELECT rowid FROM search_documents WHERE search_documents MATCH 'smokes'"
            ).fetchall()
        assert found == [(1,)]

    def test_usage_errors_exit_2(self, tmp_path: Path) -> None:
        assert run(tmp_path, "agent", "frobnicate").returncode == 2
        assert run(tmp_path).returncode == 2


class TestPasswordPrompt:
    @pytest.fixture(autouse=True)
    def _a_terminal(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Someone at a terminal types the password."""
        monkeypatch.setattr(cli, "has_terminal", lambda: True)

    def test_typed_twice_without_echo(self, monkeypatch: pytest.MonkeyPatch) -> None:
        answers = iter(["first-password", "first-password"])
        monkeypatch.setattr(cli.getpass, "getpass", lambda _prompt: next(answers))
        assert cli.read_password(from_stdin=False) == "first-password"

    def test_mismatch_is_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        answers = iter(["first-password", "second-password"])
        monkeypatch.setattr(cli.getpass, "getpass", lambda _prompt: next(answers))
        with pytest.raises(cli.CommandFailed, match="differ"):
            cli.read_password(from_stdin=False)

    def test_typing_ended_with_ctrl_d_is_one_line(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def end_of_input(_prompt: str) -> str:
            raise EOFError

        monkeypatch.setattr(cli.getpass, "getpass", end_of_input)
        with pytest.raises(cli.CommandFailed, match="no password typed"):
            cli.read_password(from_stdin=False)


class TestEnvExampleAsDotenv:
    """``cp .env.example .env``, then every command, as README's "Going live" section says."""

    @pytest.mark.parametrize(
        "args",
        [
            ("agent", "add", "alice", "--admin", "--password-stdin"),
            ("agent", "list"),
            ("db", "upgrade"),
        ],
    )
    def test_every_command_reads_the_copied_example(
        self, tmp_path: Path, args: tuple[str, ...]
    ) -> None:
        shutil.copy(ENV_EXAMPLE, tmp_path / ".env")
        result = run(tmp_path, *args, stdin=PASSWORD + "\n", BCRYPT_ROUNDS="4")
        assert result.returncode == 0, result.stderr
        assert "bad setting" not in result.stderr

    @pytest.mark.parametrize("command", ["run", "deliver"])
    def test_the_empty_token_of_the_example_is_a_missing_token(
        self, tmp_path: Path, command: str
    ) -> None:
        shutil.copy(ENV_EXAMPLE, tmp_path / ".env")
        line = assert_one_clean_error_line(run(tmp_path, command))
        assert line.startswith("helpdesk: error: TELEGRAM_BOT_TOKEN is not set.")

    def test_an_empty_token_in_the_environment_is_a_missing_token(self, tmp_path: Path) -> None:
        line = assert_one_clean_error_line(run(tmp_path, "run", TELEGRAM_BOT_TOKEN=""))
        assert line.startswith("helpdesk: error: TELEGRAM_BOT_TOKEN is not set.")


class TestUnexpectedErrors:
    def test_a_bugs_traceback_is_printed_without_the_token(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # put back after the test
        cli.redact_tracebacks(["SHORT-SECRET-VALUE"])
        token = "7012345678:AAHx-Secret_Token-Part_0123456789abcdef"
        try:
            _fail_with(f"boom {token} SHORT-SECRET-VALUE")
        except RuntimeError as exc:
            sys.excepthook(RuntimeError, exc, exc.__traceback__)
        err = capsys.readouterr().err
        assert "Traceback" in err
        assert "RuntimeError: boom [redacted] [redacted]" in err
        assert token not in err


def _fail_with(message: str) -> None:
    raise RuntimeError(message)
