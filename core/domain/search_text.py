"""Text for the search index, and search queries as agents type them.

Both databases split words at anything that is not a letter or a digit (SQLite's
``unicode61`` tokenizer, PostgreSQL's ``simple`` configuration), which serves Latin,
Cyrillic, Greek and every script that puts spaces between words. Chinese, Japanese and
Korean do not: a whole sentence would be one "word". So the desk puts a space around each
such character, in the index and in the query alike, and searches a run of them as a phrase
of single characters (``数据库`` finds "...的数据库..." and not 数 and 据 apart).

A query is words plus filters (``status:open``, ``tag:billing``, ``customer:@ann`` or
``customer:7001``, ``agent:alice``). Words keep only letters and digits, so the search
engines' own syntax (quotes, ``*``, ``-``, ``NEAR``, ``AND``/``OR``) is never interpreted:
``NEAR`` is searched as the word "near".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from core.domain.values import Status
from core.errors import InvalidInput

MAX_QUERY_LENGTH = 300
MAX_WORDS = 8
MARK_START = "\x02"
"""Starts a matched word in a snippet (never found in indexed text)."""
MARK_END = "\x03"
"""Ends a matched word in a snippet."""

_CJK = (
    "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31a0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
)
_CJK_CHAR = re.compile(f"([{_CJK}])")
_WORD = re.compile(rf"[^\W_]+|[{_CJK}]+")
_SPACES = re.compile(" {2,}")
_FILTER = re.compile(r"^(status|tag|customer|agent):(\S*)$", re.IGNORECASE)

STOP_WORDS = frozenset(
    "a an and are as at be but by for from has have i in is it its of on or so that the "  # noqa: SIM905
    "this to was we were will with you your не и в во на с со что это как а но да по к "
    "у о из за то же ли бы от до".split()
)
"""Words too common to find anything by; a query of only these is refused."""


def index_text(text: str) -> str:
    """Prepare text for the index: no snippet marks, CJK characters set apart by spaces."""
    cleaned = text.replace(MARK_START, " ").replace(MARK_END, " ")
    if not _CJK_CHAR.search(cleaned):
        return cleaned
    return _SPACES.sub(" ", _CJK_CHAR.sub(r" \1 ", cleaned)).strip()


def unmark_spacing(snippet: str) -> str:
    """Undo ``index_text``'s spaces between CJK characters in a snippet."""
    marks = re.escape(MARK_START + MARK_END)
    joined = re.sub(rf"(?<=[{_CJK}{marks}]) (?=[{_CJK}{marks}])", "", snippet)
    # A phrase marked character by character reads as one match.
    return re.sub(rf"(?<=[{_CJK}]){MARK_END}{MARK_START}(?=[{_CJK}])", "", joined).strip()


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed search: words that must all occur, and filters on the tickets.

    Attributes:
        terms: each a word, or a run of CJK characters searched as a phrase; lower case.
        statuses: only tickets in these statuses (empty: any).
        tags: only tickets carrying every one of these tags.
        customer: a customer's Telegram id (digits) or ``@username``.
        agent: the assignee's username.
    """

    terms: tuple[str, ...]
    statuses: tuple[Status, ...] = ()
    tags: tuple[str, ...] = ()
    customer: str | None = None
    agent: str | None = None

    def phrases(self) -> list[str]:
        """Each term as the index spells it: CJK characters apart, words as they are."""
        return [" ".join(index_text(term).split()) for term in self.terms]


def parse_query(raw: str) -> SearchQuery:
    """Read what an agent typed after ``/search``.

    Raises:
        InvalidInput: nothing to search for, only stop words, an unknown status, a filter
            without a value, or a query too long.
    """
    if len(raw) > MAX_QUERY_LENGTH:
        raise InvalidInput(
            f"The search is {len(raw)} characters long; keep it under {MAX_QUERY_LENGTH}."
        )
    terms: list[str] = []
    statuses: list[Status] = []
    tags: list[str] = []
    customer = agent = None
    for token in raw.split():
        found = _FILTER.match(token)
        if found is None:
            terms += [w.casefold() for w in _WORD.findall(unicodedata.normalize("NFKC", token))]
            continue
        name, value = found.group(1).lower(), found.group(2)
        if not value:
            raise InvalidInput(f"“{name}:” needs a value, for example {_EXAMPLES[name]}.")
        if name == "status":
            statuses.append(_status(value))
        elif name == "tag":
            tags.append(normalise_tag(value))
        elif name == "customer":
            customer = value
        else:
            agent = value.lstrip("@")
    meaningful = [t for t in dict.fromkeys(terms) if t not in STOP_WORDS]
    if not meaningful:
        if terms:
            raise InvalidInput("Those words are too common to search for; add a more specific one.")
        raise InvalidInput("Write what to search for, for example: /search printer smoke")
    return SearchQuery(
        tuple(meaningful[:MAX_WORDS]), tuple(statuses), tuple(dict.fromkeys(tags)), customer, agent
    )


_EXAMPLES = {
    "status": "status:open",
    "tag": "tag:billing",
    "customer": "customer:@ann",
    "agent": "agent:alice",
}


def _status(value: str) -> Status:
    try:
        return Status(value.lower())
    except ValueError:
        names = ", ".join(s.value for s in Status)
        raise InvalidInput(f"Unknown status “{value[:20]}”. Use one of: {names}.") from None


TAG_MAX_LENGTH = 32
_TAG = re.compile(r"[^\W_][\w\-]*")


def normalise_tag(raw: str) -> str:
    """Turn what an agent typed into a tag: lower case, letters, digits, ``-`` and ``_``.

    Raises:
        InvalidInput: empty, too long, or with other characters (HTML, spaces, ...).
    """
    tag = unicodedata.normalize("NFKC", raw).strip().lstrip("#").casefold()
    if not tag:
        raise InvalidInput("A tag needs at least one letter or digit.")
    if len(tag) > TAG_MAX_LENGTH:
        raise InvalidInput(f"A tag is at most {TAG_MAX_LENGTH} characters long.")
    if not _TAG.fullmatch(tag):
        raise InvalidInput(
            f"“{tag[:TAG_MAX_LENGTH]}” is not a tag: use letters, digits, - and _ only, "
            "starting with a letter or digit."
        )
    return tag
