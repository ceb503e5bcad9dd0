"""The layering rule: nothing under core/ imports telegram or the bot package."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "core"
FORBIDDEN = {"telegram", "bot"}


def _imported_roots(tree: ast.AST) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func):
            roots.update(
                str(arg.value).split(".")[0] for arg in node.args if isinstance(arg, ast.Constant)
            )
    return roots


def _is_dynamic_import(func: ast.expr) -> bool:
    return getattr(func, "id", "") == "__import__" or getattr(func, "attr", "") == "import_module"


class TestDependencyRule:
    def test_core_never_imports_telegram_or_bot(self) -> None:
        offenders = {
            str(path.relative_to(CORE.parent)): sorted(
                _imported_roots(ast.parse(path.read_text())) & FORBIDDEN
            )
            for path in CORE.rglob("*.py")
        }
        assert {path: names for path, names in offenders.items() if names} == {}

    def test_the_check_sees_an_offending_import(self) -> None:
        source = "import telegram.ext\nfrom bot import cli\nx = __import__('telegram')\n"
        assert _imported_roots(ast.parse(source)) & FORBIDDEN == {"telegram", "bot"}

    def test_the_scan_covers_every_core_module(self) -> None:
        assert len(list(CORE.rglob("*.py"))) > 15


PRODUCT_PACKAGES = ("core", "bot", "api", "sandbox", "bench")


class TestProductNeverImportsTests:
    def test_no_product_module_imports_the_tests(self) -> None:
        root = CORE.parent
        offenders = sorted(
            str(path.relative_to(root))
            for package in PRODUCT_PACKAGES
            for path in (root / package).rglob("*.py")
            if "tests" in _imported_roots(ast.parse(path.read_text()))
        )
        assert offenders == []

    def test_the_check_sees_an_import_of_the_tests(self) -> None:
        assert "tests" in _imported_roots(ast.parse("from tests.e2e.conftest import Harness\n"))
