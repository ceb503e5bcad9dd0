"""What a newcomer looks for: the licence, the version, the changelog, a service unit."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HELPDESK = Path(sys.executable).with_name("helpdesk")
UNIT = ROOT / "deploy" / "helpdesk.service"


class TestLicense:
    def test_the_mit_licence_is_there_as_pyproject_says(self) -> None:
        text = (ROOT / "LICENSE").read_text()
        assert text.startswith("MIT License")
        assert "Copyright (c) 2026 The helpdesk-bot contributors" in text
        assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text()


class TestVersion:
    def test_helpdesk_version_prints_the_installed_version(self, tmp_path: Path) -> None:
        result = subprocess.run(
            [HELPDESK, "--version"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"helpdesk {version('helpdesk-bot')}"


class TestChangelog:
    def test_it_keeps_a_changelog_with_an_unreleased_section_and_this_version(self) -> None:
        text = (ROOT / "CHANGELOG.md").read_text()
        assert "https://keepachangelog.com/en/1.1.0/" in text
        headings = re.findall(r"^## \[([^\]]+)\]", text, flags=re.MULTILINE)
        assert headings[0] == "Unreleased"
        assert version("helpdesk-bot") in headings


class TestServiceUnit:
    def test_the_readme_installs_the_unit(self) -> None:
        readme = (ROOT / "README.md").read_text()
        assert "## Running as a service" in readme
        assert "deploy/helpdesk.service" in readme

    def test_systemd_accepts_the_unit(self, tmp_path: Path) -> None:
        analyze = shutil.which("systemd-analyze")
        if analyze is None:
            pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
        # verify wants ExecStart's program to exist: point it at the helpdesk installed here.
        unit = tmp_path / "helpdesk.service"
        text = UNIT.read_text()
        start = re.search(r"^ExecStart=(\S+) run$", text, flags=re.MULTILINE)
        assert start is not None, "ExecStart runs `helpdesk run`"
        unit.write_text(text.replace(start.group(1), str(HELPDESK)))
        result = subprocess.run(
            [analyze, "verify", str(unit)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        problems = [
            line
            for line in (result.stdout + result.stderr).splitlines()
            if str(unit) in line or "helpdesk.service" in line
        ]
        assert result.returncode == 0, result.stdout + result.stderr
        assert problems == [], result.stdout + result.stderr
