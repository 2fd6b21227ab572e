"""The Bot API methods for files: sending photos and documents (uploaded, or by a file_id
the sandbox already has) and getFile, whose path the bot then downloads (botapi.py).
"""
from __future__ import annotations

from pathlib import PurePosixPath

from bot.sandbox.api_calls import Params, Upload, method
from bot.sandbox.api_sending import caption, send
from bot.sandbox.errors import NotFound, bad_request
from bot.sandbox.records import StoredFile
from bot.sandbox.state import World


def file_source(world: World, params: Params, name: str) -> StoredFile | Upload:
    """The file to send: a fresh upload or a file_id the sandbox already has."""
    value = params.file(name)
    if value is None:
        raise bad_request(f"there is no {name} in the request")
    if isinstance(value, Upload):
        if not value.data:
            raise bad_request("file must be non-empty")
        return value
    try:
        return world.file(value)
    except NotFound:
        raise bad_request("wrong file identifier/HTTP URL specified") from None


def store_upload(world: World, source: StoredFile | Upload, kind: str) -> StoredFile:
    if isinstance(source, StoredFile):
        return source
    return world.store_file(source.data, kind, source.mime_type, source.file_name)


@method("sendPhoto")
async def send_photo(world: World, params: Params) -> dict:
    chat_id = params.chat_id()
    world.check_can_post(chat_id)
    captioned, parse_mode = caption(params)
    source = file_source(world, params, "photo")

    def content() -> dict:
        # The sandbox does not decode images, so every photo has one size.
        size = {**store_upload(world, source, "photo").describe(), "width": 1280, "height": 720}
        return {"photo": [size], **captioned}

    return await send(world, params, chat_id, content, parse_mode)


@method("sendDocument")
async def send_document(world: World, params: Params) -> dict:
    chat_id = params.chat_id()
    world.check_can_post(chat_id)
    captioned, parse_mode = caption(params)
    source = file_source(world, params, "document")

    def content() -> dict:
        stored = store_upload(world, source, "document")
        name = source.file_name if isinstance(source, Upload) else None
        document = {**stored.describe(), "mime_type": stored.mime_type,
                    "file_name": name or PurePosixPath(stored.file_path).name}
        return {"document": document, **captioned}

    return await send(world, params, chat_id, content, parse_mode)


@method("getFile")
async def get_file(world: World, params: Params) -> dict:
    try:
        stored = world.file(str(params.text("file_id", required=True)))
    except NotFound:
        raise bad_request("invalid file_id") from None
    return {**stored.describe(), "file_path": stored.file_path}
