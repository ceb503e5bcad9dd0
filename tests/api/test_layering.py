"""The API is an adapter over core: it never imports the bot, Telegram or the tests."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.test_dependency_rule import _imported_roots

ROOT = Path(__file__).resolve().parent.parent.parent


class TestApiLayering:
    def test_api_imports_core_only(self) -> None:
        offenders = {
            str(path.relative_to(ROOT)): sorted(
                _imported_roots(ast.parse(path.read_text())) & {"bot", "telegram", "tests"}
            )
            for path in (ROOT / "api").rglob("*.py")
        }
        assert {path: names for path, names in offenders.items() if names} == {}

    def test_core_never_imports_the_api_or_its_framework(self) -> None:
        offenders = {
            str(path.relative_to(ROOT)): sorted(
                _imported_roots(ast.parse(path.read_text())) & {"api", "fastapi", "starlette"}
            )
            for path in (ROOT / "core").rglob("*.py")
        }
        assert {path: names for path, names in offenders.items() if names} == {}
