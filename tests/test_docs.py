"""The project's documents stay true: they cite only what the repository carries, and the
architecture page agrees with the code it describes."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from core.domain.lifecycle import TRANSITIONS, Mover
from core.domain.values import Status

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
# Documents that live outside the repository (escaped, so this file does not cite them).
FOREIGN = re.compile(r"\b(?:DESIGN|STYLE|BOT_API_SHAPES)\.md\b|\.\./shared\b")
SECTION_REFERENCE = re.compile(r'docs/ARCHITECTURE\.md, section "([^"]+)"')
NOT_IN_A_CHECKOUT = {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def repository_files() -> list[Path]:
    """Every file git tracks, plus new ones it does not ignore."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: walk the tree
        return [
            path
            for path in ROOT.rglob("*")
            if path.is_file() and not NOT_IN_A_CHECKOUT & set(path.relative_to(ROOT).parts)
        ]
    names = {name for name in listed.decode().split("\0") if name}
    return sorted(path for path in (ROOT / name for name in names) if path.is_file())


def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="ignore")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _movers(cell: str) -> set[Mover]:
    """Read a cell like ``agent, customer reply (within `REOPEN_WINDOW`)``; ``—`` is none."""
    bare = re.sub(r"\([^)]*\)", "", cell).strip()
    if bare == "—":
        return set()
    return {Mover(name.strip()) for name in bare.split(",")}


def lifecycle_table(markdown: str) -> dict[tuple[Status, Status], set[Mover]]:
    """The (from, to) → movers table of the page's "Ticket lifecycle" section."""
    section = markdown.split("\n## Ticket lifecycle\n", 1)[1].split("\n## ", 1)[0]
    header, _rule, *rows = [line for line in section.splitlines() if line.startswith("|")]
    columns = [Status(name) for name in _cells(header)[1:]]
    table: dict[tuple[Status, Status], set[Mover]] = {}
    for row in rows:
        first, *cells = _cells(row)
        for to, cell in zip(columns, cells, strict=True):
            table[Status(first), to] = _movers(cell)
    return table


def headings(markdown: str) -> set[str]:
    """The titles of the page's sections, at every level."""
    return {match.group(1).strip() for match in re.finditer(r"^#+ (.+)$", markdown, re.M)}


class TestCitations:
    def test_no_file_cites_a_document_the_repository_does_not_carry(self) -> None:
        offenders = {
            str(path.relative_to(ROOT)): sorted(set(FOREIGN.findall(_text(path))))
            for path in repository_files()
        }
        assert {path: found for path, found in offenders.items() if found} == {}

    @pytest.mark.parametrize(
        "text",
        [
            "see " + "DESIGN" + ".md",
            "as in STYLE" + ".md, section 2",
            "(BOT_API_SHAPES" + ".md)",
            "read .." + "/shared/notes.txt",
        ],
    )
    def test_the_check_sees_each_kind_of_citation(self, text: str) -> None:
        assert FOREIGN.search(text)

    def test_the_check_reads_the_whole_repository(self) -> None:
        names = {str(path.relative_to(ROOT)) for path in repository_files()}
        assert {"README.md", "docs/ARCHITECTURE.md", "core/services/notices.py"} <= names

    def test_references_to_the_architecture_page_name_sections_it_has(self) -> None:
        sections = headings(ARCHITECTURE.read_text())
        cited = {
            (str(path.relative_to(ROOT)), name)
            for path in repository_files()
            for name in SECTION_REFERENCE.findall(_text(path))
        }
        assert ("core/services/notices.py", "Who is told what") in cited
        assert {(path, name) for path, name in cited if name not in sections} == set()

    def test_the_readme_links_the_architecture_page(self) -> None:
        assert "(docs/ARCHITECTURE.md)" in (ROOT / "README.md").read_text()


class TestArchitecturePage:
    def test_the_lifecycle_table_agrees_with_the_code(self) -> None:
        expected = {
            (frm, to): set(TRANSITIONS.get((frm, to), ())) for frm in Status for to in Status
        }
        assert lifecycle_table(ARCHITECTURE.read_text()) == expected

    def test_the_table_reader_sees_a_changed_cell(self) -> None:
        page = ARCHITECTURE.read_text()
        row = "| open | — | — | agent | agent | agent, customer |"
        changed = page.replace(row, "| open | — | — | agent | agent | agent |")
        assert changed != page
        assert lifecycle_table(changed)[Status.OPEN, Status.CLOSED] == {Mover.AGENT}

    def test_a_cell_reads_movers_and_ignores_remarks(self) -> None:
        assert _movers("agent, customer, system (auto-close)") == {
            Mover.AGENT,
            Mover.CUSTOMER,
            Mover.SYSTEM,
        }
        assert _movers("agent, customer reply (within `REOPEN_WINDOW`)") == {
            Mover.AGENT,
            Mover.CUSTOMER_REPLY,
        }
        assert _movers("—") == set()
