"""``helpdesk sandbox`` as a process: it starts from nothing, stops cleanly, refuses bad input."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import psutil

from tests.sandbox.conftest import SandboxProcess, free_port

STOP_WITHIN_SECONDS = 10.0


def run_to_the_end(process: SandboxProcess) -> subprocess.CompletedProcess[str]:
    """Run the command expecting it to give up at once."""
    return subprocess.run(
        process.command(), capture_output=True, text=True, timeout=60, check=False
    )


class TestSandboxProcess:
    def test_it_starts_from_an_empty_dir_answers_http_and_stops_cleanly_on_sigterm(
        self, sandbox_process: SandboxProcess, sandbox_dir: Path
    ) -> None:
        sandbox_process.start()
        page = httpx.get(sandbox_process.url, timeout=5)
        children = sandbox_process.children()
        started = time.monotonic()
        code = sandbox_process.stop()
        took = time.monotonic() - started

        assert page.status_code == 200
        assert "Helpdesk sandbox" in page.text
        assert len(children) >= 1  # the desk
        assert code == 0
        assert took < STOP_WITHIN_SECONDS
        assert [child.pid for child in children if _alive(child)] == []
        assert (sandbox_dir / "world.json").exists()
        assert (sandbox_dir / "desk.db").exists()

    def test_a_restart_says_how_to_log_in_as_the_demo_agent(
        self, sandbox_process: SandboxProcess
    ) -> None:
        sandbox_process.start()
        first = sandbox_process.password
        sandbox_process.stop()
        sandbox_process.start()
        output = sandbox_process.output.read_text()
        sandbox_process.stop()

        assert first is not None
        assert "Agent account 'demo': its password was shown at the first start" in output
        assert "--reset starts a new world, with a new password" in output
        assert first not in output

    def test_the_line_about_the_desks_log_names_the_file_where_it_is(
        self, sandbox_process: SandboxProcess, sandbox_dir: Path
    ) -> None:
        sandbox_process.start()
        output = sandbox_process.output.read_text()
        sandbox_process.stop()

        assert f"the desk logs to {sandbox_dir / 'desk.log'})" in output
        assert (sandbox_dir / "desk.log").exists()

    def test_ctrl_c_while_the_first_start_makes_the_demo_account_still_shows_its_password(
        self, sandbox_process: SandboxProcess
    ) -> None:
        # Like Ctrl-C in a terminal: SIGINT to the whole process group, children included.
        first = subprocess.Popen(
            sandbox_process.command(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            _wait_for_agent_add(first)
            os.killpg(first.pid, signal.SIGINT)
            out, err = first.communicate(timeout=60)
        finally:
            if first.poll() is None:
                first.kill()
        sandbox_process.start()
        sandbox_process.stop()

        assert first.returncode == 0
        assert "error" not in err
        # The password shows either before the first start ends or at the next start.
        assert "password:" in out or sandbox_process.password is not None

    def test_a_second_sandbox_on_the_same_directory_refuses_and_says_where_the_first_is(
        self, sandbox_process: SandboxProcess, sandbox_dir: Path
    ) -> None:
        sandbox_process.start()
        second = SandboxProcess(sandbox_dir, free_port())
        finished = subprocess.run(
            second.command("--reset"), capture_output=True, text=True, timeout=60, check=False
        )
        sandbox_process.stop()

        assert finished.returncode == 1
        assert finished.stderr.strip().splitlines() == [
            f"helpdesk: error: another sandbox is running on {sandbox_dir} "
            f"(its page: {sandbox_process.url}); use that one, stop it, or give this one "
            "another --dir"
        ]
        assert "Sandbox running" not in finished.stdout
        assert (sandbox_dir / "world.json").exists()  # --reset deleted nothing

    def test_the_directory_it_makes_stays_out_of_git(self, tmp_path: Path) -> None:
        checkout = tmp_path / "checkout"
        checkout.mkdir()
        subprocess.run(["git", "init", "-q", str(checkout)], check=True)
        # The test's record of the sandbox's output lands beside the directory.
        (checkout / ".git" / "info" / "exclude").write_text("*.out\n")
        running = SandboxProcess(checkout / "sandbox-data", free_port())
        try:
            running.start()
            running.stop()
        finally:
            running.kill()

        status = subprocess.run(
            ["git", "-C", str(checkout), "status", "--porcelain", "--untracked-files=all"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert (checkout / "sandbox-data" / "world.json").exists()
        assert status.stdout == ""

    def test_the_environment_cannot_point_it_at_a_live_bot_or_database(
        self, sandbox_process: SandboxProcess, sandbox_dir: Path, tmp_path: Path
    ) -> None:
        elsewhere = tmp_path / "production.db"
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": "111:LIVE-TOKEN",
            "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
            "STAFF_CHAT_ID": "-100999",
            "DATABASE_URL": f"sqlite+aiosqlite:///{elsewhere}",
        }
        sandbox_process.start(env=env)
        output = sandbox_process.output.read_text()
        sandbox_process.stop()

        assert "are ignored" in output
        assert not elsewhere.exists()
        assert (sandbox_dir / "desk.db").exists()


class TestBadInput:
    def test_a_port_in_use_is_one_clear_line_and_exit_1(
        self, sandbox_process: SandboxProcess
    ) -> None:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", sandbox_process.port))
            taken.listen()
            finished = run_to_the_end(sandbox_process)

        assert finished.returncode == 1
        assert finished.stderr.strip().splitlines() == [
            f"helpdesk: error: port {sandbox_process.port} on 127.0.0.1 is in use; "
            "choose another with --port"
        ]

    def test_an_unwritable_dir_is_one_clear_line_and_exit_1(self, tmp_path: Path) -> None:
        a_file = tmp_path / "not-a-directory"
        a_file.write_text("x")
        process = SandboxProcess(a_file / "sandbox-data", free_port())

        finished = run_to_the_end(process)

        assert finished.returncode == 1
        lines = finished.stderr.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith(
            f"helpdesk: error: cannot write to the sandbox directory {a_file / 'sandbox-data'}"
        )

    def test_a_corrupted_world_file_is_named_with_the_way_out_and_kept(
        self, sandbox_process: SandboxProcess, sandbox_dir: Path
    ) -> None:
        sandbox_dir.mkdir()
        world = sandbox_dir / "world.json"
        world.write_text('{"format": 1, "sequences": ')

        finished = run_to_the_end(sandbox_process)

        assert finished.returncode == 1
        lines = finished.stderr.strip().splitlines()
        assert len(lines) == 1
        assert str(world) in lines[0]
        assert "--reset" in lines[0]
        assert world.read_text() == '{"format": 1, "sequences": '


def _wait_for_agent_add(process: subprocess.Popen[str]) -> None:
    """Wait until the first start runs ``helpdesk agent add`` for the demo account."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            children = psutil.Process(process.pid).children(recursive=True)
            if any("agent" in child.cmdline() for child in children):
                return
        except psutil.NoSuchProcess:
            pass
        if process.poll() is not None:
            raise AssertionError(f"the sandbox exited {process.returncode}")
        time.sleep(0.02)
    raise AssertionError("the first start never ran helpdesk agent add")


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
