"""The ``helpdesk`` script's entry: a Ctrl-C while the commands load is one line, exit 130."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator, Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

import pytest

from bot import entry

ROOT = Path(__file__).resolve().parents[2]


class _CtrlCWhileLoading(MetaPathFinder):
    """Stands for a Ctrl-C that lands while ``bot.cli`` is being imported."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname == "bot.cli":
            raise KeyboardInterrupt
        return None


@pytest.fixture(name="interrupted_import")
def fixture_interrupted_import(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``bot.cli`` not loaded yet, and its import interrupted."""
    monkeypatch.delitem(sys.modules, "bot.cli", raising=False)
    finder = _CtrlCWhileLoading()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def test_ctrl_c_while_loading_is_one_line_and_exit_130(
    interrupted_import: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert entry.main(["--version"]) == entry.INTERRUPTED == 130
    captured = capsys.readouterr()
    assert captured.err == "helpdesk: error: interrupted\n"
    assert "Traceback" not in captured.out + captured.err


def test_the_script_and_python_m_bot_start_here() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["helpdesk"] == "bot.entry:main"
    assert "from bot.entry import main" in (ROOT / "bot" / "__main__.py").read_text()


def test_a_command_runs_through_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        entry.main(["--version"])
    assert ended.value.code == 0
    assert capsys.readouterr().out.strip()
