"""Telegram's parse modes (HTML, MarkdownV2, Markdown): the text a reader sees, or the
error Telegram gives for malformed markup, a classic way for a bot to break on real
names. The sending methods check their limits against the visible text.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from bot.sandbox.errors import BotApiError, bad_request

HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre",
             "blockquote", "tg-emoji"}


class TelegramHtml(HTMLParser):
    """Telegram's HTML subset: the visible text, or the error Telegram gives for bad markup."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.visible: list[str] = []
        self.open_tags: list[str] = []

    def parse(self) -> str:
        self.feed(self.source)
        self.close()
        if self.open_tags:
            raise entities_error(f'Can\'t find end tag corresponding to start tag "{self.open_tags[-1]}"')
        return "".join(self.visible)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in HTML_TAGS:
            raise entities_error(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        self.open_tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1] != tag:
            expected = f'"</{self.open_tags[-1]}>"' if self.open_tags else "no end tag"
            raise entities_error(f'Unmatched end tag at byte offset {self._byte_offset()}, expected {expected}, '
                                 f'found "</{tag}>"')
        self.open_tags.pop()

    def handle_data(self, data: str) -> None:
        self.visible.append(data)

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        lines = self.source.splitlines(keepends=True)
        return len("".join(lines[:line - 1]).encode()) + len(lines[line - 1][:column].encode())


def entities_error(reason: str) -> BotApiError:
    return bad_request(f"can't parse entities: {reason}")


def markdown_v2_text(text: str) -> str:
    """The visible text of MarkdownV2, refusing unescaped reserved characters as Telegram does.

    Formatting characters are taken as markup without checking that they pair
    up; Telegram is stricter there.
    """
    visible: list[str] = []
    in_code = False
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            visible.append(text[index + 1])
            index += 2
            continue
        if char == "`":
            in_code = not in_code
            index = len(text) - len(text[index:].lstrip("`"))
            continue
        if in_code:
            visible.append(char)
        elif char == "]" and text.startswith("(", index + 1) and ")" in text[index:]:
            index = text.index(")", index)  # a link's URL is not shown
        elif char in "#+-=.!(){}>" and not (char == ">" and (index == 0 or text[index - 1] == "\n")):
            raise entities_error(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        elif char not in "*_~|[]":
            visible.append(char)
        index += 1
    return "".join(visible)


def visible_text(text: str, parse_mode: str | None) -> str:
    """What a reader sees once Telegram has parsed the markup; limits apply to this."""
    mode = (parse_mode or "").lower()
    if not mode:
        return text
    if mode == "html":
        return TelegramHtml(text).parse()
    if mode == "markdownv2":
        return markdown_v2_text(text)
    if mode == "markdown":
        return re.sub(r"[*_`\[\]]", "", text)
    raise bad_request("unsupported parse_mode")
