"""The words a person sent: every text in a message that the safety screen must read.

Telegram carries a person's own words in more places than ``Message.text``: the
caption of a photo, video, GIF, document, voice note or audio file; a poll's
question, options, description and quiz explanation; an option someone adds to
a poll; a checklist's title and tasks. Formatting (bold, a spoiler, ...) lives
in separate entities, so formatted words are already in the text. ``words_of``
gathers them in one place, so the private, group, edited and media handlers all
screen the same thing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from telegram import Message
from telegram.constants import MessageLimit

# What a caption can come with, most specific first (a GIF is also a document),
# and how to name it to the person.
MEDIA = (("animation", "GIF"), ("photo", "photo"), ("video", "video"), ("voice", "voice note"),
         ("audio", "audio file"), ("document", "file"), ("paid_media", "post"))


def bounded(text: str) -> tuple[str, bool]:
    """Text for the screen and the dialogue, cut to Telegram's own limit; True if it was cut."""
    return text[:MessageLimit.MAX_TEXT_LENGTH], len(text) > MessageLimit.MAX_TEXT_LENGTH


@dataclass(frozen=True)
class Words:
    text: str        # bounded to Telegram's limit for a message
    cut: bool        # True if the words were longer and have been cut
    kind: str        # "text", "poll", "checklist", or what a caption came with ("photo", "voice note", ...)
    forwarded: bool  # someone else's words, forwarded by the person

    @property
    def answerable(self) -> bool:
        """Words the dialogue may answer: typed by the person themself."""
        return self.kind == "text" and not self.forwarded

    def labelled(self) -> str:
        """The words as a peer supporter should read them relayed: saying what they came with."""
        label = " ".join(part for part in ("forwarded" if self.forwarded else "",
                                           "" if self.kind == "text" else self.kind) if part)
        return f"[{label}] {self.text}" if label else self.text


def words_of(message: Message) -> Words:
    """All the words in ``message`` (text or caption, poll, checklist), bounded, and whether they were forwarded.

    A forward of the person's own message is still their own words.
    """
    kind = "text"
    parts: list[Optional[str]] = [message.text or message.caption or ""]  # None: a poll's unset description
    if message.caption:
        kind = next((name for attribute, name in MEDIA if getattr(message, attribute, None)), "attachment")
    poll = message.poll
    if poll is not None:
        kind = "poll"
        parts = [poll.question, *(option.text for option in poll.options), poll.description, poll.explanation]
    if message.poll_option_added is not None:
        kind, parts = "poll", [message.poll_option_added.option_text]
    checklist = message.checklist
    if checklist is not None:
        kind, parts = "checklist", [checklist.title, *(task.text for task in checklist.tasks)]
    if message.checklist_tasks_added is not None:
        kind, parts = "checklist", [task.text for task in message.checklist_tasks_added.tasks]
    text, cut = bounded("\n".join(part for part in parts if part))
    return Words(text, cut, kind, forwarded_by_someone_else(message))


def forwarded_by_someone_else(message: Message) -> bool:
    origin = message.forward_origin
    if origin is None:
        return False
    sender = getattr(origin, "sender_user", None)
    return not (sender is not None and message.from_user is not None and sender.id == message.from_user.id)


def has_words(message: Message) -> bool:
    """Whether the message carries any of the person's words (what the handlers route on)."""
    return bool(words_of(message).text)
