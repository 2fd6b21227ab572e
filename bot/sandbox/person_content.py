"""What a person's message carries: text, media, a poll, a caption, and the entities on
its words, those Telegram adds (a leading command, mentions of the bot) and those the
person gives (bold, links, ...).

Built and checked here, apart from the world, so the rules for each kind of message
sit in one place; the world (world_messages.py) stores the result and tells the bot.
"""
from __future__ import annotations

import base64
import copy
import re
from typing import Callable, TypeGuard

from bot.sandbox.errors import SandboxError
from bot.sandbox.records import StoredFile

MESSAGE_KINDS = ("text", "sticker", "photo", "voice", "audio", "document", "video", "animation", "poll")
# Kinds a person's message can carry a caption on (and have it edited).
CAPTIONED_KINDS = ("photo", "voice", "audio", "document", "video", "animation")
# Formatting a person can give their words (Telegram sends it as entities beside the text).
FORMATTING_ENTITIES = ("bold", "italic", "underline", "strikethrough", "spoiler", "code", "pre", "blockquote",
                       "expandable_blockquote", "text_link")
# sendPoll's limits (Bot API 10.0), which hold for a person's poll too.
POLL_QUESTION_LENGTH = (1, 300)
POLL_OPTION_LENGTH = (1, 100)
POLL_OPTIONS = (1, 12)

# A 1x1 light-blue PNG, so a person's "photo" is a real image the page can show.
PLACEHOLDER_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGOYf/QFAARTAk2eJXmXAAAAAElFTkSuQmCC"
)
# What a person's non-text message carries: MIME type, bytes, and the fields
# Telegram's object for that kind requires besides the file ids.
PERSON_MEDIA: dict[str, tuple[str, bytes, dict]] = {
    "photo": ("image/png", PLACEHOLDER_PNG, {"width": 1, "height": 1}),
    "sticker": ("image/webp", b"sandbox sticker", {"width": 512, "height": 512, "is_animated": False,
                                                    "is_video": False, "type": "regular", "emoji": "\U0001f642"}),
    "voice": ("audio/ogg", b"sandbox voice note", {"duration": 3, "mime_type": "audio/ogg"}),
    "video": ("video/mp4", b"sandbox video", {"width": 640, "height": 360, "duration": 5, "mime_type": "video/mp4"}),
    "audio": ("audio/mpeg", b"sandbox audio", {"duration": 4, "mime_type": "audio/mpeg", "file_name": "audio.mp3"}),
    # Telegram also sets "document" on a GIF, for clients that predate animations.
    "animation": ("video/mp4", b"sandbox animation", {"width": 320, "height": 240, "duration": 2,
                                                      "mime_type": "video/mp4", "file_name": "animation.mp4"}),
    "document": ("text/plain", b"sandbox document\n", {"file_name": "document.txt", "mime_type": "text/plain"}),
}


def utf16_length(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def person_content(kind: str, text: str | None, caption: str | None, question: str | None,
                   options: list[str] | None, *, bot_mention: re.Pattern[str],
                   store_file: Callable[[bytes, str, str, str | None], StoredFile],
                   poll_number: Callable[[], int]) -> dict:
    """A person's message of ``kind``, as Telegram would carry it; its media is stored with
    ``store_file``, and a poll is numbered by ``poll_number``."""
    if kind not in MESSAGE_KINDS:
        raise SandboxError(f"kind must be one of {', '.join(MESSAGE_KINDS)}, not {kind!r}")
    if (question is not None or options is not None) and kind != "poll":
        raise SandboxError("only a poll has a question and options")
    if kind == "text":
        if not text or caption is not None:
            raise SandboxError("a text message needs text (and has no caption)")
        return {"text": text, **marked_entities("entities", text, bot_mention)}
    if text is not None:
        raise SandboxError(f"a {kind} message has no text; give a caption instead")
    if kind == "poll":
        if caption is not None:
            raise SandboxError("a poll has no caption; give a question and options")
        return {"poll": new_poll(question, options, poll_number)}
    if caption is not None and kind not in CAPTIONED_KINDS:
        raise SandboxError(f"a {kind} has no caption")
    mime_type, data, fields = PERSON_MEDIA[kind]
    stored = store_file(data, kind, mime_type, fields.get("file_name"))
    media = {**stored.describe(), **fields}
    content: dict = {kind: [media] if kind == "photo" else media}
    if kind == "animation":
        content["document"] = {**stored.describe(), "file_name": fields["file_name"],
                               "mime_type": fields["mime_type"]}
    if caption:
        content.update({"caption": caption, **marked_entities("caption_entities", caption, bot_mention)})
    return content


def new_poll(question: str | None, options: list[str] | None, poll_number: Callable[[], int]) -> dict:
    """A new regular poll as Telegram shows it in a Message: no votes yet, open, anonymous."""
    within = lambda value, bounds: bounds[0] <= len(value) <= bounds[1]  # noqa: E731
    if not isinstance(question, str) or not within(question, POLL_QUESTION_LENGTH):
        raise SandboxError("a poll needs a question of %d-%d characters" % POLL_QUESTION_LENGTH)
    if not isinstance(options, list) or not within(options, POLL_OPTIONS) or not all(
            isinstance(option, str) and within(option, POLL_OPTION_LENGTH) for option in options):
        raise SandboxError("a poll needs %d-%d options" % POLL_OPTIONS
                           + ", each of %d-%d characters" % POLL_OPTION_LENGTH)
    poll_id = str(poll_number() + 5_000_000_000_000_000)
    return {"id": poll_id, "question": question,
            "options": [{"persistent_id": f"{poll_id}-{index}", "text": option, "voter_count": 0}
                        for index, option in enumerate(options)],
            "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular",
            "allows_multiple_answers": False, "allows_revoting": True, "members_only": False}


def is_whole_number(value: object) -> TypeGuard[int]:
    """An int given as one in JSON (``true`` is an int to Python, not to Telegram)."""
    return isinstance(value, int) and not isinstance(value, bool)


def add_formatting(content: dict, entities: list[dict]) -> None:
    """Formatting entities a person gave their text or caption, merged in offset order as Telegram sends them."""
    key, entities_key = ("text", "entities") if "text" in content else ("caption", "caption_entities")
    if key not in content:
        raise SandboxError("entities format a text or a caption; this message has neither")
    limit = utf16_length(content[key])
    for entity in entities:
        if not isinstance(entity, dict) or entity.get("type") not in FORMATTING_ENTITIES:
            raise SandboxError(f"each entity needs a type out of {', '.join(FORMATTING_ENTITIES)}")
        offset, length = entity.get("offset"), entity.get("length")
        if not (is_whole_number(offset) and is_whole_number(length)) \
                or offset < 0 or length < 1 or offset + length > limit:
            raise SandboxError(f"entity {entity} must lie within the {key} ({limit} UTF-16 units)")
        if entity["type"] == "text_link" and not isinstance(entity.get("url"), str):
            raise SandboxError("a text_link entity needs a url")
    merged = [*content.get(entities_key, []), *(copy.deepcopy(entity) for entity in entities)]
    content[entities_key] = sorted(merged, key=lambda entity: (entity["offset"], -entity["length"]))


def marked_entities(key: str, text: str, bot_mention: re.Pattern[str]) -> dict:
    """A command at the start and mentions of the bot (``bot_mention``), as Telegram marks them."""
    entities = []
    command = re.match(r"/\w+(@\w+)?", text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_length(command.group())})
    for mention in bot_mention.finditer(text):
        if not command or mention.start() >= command.end():
            entities.append({"type": "mention", "offset": utf16_length(text[:mention.start()]),
                             "length": utf16_length(mention.group())})
    return {key: entities} if entities else {}
