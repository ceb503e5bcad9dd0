"""Every refusal core raises where the bot can meet it has a template, so it is translated.

The sentences are read from core's source: each ``raise`` of a ``DeskError`` (an f-string's
values stood in for by a sample), and each error class that writes its own sentence, built
with sample values. A new refusal without a template in ``bot/rendering/desk_errors.py``
fails here instead of reaching a German agent in English.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

import core
from bot.rendering.desk_errors import CUSTOMER_ERRORS, STAFF_ERRORS, matching_template
from core.errors import AccountLocked, DeskError, DuplicateMessage

ROOT = Path(core.__file__).parent.parent
SAMPLE = "X"

NOT_FROM_THE_BOT: dict[str, str] = {
    "core/desk.py": "opening the desk: at startup and in the CLI",
    "core/store/backup.py": "helpdesk backup / restore, in a terminal",
    "core/store/database.py": "DATABASE_URL, checked at startup",
    "core/store/urls.py": "DATABASE_URL, checked at startup",
    "core/domain/business_hours.py": "BUSINESS_HOURS, checked at startup",
    "core/services/api_tokens.py": "the HTTP API's tokens",
    "core/services/telegram_login.py": "the Mini App's login, through the HTTP API",
    "core/services/passwords.py": "passwords are set in the CLI",
    "core/services/accounts.py:normalize_username": "usernames are made in the CLI",
    "core/services/accounts.py:_check_admin": "managing agents: the CLI and the API",
    "core/services/accounts.py:add_agent": "agents are added in the CLI",
    "core/services/queries.py:_check_limit": "the API's page size; the bot's is fixed",
}
"""Where core refuses things the bot never asks for: a module, or ``module:function``."""
NEVER_SHOWN: tuple[type[DeskError], ...] = (DuplicateMessage,)
"""Raised to say "done already" and always caught: nobody reads their sentence."""
SAMPLE_ARGUMENTS: dict[str, tuple[object, ...]] = {
    "AccountLocked": (datetime(2026, 1, 2, 3, 4, tzinfo=UTC),),
}


@dataclass(frozen=True)
class Raised:
    """One sentence core can refuse with, and where."""

    where: str
    sentence: str


def _desk_errors() -> dict[str, type[DeskError]]:
    for module in pkgutil.walk_packages(core.__path__, "core."):
        if "migrations" not in module.name:
            importlib.import_module(module.name)
    found: dict[str, type[DeskError]] = {}
    pending: list[type[DeskError]] = [DeskError]
    while pending:
        kind = pending.pop()
        found[kind.__name__] = kind
        pending.extend(kind.__subclasses__())
    return {
        name: kind
        for name, kind in found.items()
        if kind.__module__.startswith("core.") and not issubclass(kind, NEVER_SHOWN)
    }


def _sample(node: ast.expr) -> object:
    """A value for an argument: a literal as it is, an f-string with samples for its values."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                parts.append(repr(SAMPLE) if value.conversion == ord("r") else SAMPLE)
        return "".join(parts)
    return SAMPLE


def _returned_sentences(tree: ast.Module, function: str) -> Iterator[ast.expr]:
    """The strings a module's function returns (for ``raise X(refusal)``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            for inner in ast.walk(node):
                value = inner.value if isinstance(inner, ast.Return) else None
                if isinstance(value, ast.JoinedStr) or (
                    isinstance(value, ast.Constant) and isinstance(value.value, str)
                ):
                    yield value


def _sentence_sources(tree: ast.Module, scope: ast.AST, name: str) -> list[ast.expr]:
    """What a variable passed to an error holds: the sentences of the function it came from."""
    for node in ast.walk(scope):
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
        ):
            return list(_returned_sentences(tree, node.value.func.id))
    return []


def _scopes(tree: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    """Each function of a module with its name (the module itself as ``""``)."""
    yield "", tree
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node


def raised_sentences() -> list[Raised]:
    """Every sentence a ``DeskError`` raised in core (where the bot can meet it) says."""
    errors = _desk_errors()
    found: list[Raised] = []
    for path in sorted((ROOT / "core").rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        if module in NOT_FROM_THE_BOT or "/migrations/" in module:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        seen: set[int] = set()
        for function, scope in sorted(_scopes(tree), key=lambda item: item[0] == ""):
            if f"{module}:{function}" in NOT_FROM_THE_BOT:
                seen.update(id(node) for node in ast.walk(scope))
                continue
            for node in ast.walk(scope):
                if not isinstance(node, ast.Raise) or id(node) in seen:
                    continue
                seen.add(id(node))
                where = f"{module}:{node.lineno}"
                found.extend(
                    Raised(where, sentence) for sentence in _said(tree, scope, node, errors)
                )
    return found


def _said(
    tree: ast.Module, scope: ast.AST, node: ast.Raise, errors: dict[str, type[DeskError]]
) -> Iterator[str]:
    call = node.exc
    name = call.func if isinstance(call, ast.Call) else call
    if not isinstance(name, ast.Name) or name.id not in errors:
        return
    kind = errors[name.id]
    arguments = list(call.args) if isinstance(call, ast.Call) else []
    if "__init__" in vars(kind):  # the class writes its own sentence
        values = SAMPLE_ARGUMENTS.get(kind.__name__) or tuple(_sample(a) for a in arguments)
        yield str(kind(*values))
        return
    if not arguments:
        yield f"<{kind.__name__} with no sentence>"
        return
    sentence = arguments[0]
    if isinstance(sentence, ast.Name):
        sources = _sentence_sources(tree, scope, sentence.id)
        if not sources:
            yield f"<{kind.__name__}({sentence.id}) whose sentences cannot be read>"
        for source in sources:
            yield str(_sample(source))
        return
    yield str(_sample(sentence))


def _has_template(sentence: str) -> bool:
    return matching_template(sentence, STAFF_ERRORS + CUSTOMER_ERRORS) is not None


def test_core_refusals_are_found() -> None:
    sentences = {raised.sentence for raised in raised_sentences()}
    assert len(sentences) > 70
    assert "Ticket #X was not found." in sentences
    assert str(AccountLocked(datetime(2026, 1, 2, 3, 4, tzinfo=UTC))) in sentences


@pytest.mark.parametrize("raised", raised_sentences(), ids=lambda raised: raised.where)
def test_every_refusal_the_bot_can_meet_has_a_template(raised: Raised) -> None:
    assert _has_template(raised.sentence), (
        f"{raised.where} refuses with “{raised.sentence}”, which no template in "
        "bot/rendering/desk_errors.py matches: add one (CUSTOMER_ERRORS when a customer "
        "can meet it, else STAFF_ERRORS) and translate it"
    )


def test_every_template_is_distinct() -> None:
    templates = CUSTOMER_ERRORS + STAFF_ERRORS
    assert len(set(templates)) == len(templates)
