"""``helpdesk backup`` and ``helpdesk restore``, run as real processes."""

from __future__ import annotations

from pathlib import Path

from tests.bot.test_cli import assert_one_clean_error_line, run


class TestBackupCommands:
    def test_backup_then_restore(self, tmp_path: Path) -> None:
        assert run(tmp_path, "db", "upgrade").returncode == 0
        made = run(tmp_path, "backup", "nightly.db")
        assert made.returncode == 0, made.stderr
        assert made.stdout.startswith("Backed up to nightly.db: schema ")
        restored = run(tmp_path, "restore", "nightly.db")
        assert restored.returncode == 0, restored.stderr
        assert "desk.db.before-restore" in restored.stdout
        assert (tmp_path / "desk.db.before-restore").exists()

    def test_bad_input_is_one_line(self, tmp_path: Path) -> None:
        assert run(tmp_path, "db", "upgrade").returncode == 0
        line = assert_one_clean_error_line(run(tmp_path, "backup", "no/dir/x.db"))
        assert "cannot write the backup to no/dir/x.db" in line
        (tmp_path / "junk.db").write_text("not a database")
        line = assert_one_clean_error_line(run(tmp_path, "restore", "junk.db"))
        assert "not a backup of this helpdesk" in line

    def test_postgresql_without_pg_dump_says_so(self, tmp_path: Path) -> None:
        result = run(
            tmp_path,
            "backup",
            "pg.dump",
            DATABASE_URL="postgresql://desk:secret@127.0.0.1:1/desk",
            PATH=str(tmp_path),
        )
        line = assert_one_clean_error_line(result)
        assert "pg_dump is not installed" in line
        assert "secret" not in result.stderr
