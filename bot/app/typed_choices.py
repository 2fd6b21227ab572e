"""Typing instead of pressing: how a message lists its buttons for those who type, and
which button typed text stands for.

Telegram's apps have open screen-reader bugs with inline buttons, so every button
the bot shows can be typed: its number (when the choices are numbered) or its
title. The same two functions word the hint and read the answer, so what the
message promises is exactly what typing does.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Optional

from bot.app.replies import Button, Reply
from bot.i18n import N_, say

# A number typed after a command stands for a row (a case, a session, a suggestion): longer
# than this it is none of ours, and would not fit the database's integers.
MAX_TYPED_NUMBER = 12


def typed_number(word: str, marked: bool = False) -> Optional[int]:
    """The number a button's typed command names ("/claim 12"), or None; ``marked``: also
    "#12", as case numbers are shown on cards."""
    digits = word.lstrip("#") if marked else word
    return int(digits) if digits.isdigit() and len(word) <= MAX_TYPED_NUMBER else None


def typed_word(text: str) -> str:
    """Typed text as compared with a choice: case, spaces and end punctuation aside."""
    return " ".join(text.split()).strip(".!").casefold()


def numbered(choices: list[Button]) -> bool:
    """Choices are typed by number unless a title is a number itself ("6" places): then
    "6" could mean either, so titles alone are typed."""
    return not any(typed_word(title).isdigit() for title, _ in choices)


def self_numbered(choices: list[Button]) -> bool:
    """Titles that start with their own number ("1 😞" ... "5 😄"): the hint says "1 to 5"."""
    return all(typed_word(title).split(" ")[0] == str(n) for n, (title, _) in enumerate(choices, start=1))


def first_word(title: str) -> str:
    return typed_word(title).split(" ")[0].strip(",;:")


def choice_for(choices: list[Button], text: str) -> Optional[str]:
    """The data of the button that typed ``text`` stands for, if any: its number (when
    numbered), its title, or the title's first word when no other choice shares it
    ("yes" for "Yes, I agree", "send" for "Send for review")."""
    word = typed_word(text)
    if numbered(choices) and word.isdigit() and 1 <= int(word) <= len(choices):
        return choices[int(word) - 1][1]
    exact = next((data for title, data in choices if typed_word(title) == word), None)
    starting = [data for title, data in choices if first_word(title) == word]
    return exact or (starting[0] if len(starting) == 1 else None)


def hint(choices: list[Button], cancel: bool = False, language: Optional[str] = None) -> str:
    """The line telling someone who types what they can type (in their language)."""
    if not choices:
        return say(language, N_("(Type cancel to stop.)")) if cancel else ""
    if numbered(choices) and self_numbered(choices):
        return say(language, N_("Or type 1 to {last}, or cancel.") if cancel else N_("Or type 1 to {last}."),
                   last=len(choices))
    if numbered(choices):
        listed = ", ".join(f"{n} ({title})" for n, (title, _) in enumerate(choices, start=1))
        return say(language, N_("Or type {choices}, or cancel.") if cancel else N_("Or type {choices}."),
                   choices=listed)
    titles = ", ".join(title for title, _ in choices)
    return say(language, N_("Or type one of: {choices}; or cancel.") if cancel else N_("Or type one of: {choices}."),
               choices=titles)


def with_hint(reply: Reply, language: Optional[str] = None) -> Reply:
    """The reply with a line saying how to type each of its buttons instead."""
    choices = [button for row in reply.buttons for button in row]
    return replace(reply, text=f"{reply.text}\n\n{hint(choices, language=language)}") if choices else reply
