"""``helpdesk token ...`` and ``helpdesk api``, run as real processes."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.bot.test_cli import HELPDESK, PASSWORD, assert_one_clean_error_line, run


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class TestTokenCommands:
    def test_create_list_revoke(self, tmp_path: Path) -> None:
        assert (
            run(tmp_path, "agent", "add", "alice", "--password-stdin", stdin=PASSWORD).returncode
            == 0
        )
        created = run(tmp_path, "token", "create", "crm", "--agent", "alice")
        assert created.returncode == 0, created.stderr
        secret = created.stdout.strip().splitlines()[-1]
        assert len(secret) >= 43
        listed = run(tmp_path, "token", "list")
        assert "crm" in listed.stdout
        assert "alice" in listed.stdout
        assert "active" in listed.stdout
        assert secret not in listed.stdout
        assert run(tmp_path, "token", "revoke", "crm").returncode == 0
        assert "revoked" in run(tmp_path, "token", "list").stdout
        line = assert_one_clean_error_line(run(tmp_path, "token", "revoke", "crm"))
        assert "No live token is called 'crm'" in line

    def test_a_bad_or_used_name_is_one_line_about_token_names(self, tmp_path: Path) -> None:
        for name in ("bad name!", "x", ""):
            line = assert_one_clean_error_line(run(tmp_path, "token", "create", name))
            assert f"{name!r} cannot name a token: a name has 2 to 32 characters" in line
        assert run(tmp_path, "token", "create", "crm").returncode == 0
        assert run(tmp_path, "token", "revoke", "crm").returncode == 0
        line = assert_one_clean_error_line(run(tmp_path, "token", "create", "CRM"))
        assert "A token called 'crm' was made before" in line
        assert "even once revoked" in line

    def test_unknown_agent_is_one_clean_line(self, tmp_path: Path) -> None:
        line = assert_one_clean_error_line(run(tmp_path, "token", "create", "x1", "--agent", "zed"))
        assert "No agent is called 'zed'" in line


def start_api(tmp_path: Path, port: int) -> subprocess.Popen[str]:
    """``helpdesk api`` on the test's database, its output captured."""
    env = {
        "PATH": "",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}",
        "API_PORT": str(port),
    }
    return subprocess.Popen(
        [HELPDESK, "api"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def first_answer(url: str, secret: str) -> httpx.Response:
    """The first answer of a server still starting up."""
    deadline = time.monotonic() + 20
    while True:
        try:
            return httpx.get(url, headers={"Authorization": f"Bearer {secret}"})
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class TestServe:
    @pytest.mark.parametrize(
        "command", [("token", "revoke", "website"), ("agent", "disable", "alice")]
    )
    def test_a_token_revoked_by_another_process_is_refused_at_once(
        self, tmp_path: Path, command: tuple[str, ...]
    ) -> None:
        run(tmp_path, "agent", "add", "alice", "--password-stdin", stdin=PASSWORD)
        created = run(tmp_path, "token", "create", "website", "--agent", "alice")
        secret = created.stdout.strip().splitlines()[-1]
        port = free_port()
        url = f"http://127.0.0.1:{port}/api/v1/tickets"
        process = start_api(tmp_path, port)
        try:
            assert first_answer(url, secret).status_code == 200
            assert run(tmp_path, *command).returncode == 0
            refused = httpx.get(url, headers={"Authorization": f"Bearer {secret}"})
            assert refused.status_code == 401, refused.text
            assert refused.json()["error"]["code"] == "credentials_rejected"
        finally:
            process.terminate()
            process.communicate(timeout=20)

    def test_api_serves_and_logs_requests_without_tokens(self, tmp_path: Path) -> None:
        created = run(tmp_path, "token", "create", "website")
        secret = created.stdout.strip().splitlines()[-1]
        port = free_port()
        env = {
            "PATH": "",
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}",
            "API_PORT": str(port),
        }
        process = subprocess.Popen(
            [HELPDESK, "api"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 20
            answer = None
            while time.monotonic() < deadline:
                try:
                    answer = httpx.get(
                        f"http://127.0.0.1:{port}/api/v1/tickets",
                        headers={"Authorization": f"Bearer {secret}"},
                    )
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            assert answer is not None
            assert (answer.status_code, answer.json()) == (200, {"items": [], "next_cursor": None})
        finally:
            process.terminate()
            output, _ = process.communicate(timeout=20)
        assert process.returncode == 0, "SIGTERM stops the API cleanly"
        assert "GET /api/v1/tickets 200" in output
        assert secret not in output
