"""Telegram-style formatted text: HTML parsing, entities and length limits.

:func:`parse_html` follows the parser of Telegram's server (tdlib ``parse_html``): the same
tags, the same attribute rules and the same error sentences, with byte offsets into the
UTF-8 source. Entity offsets and lengths are counted in UTF-16 code units, as in the Bot API.

One deliberate difference, on by default (``strict=True``): Telegram keeps a bare ``&`` or an
unknown ``&name;`` as literal text, while this parser rejects them. Such text almost always
means a user string was not escaped, which is the bug the tests should catch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.botapi.errors import bad_request

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

ENTITY_TYPE_BY_TAG = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
}
SUPPORTED_TAGS = frozenset({*ENTITY_TYPE_BY_TAG, "a", "tg-emoji", "blockquote"})
NAMED_CHARACTERS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
MAX_CODE_POINT = 0x10FFFF
WHITESPACE = " \t\r\n\f\v"


class HtmlParseError(ValueError):
    """The HTML is malformed; the message is Telegram's reason (without the prefix)."""


@dataclass(frozen=True)
class FormattedText:
    """Visible text plus the entities Telegram computed for it.

    Attributes:
        text: The text as the recipient sees it (tags removed, character references decoded).
        entities: Bot API MessageEntity objects, offsets and lengths in UTF-16 code units.
    """

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    expandable: bool = False


def utf16_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (how the Bot API measures entities)."""
    return len(text.encode("utf-16-le")) // 2


def formatted_text(
    text: str,
    *,
    parse_mode: str | None,
    entities: list[Any] | None,
    strict: bool = True,
) -> FormattedText:
    """Apply ``parse_mode`` (or explicit ``entities``) the way Telegram does before sending.

    Markdown modes are accepted but not parsed: the text is kept as it is.

    Raises:
        ApiError: 400 ``can't parse entities: ...`` or ``unsupported parse_mode``.
    """
    if not parse_mode:
        return FormattedText(text, list(entities or []))
    mode = parse_mode.lower()
    if mode == "html":
        try:
            return parse_html(text, strict=strict)
        except HtmlParseError as error:
            raise bad_request(f"can't parse entities: {error}") from None
    if mode in {"markdown", "markdownv2"}:
        return FormattedText(text)
    raise bad_request("unsupported parse_mode")


def check_text_length(formatted: FormattedText) -> None:
    """Refuse message text that is empty or longer than Telegram allows.

    Raises:
        ApiError: 400 ``message text is empty`` or ``message is too long``.
    """
    if not formatted.text.strip():
        raise bad_request("message text is empty")
    if len(formatted.text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")


def check_caption_length(formatted: FormattedText) -> None:
    """Refuse a caption longer than Telegram allows.

    Raises:
        ApiError: 400 ``message caption is too long``.
    """
    if len(formatted.text) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")


def parse_html(source: str, *, strict: bool = True) -> FormattedText:
    """Parse Telegram HTML into visible text and entities.

    Args:
        source: The HTML the bot sent.
        strict: Also reject a bare ``&`` and unknown ``&name;`` references (see module doc).

    Raises:
        HtmlParseError: The markup is malformed; the message names the reason and byte offset.
    """
    return _HtmlParser(source, strict=strict).parse()


class _HtmlParser:
    """One pass over the source, building visible text and entities as tags close."""

    def __init__(self, source: str, *, strict: bool) -> None:
        self.source = source
        self.strict = strict
        self.position = 0
        self.visible: list[str] = []
        self.utf16_offset = 0
        self.open_tags: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def parse(self) -> FormattedText:
        source = self.source
        while self.position < len(source):
            character = source[self.position]
            if character == "&":
                self._text_reference()
            elif character == "<":
                if self._peek(1) == "/":
                    self._end_tag()
                else:
                    self._start_tag()
            else:
                self._append(character)
                self.position += 1
        if self.open_tags:
            name = self.open_tags[-1].name
            raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return FormattedText("".join(self.visible), self.entities)

    def _peek(self, ahead: int = 0) -> str:
        index = self.position + ahead
        return self.source[index] if index < len(self.source) else ""

    def _byte_offset(self, index: int) -> int:
        return len(self.source[:index].encode("utf-8"))

    def _append(self, text: str) -> None:
        self.visible.append(text)
        self.utf16_offset += utf16_length(text)

    def _text_reference(self) -> None:
        begin = self.position
        decoded, end = decode_character_reference(self.source, begin)
        if decoded is None:
            if self.strict:
                raise HtmlParseError(self._reference_error(begin))
            decoded, end = "&", begin + 1
        self._append(decoded)
        self.position = end

    def _reference_error(self, begin: int) -> str:
        end = begin + 1
        while end < len(self.source) and (self.source[end].isalnum() or self.source[end] == "#"):
            end += 1
        if end < len(self.source) and self.source[end] == ";" and end > begin + 1:
            name = self.source[begin : end + 1]
            return f'Unsupported HTML entity "{name}" at byte offset {self._byte_offset(begin)}'
        return f'Unescaped "&" at byte offset {self._byte_offset(begin)}: use &amp;'

    def _skip_spaces(self) -> None:
        while self._peek() and self._peek() in WHITESPACE:
            self.position += 1

    def _start_tag(self) -> None:
        begin = self.position
        begin_bytes = self._byte_offset(begin)
        self.position += 1
        while self._peek() and self._peek() not in WHITESPACE and self._peek() != ">":
            self.position += 1
        if not self._peek():
            raise HtmlParseError(f"Unclosed start tag at byte offset {begin_bytes}")
        name = self.source[begin + 1 : self.position].lower()
        if name not in SUPPORTED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {begin_bytes}')
        tag = _OpenTag(name, "", self.utf16_offset)
        while self._peek() != ">":
            self._attribute(tag, begin_bytes)
        self.position += 1
        if name == "span" and tag.argument != "spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {begin_bytes}'
            )
        self.open_tags.append(tag)

    def _attribute(self, tag: _OpenTag, begin_bytes: int) -> None:
        self._skip_spaces()
        if self._peek() == ">":
            return
        if not self._peek():
            raise HtmlParseError(f"Unclosed start tag at byte offset {begin_bytes}")
        name_begin = self.position
        while self._peek() and self._peek() not in WHITESPACE and self._peek() not in "=>":
            self.position += 1
        attribute = self.source[name_begin : self.position].lower()
        if not attribute:
            raise HtmlParseError(
                f'Empty attribute name in the tag "{tag.name}" at byte offset {begin_bytes}'
            )
        self._skip_spaces()
        if self._peek() != "=":
            if tag.name == "blockquote" and attribute == "expandable":
                tag.expandable = True
                return
            raise HtmlParseError(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{tag.name}" at byte offset {begin_bytes}'
            )
        self.position += 1
        self._skip_spaces()
        if not self._peek():
            raise HtmlParseError(f'Unclosed start tag "{tag.name}" at byte offset {begin_bytes}')
        value = self._attribute_value()
        if not self._peek():
            raise HtmlParseError(f"Unclosed start tag at byte offset {begin_bytes}")
        self._apply_attribute(tag, attribute, value)

    def _attribute_value(self) -> str:
        quote = self._peek()
        if quote not in {"'", '"'}:
            token_begin = self.position
            while self._peek() and (self._peek().isalnum() or self._peek() in ".-"):
                self.position += 1
            if self._peek() and self._peek() not in WHITESPACE and self._peek() != ">":
                raise HtmlParseError(
                    f"Unexpected end of name token at byte offset {self._byte_offset(token_begin)}"
                )
            return self.source[token_begin : self.position].lower()
        self.position += 1
        value: list[str] = []
        while self._peek() and self._peek() != quote:
            decoded, end = decode_character_reference(self.source, self.position)
            if decoded is None:
                # Telegram keeps such an "&" literally; URLs in href are full of them.
                decoded, end = self._peek(), self.position + 1
            value.append(decoded)
            self.position = end
        if self._peek() == quote:
            self.position += 1
        return "".join(value)

    @staticmethod
    def _apply_attribute(tag: _OpenTag, attribute: str, value: str) -> None:
        if tag.name == "a" and attribute == "href":
            tag.argument = value
        elif tag.name == "code" and attribute == "class" and value.startswith("language-"):
            tag.argument = value.removeprefix("language-")
        elif tag.name == "span" and attribute == "class" and value.startswith("tg-"):
            tag.argument = value.removeprefix("tg-")
        elif tag.name == "tg-emoji" and attribute == "emoji-id":
            tag.argument = value

    def _end_tag(self) -> None:
        begin = self.position
        begin_bytes = self._byte_offset(begin)
        if not self.open_tags:
            raise HtmlParseError(f"Unexpected end tag at byte offset {begin_bytes}")
        self.position += 2
        while self._peek() and self._peek() not in WHITESPACE and self._peek() != ">":
            self.position += 1
        end_name = self.source[begin + 2 : self.position].lower()
        self._skip_spaces()
        if self._peek() != ">":
            raise HtmlParseError(f"Unclosed end tag at byte offset {begin_bytes}")
        self.position += 1
        tag = self.open_tags.pop()
        if end_name and end_name != tag.name:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {begin_bytes}, expected "</{tag.name}>", '
                f'found "</{end_name}>"'
            )
        self._close(tag)

    def _close(self, tag: _OpenTag) -> None:
        length = self.utf16_offset - tag.utf16_offset
        entity: dict[str, Any] = {"type": "", "offset": tag.utf16_offset, "length": length}
        if tag.name == "a":
            if not tag.argument:
                return
            entity.update(type="text_link", url=tag.argument)
        elif tag.name == "tg-emoji":
            if not tag.argument.isdigit() or int(tag.argument) == 0:
                raise HtmlParseError("Invalid custom emoji identifier specified")
            entity.update(type="custom_emoji", custom_emoji_id=tag.argument)
        elif tag.name == "blockquote":
            entity["type"] = "expandable_blockquote" if tag.expandable else "blockquote"
        else:
            entity["type"] = ENTITY_TYPE_BY_TAG[tag.name]
            if tag.name == "code" and tag.argument:
                entity["language"] = tag.argument
            if tag.name == "pre":
                self._absorb_inner_code(entity)
        if length > 0:
            self.entities.append(entity)

    def _absorb_inner_code(self, pre: dict[str, Any]) -> None:
        """``<pre><code class="language-x">`` is one pre entity with a language."""
        for index, inner in enumerate(self.entities):
            same_span = inner["offset"] == pre["offset"] and inner["length"] == pre["length"]
            if inner["type"] == "code" and same_span:
                if "language" in inner:
                    pre["language"] = inner["language"]
                del self.entities[index]
                return


def decode_character_reference(source: str, begin: int) -> tuple[str | None, int]:
    """Decode ``&lt;``, ``&gt;``, ``&amp;``, ``&quot;``, ``&#NN;`` or ``&#xHH;`` at ``begin``.

    Like Telegram, the closing ``;`` may be missing.

    Returns:
        The character and the index after the reference, or ``(None, begin)`` when the ``&``
        does not start a supported reference.
    """
    end = begin + 1
    if source[end : end + 1] == "#":
        end += 1
        hexadecimal = source[end : end + 1] in {"x", "X"}
        end += hexadecimal
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        digits_begin = end
        while end < len(source) and source[end] in digits:
            end += 1
        if end == digits_begin or end - begin >= 10:
            return None, begin
        code_point = int(source[digits_begin:end], 16 if hexadecimal else 10)
        if code_point == 0 or code_point >= MAX_CODE_POINT or 0xD800 <= code_point <= 0xDFFF:
            return None, begin
        character = chr(code_point)
    else:
        while end < len(source) and source[end].isascii() and source[end].isalpha():
            end += 1
        named = NAMED_CHARACTERS.get(source[begin + 1 : end])
        if named is None:
            return None, begin
        character = named
    if source[end : end + 1] == ";":
        end += 1
    return character, end
