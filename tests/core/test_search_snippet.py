"""Search snippets made from a hit's text: the window, the marks, accents and CJK phrases."""

from __future__ import annotations

from core.domain.search_snippet import ELLIPSIS, snippet
from core.domain.search_text import MARK_END, MARK_START, index_text, unmark_spacing


def _shown(text: str) -> str:
    return text.replace(MARK_START, "[").replace(MARK_END, "]")


class TestSnippet:
    def test_marks_every_match_case_and_accents_ignored(self) -> None:
        found = snippet(
            ["Printer smokes", "the printer, the PRINTER and the café"], ["printer"], 14
        )
        assert _shown(found) == "the [printer], the [PRINTER] and the café"
        assert _shown(snippet(["x", "Café crème"], ["cafe"], 14)) == "[Café] crème"

    def test_the_window_with_most_terms_wins_with_ellipses(self) -> None:
        body = " ".join(f"w{i}" for i in range(40))
        body = body.replace("w5 ", "printer ").replace("w30 w31", "printer toner")
        found = _shown(snippet(["Subject printer", body], ["printer", "toner"], 6))
        assert found.startswith(ELLIPSIS)
        assert found.endswith(ELLIPSIS)
        assert "[printer] [toner]" in found
        assert len(found.strip(ELLIPSIS).split()) == 6

    def test_text_before_the_first_word_and_after_the_last_is_kept(self) -> None:
        found = snippet(["", "<script> printer driver?"], ["printer"], 14)
        assert _shown(found) == "<script> [printer] driver?"

    def test_a_subject_match_shows_the_subject_when_it_is_as_good(self) -> None:
        found = snippet(["Printer smokes", "then the printer stopped"], ["printer"], 14)
        assert _shown(found) == "[Printer] smokes"

    def test_cjk_runs_match_as_a_phrase(self) -> None:
        body = index_text("我的数据库连接失败了")
        found = snippet([index_text("数据库"), body], ["连 接 失 败"], 14)
        assert unmark_spacing(found) == f"我的数据库{MARK_START}连接失败{MARK_END}了"
        apart = snippet(["", index_text("连接很慢，失败")], ["连 接 失 败"], 14)
        assert MARK_START not in apart

    def test_no_match_gives_the_start_and_no_text_gives_nothing(self) -> None:
        assert snippet(["", "hello there"], ["printer"], 1) == f"hello{ELLIPSIS}"
        assert snippet(["", ""], ["printer"], 14) == ""

    def test_a_long_text_full_of_matches_shows_the_first_window_with_every_term(self) -> None:
        body = " ".join(["printer"] * 20_000 + ["toner", "printer"])
        found = _shown(snippet(["", body], ["printer", "toner"], 14))
        # The first window holding both terms, fourteen matches in all.
        assert found.startswith(ELLIPSIS)
        assert found.endswith(f"[toner]{ELLIPSIS}")
        assert found.count("[") == 14
