"""The sandbox, a local stand-in for Telegram: the real python-telegram-bot ``Bot``
drives its Bot API, plain HTTP drives its control API, and each test states one
thing the sandbox does as Telegram would."""
from __future__ import annotations

import asyncio
import re
import time
from typing import AsyncIterator, Awaitable, Callable

import httpx
import pytest
import pytest_asyncio
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    ChatPermissions,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler
from telegram.request import HTTPXRequest

from bot.sandbox.errors import SandboxError
from bot.sandbox.server import Sandbox

BOT_NAME = "peerbot_sandbox_bot"


@pytest_asyncio.fixture
async def make_sandbox() -> AsyncIterator[Callable[..., Awaitable[Sandbox]]]:
    """Start sandboxes with the given options on free ports; all are stopped after the test."""
    running: list[Sandbox] = []

    async def make(**options: bool) -> Sandbox:
        sandbox = Sandbox(**options)
        await sandbox.start()
        running.append(sandbox)
        return sandbox

    yield make
    for sandbox in running:
        await sandbox.stop()


@pytest_asyncio.fixture
async def sandbox(make_sandbox) -> Sandbox:
    return await make_sandbox()


def ptb_bot(sandbox: Sandbox, **request_options: float) -> Bot:
    """PTB's Bot pointed at the sandbox; ``request_options`` go to its HTTPXRequest (timeouts, pool size)."""
    request = HTTPXRequest(**request_options) if request_options else None
    return Bot(sandbox.token, base_url=sandbox.api_base_url, base_file_url=sandbox.file_base_url, request=request)


@pytest_asyncio.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    async with ptb_bot(sandbox) as bot:
        yield bot


@pytest_asyncio.fixture
async def control(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{sandbox.url}/sandbox") as client:
        yield client


def started(sandbox: Sandbox, name: str = "Sam") -> dict:
    """A person who has opened a private chat with the bot."""
    user = sandbox.add_user(name)
    sandbox.send(user["id"], user["id"], "/start")
    return user


async def drain(bot: Bot) -> tuple[Update, ...]:
    """Every waiting update, confirmed so the next call sees only newer ones."""
    updates = await bot.get_updates(timeout=0)
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return updates


def refused(error: type[Exception], description: str):
    """Expect Telegram's ``description``; PTB re-capitalises descriptions, so case is ignored."""
    return pytest.raises(error, match=re.compile(re.escape(description), re.IGNORECASE))


def keyboard(*callback_data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(data.title(), callback_data=data) for data in callback_data]])


# --- the Bot API as PTB sees it ----------------------------------------------------------------


async def test_get_me_describes_the_bot_and_whether_it_reads_all_group_messages(bot, sandbox):
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, BOT_NAME)
    assert me.can_join_groups and me.can_read_all_group_messages and not me.supports_inline_queries
    sandbox.bot_user["can_read_all_group_messages"] = False
    assert not (await bot.get_me()).can_read_all_group_messages


async def test_a_wrong_token_is_unauthorized_and_an_unknown_method_is_not_found(sandbox):
    async with httpx.AsyncClient() as client:
        wrong = await client.post(f"{sandbox.url}/bot999:WRONG/getMe")
        unknown = await client.post(f"{sandbox.api_base_url}{sandbox.token}/sendPigeon")
    assert (wrong.status_code, wrong.json()) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    assert (unknown.status_code, unknown.json()) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=sandbox.api_base_url):
            pass


async def test_json_bodies_and_get_query_strings_are_accepted_like_form_posts(sandbox):
    user = started(sandbox)
    api = f"{sandbox.api_base_url}{sandbox.token}"
    async with httpx.AsyncClient() as client:
        sent = (await client.post(f"{api}/sendMessage", json={"chat_id": user["id"], "text": "hi",
                                                               "reply_markup": {"inline_keyboard": []}})).json()
        chat = (await client.get(f"{api}/getChat", params={"chat_id": user["id"]})).json()
    assert sent["ok"] and sent["result"]["text"] == "hi" and sent["result"]["from"]["is_bot"]
    assert chat["result"]["first_name"] == "Sam"


# --- updates ---------------------------------------------------------------------------------


async def test_a_persons_message_arrives_as_an_update_with_command_and_mention_entities(bot, sandbox):
    user = sandbox.add_user("Sam", username="sam")
    sandbox.send(user["id"], user["id"], f"/help@{BOT_NAME} \U0001f642 hello @{BOT_NAME}")
    (update,) = await drain(bot)
    message = update.message
    assert message.from_user.username == "sam" and message.chat.type == "private"
    assert list(message.parse_entities().values()) == [f"/help@{BOT_NAME}", f"@{BOT_NAME}"], \
        "offsets count UTF-16 code units, so the emoji before the mention counts twice"


async def test_get_updates_waits_for_a_message_and_returns_as_soon_as_one_arrives(bot, sandbox):
    user = sandbox.add_user("Sam")
    asyncio.get_running_loop().call_later(0.2, sandbox.send, user["id"], user["id"], "hello")
    began = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    assert [u.message.text for u in updates] == ["hello"]
    assert time.monotonic() - began < 2


async def test_confirmed_updates_are_dropped_and_unconfirmed_ones_delivered_again(bot, sandbox):
    user = sandbox.add_user("Sam")
    for text in ("one", "two", "three"):
        sandbox.send(user["id"], user["id"], text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in await bot.get_updates()] == ["one", "two", "three"], "nothing confirmed yet"
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest] == ["three"]
    assert [u.update_id for u in rest] == [first[-1].update_id + 1], "update ids increase by one"


def test_a_sandbox_started_again_never_reuses_an_update_id_so_a_bot_that_kept_its_records_answers_newcomers():
    from bot.sandbox.state import World

    before = World()
    user = before.add_user("Sam")
    before.send(user["id"], user["id"], "/start")
    later = World()
    newcomer = later.add_user("Alex")
    later.send(newcomer["id"], newcomer["id"], "/start")
    assert later.pending[0]["update_id"] > before.pending[-1]["update_id"]


async def test_allowed_updates_filters_the_updates_created_after_the_call(bot, sandbox):
    user = started(sandbox)
    await drain(bot)
    await bot.get_updates(allowed_updates=["callback_query"])
    sandbox.send(user["id"], user["id"], "not wanted")
    assert await bot.get_updates() == ()
    await bot.get_updates(allowed_updates=[])
    sandbox.send(user["id"], user["id"], "wanted again")
    assert [u.message.text for u in await bot.get_updates()] == ["wanted again"]


async def test_a_second_poller_terminates_the_first_with_a_conflict(sandbox):
    async with ptb_bot(sandbox) as first, ptb_bot(sandbox) as second:
        waiting = asyncio.create_task(first.get_updates(timeout=5))
        await asyncio.sleep(0.2)
        await second.get_updates(timeout=0)
        with refused(Conflict, "terminated by other getUpdates request"):
            await waiting


# --- who the bot may write to ------------------------------------------------------------------


async def test_a_bot_cannot_message_a_user_who_never_started_it(bot, sandbox):
    stranger = sandbox.add_user("Nic")
    with refused(Forbidden, "bot can't initiate conversation with a user"):
        await bot.send_message(stranger["id"], "hello")
    sandbox.send(stranger["id"], stranger["id"], "/start")
    assert (await bot.send_message(stranger["id"], "hello")).text == "hello"


async def test_a_bot_cannot_message_an_unknown_chat(bot):
    with refused(BadRequest, "chat not found"):
        await bot.send_message(424242, "hello")
    with refused(BadRequest, "chat not found"):
        await bot.send_message(-100999, "hello")


async def test_a_bot_that_left_or_was_kicked_from_a_group_cannot_post_there(bot, sandbox):
    group = sandbox.add_group("Walkers")
    sandbox.set_bot_status(group["id"], "left")
    with refused(Forbidden, "bot is not a member of the supergroup chat"):
        await bot.send_message(group["id"], "hello")
    sandbox.set_bot_status(group["id"], "kicked")
    with refused(Forbidden, "bot was kicked from the supergroup chat"):
        await bot.send_message(group["id"], "hello")


async def test_an_empty_or_too_long_message_is_refused(bot, sandbox):
    user = started(sandbox)
    with refused(BadRequest, "message text is empty"):
        await bot.send_message(user["id"], "   ")
    with refused(BadRequest, "message is too long"):
        await bot.send_message(user["id"], "x" * 4097)
    assert await bot.send_message(user["id"], "x" * 4096)


async def test_markup_is_checked_like_telegram_and_limits_apply_to_the_visible_text(bot, sandbox):
    user = started(sandbox)
    with refused(BadRequest, 'Unsupported start tag "br" at byte offset 4'):
        await bot.send_message(user["id"], "line<br>line", parse_mode="HTML")
    with refused(BadRequest, 'Can\'t find end tag corresponding to start tag "b"'):
        await bot.send_message(user["id"], "<b>bold", parse_mode="HTML")
    with refused(BadRequest, "Character '.' is reserved and must be escaped with the preceding '\\'"):
        await bot.send_message(user["id"], "See you at 10.30!", parse_mode="MarkdownV2")
    sent = await bot.send_message(user["id"], "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert sent.text.startswith("<b>"), "the text is kept as sent, markup and all"
    assert await bot.send_message(user["id"], r"See you at 10\.30\! *bold* [link](https://x.org)",
                                  parse_mode="MarkdownV2")
    assert sandbox.messages(user["id"])[-2]["parse_mode"] == "HTML"


async def test_callback_data_longer_than_64_bytes_is_refused(bot, sandbox):
    user = started(sandbox)
    with refused(BadRequest, "BUTTON_DATA_INVALID"):
        await bot.send_message(user["id"], "pick", reply_markup=keyboard("x" * 65))


# --- rate limits -----------------------------------------------------------------------------


async def test_the_21st_message_to_a_group_within_a_minute_gets_429_with_retry_after(bot, sandbox):
    group = sandbox.add_group("Walkers")
    for number in range(20):
        await bot.send_message(group["id"], f"message {number}")
    with pytest.raises(RetryAfter) as limited:
        await bot.send_message(group["id"], "one too many")
    assert 59 <= limited.value.retry_after <= 60
    assert sandbox.stats["rate_limited"] == 1 and sandbox.stats["sent"] == 20


async def test_more_than_30_messages_a_second_get_429_until_a_slot_frees(bot, sandbox):
    users = [started(sandbox, f"Person {n}") for n in range(35)]
    async with ptb_bot(sandbox, connection_pool_size=35) as broadcaster:
        results = await asyncio.gather(*(broadcaster.send_message(u["id"], "news") for u in users),
                                       return_exceptions=True)
    limited = [r for r in results if isinstance(r, RetryAfter)]
    assert len(limited) == 5 and all(r.retry_after == 1 for r in limited)
    async with httpx.AsyncClient() as client:
        body = (await client.post(f"{sandbox.api_base_url}{sandbox.token}/sendMessage",
                                  data={"chat_id": users[0]["id"], "text": "again"})).json()
    assert body == {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1}}
    await asyncio.sleep(1.05)
    assert await bot.send_message(users[0]["id"], "a slot freed up")


async def test_no_limits_are_enforced_when_enforce_limits_is_false(make_sandbox):
    sandbox = await make_sandbox(enforce_limits=False)
    group = sandbox.add_group("Walkers")
    async with ptb_bot(sandbox, connection_pool_size=40) as bot:
        await asyncio.gather(*(bot.send_message(group["id"], "hi") for _ in range(40)))
    assert sandbox.stats["sent"] == 40 and sandbox.stats["rate_limited"] == 0


# --- messages, buttons, edits ---------------------------------------------------------------------


async def test_a_pressed_inline_button_arrives_as_a_callback_query_and_its_answer_is_recorded(bot, sandbox):
    user = started(sandbox)
    question = await bot.send_message(user["id"], "Ready?", reply_markup=keyboard("yes", "no"))
    await drain(bot)
    query_id = sandbox.press(user["id"], question.message_id, user["id"], "yes")
    (update,) = await drain(bot)
    query = update.callback_query
    assert (query.id, query.data, query.from_user.id) == (query_id, "yes", user["id"])
    assert query.chat_instance and query.message.message_id == question.message_id
    assert query.message.reply_markup == keyboard("yes", "no")
    await query.answer("Noted", show_alert=True)
    assert sandbox.callback_answers[query_id] == {"text": "Noted", "show_alert": True}
    with refused(BadRequest, "query is too old"):
        await query.answer("again")


async def test_a_person_can_only_press_buttons_the_message_has(sandbox, bot):
    user = started(sandbox)
    question = await bot.send_message(user["id"], "Ready?", reply_markup=keyboard("yes"))
    with pytest.raises(SandboxError, match=r"no inline button with callback_data 'maybe'; it has \['yes'\]"):
        sandbox.press(user["id"], question.message_id, user["id"], "maybe")


async def test_editing_text_without_a_keyboard_removes_it_and_a_no_op_edit_is_refused(bot, sandbox):
    user = started(sandbox)
    question = await bot.send_message(user["id"], "Ready?", reply_markup=keyboard("yes"))
    edited = await bot.edit_message_text("Thanks!", user["id"], question.message_id)
    assert edited.edit_date and edited.reply_markup is None
    record = sandbox.messages(user["id"])[-1]
    assert record["text"] == "Thanks!" and "reply_markup" not in record and record["edit_date"]
    with refused(BadRequest, "message is not modified"):
        await bot.edit_message_text("Thanks!", user["id"], question.message_id)
    with refused(BadRequest, "message can't be edited"):
        await bot.edit_message_text("hijacked", user["id"], 1)
    retired = await bot.send_message(user["id"], "Pick", reply_markup=keyboard("a"))
    await bot.edit_message_reply_markup(user["id"], retired.message_id, reply_markup=None)
    assert "reply_markup" not in sandbox.messages(user["id"])[-1]


async def test_deleted_messages_stay_in_the_record_flagged_but_cannot_be_edited_again(bot, sandbox):
    user = started(sandbox)
    sent = await bot.send_message(user["id"], "oops")
    assert await bot.delete_message(user["id"], sent.message_id)
    assert sandbox.messages(user["id"])[-1]["deleted"] is True
    with refused(BadRequest, "message to edit not found"):
        await bot.edit_message_text("fixed", user["id"], sent.message_id)
    with refused(BadRequest, "message to delete not found"):
        await bot.delete_message(user["id"], sent.message_id)


async def test_a_reply_keyboard_is_kept_for_the_page_but_the_bot_sees_only_inline_keyboards(bot, sandbox):
    user = started(sandbox)
    sent = await bot.send_message(user["id"], "How are you?", reply_markup=ReplyKeyboardMarkup([["Good", "Bad"]]))
    assert sent.reply_markup is None
    assert sandbox.bot_messages(user["id"])[-1]["reply_markup"]["keyboard"] == [[{"text": "Good"}, {"text": "Bad"}]]


async def test_replies_quote_the_original_and_replying_to_a_missing_message_is_refused(bot, sandbox):
    user = started(sandbox)
    answer = await bot.send_message(user["id"], "Got it", reply_to_message_id=1)
    assert answer.reply_to_message.text == "/start"
    with refused(BadRequest, "message to be replied not found"):
        await bot.send_message(user["id"], "Got it", reply_to_message_id=99)
    assert await bot.send_message(user["id"], "Got it", reply_to_message_id=99, allow_sending_without_reply=True)
    sandbox.send(user["id"], user["id"], "and you?", reply_to_message_id=answer.message_id)
    updates = await drain(bot)
    assert updates[-1].message.reply_to_message.from_user.is_bot


async def test_a_persons_edit_arrives_as_an_edited_message(bot, sandbox):
    user = started(sandbox)
    await drain(bot)
    sandbox.edit(user["id"], 1, "/help")
    (update,) = await drain(bot)
    assert update.edited_message.text == "/help" and update.edited_message.edit_date


async def test_a_persons_media_messages_carry_files_the_bot_can_download(bot, sandbox):
    user = started(sandbox)
    await drain(bot)
    for kind in ("sticker", "photo", "voice", "document", "video"):
        sandbox.send(user["id"], user["id"], kind=kind, caption=None if kind == "sticker" else f"a {kind}")
    sandbox.send(user["id"], user["id"], "look at this", forward_from_user_id=user["id"])
    updates = [u.message for u in await drain(bot)]
    assert updates[0].sticker.emoji and updates[1].caption == "a photo"
    assert updates[2].voice.duration and updates[3].document.file_name and updates[4].video.width
    assert updates[5].forward_origin.sender_user.id == user["id"]
    photo_file = await updates[1].photo[-1].get_file()
    assert (await photo_file.download_as_bytearray()).startswith(b"\x89PNG")
    with pytest.raises(SandboxError, match="has no text; give a caption"):
        sandbox.send(user["id"], user["id"], "text", kind="photo")


async def test_audio_and_gifs_carry_files_and_a_gif_is_also_a_document_as_on_telegram(bot, sandbox):
    user = started(sandbox)
    await drain(bot)
    sandbox.send(user["id"], user["id"], kind="audio", caption="a song")
    sandbox.send(user["id"], user["id"], kind="animation")
    audio, gif = (u.message for u in await drain(bot))
    assert audio.audio.duration and audio.caption == "a song"
    assert gif.animation.width and gif.document.file_id == gif.animation.file_id
    with pytest.raises(SandboxError, match="a sticker has no caption"):
        sandbox.send(user["id"], user["id"], kind="sticker", caption="hi")


async def test_a_persons_poll_arrives_with_telegrams_poll_fields(bot, sandbox):
    user = sandbox.add_user("Sam")
    group = sandbox.add_group("Walkers")
    sandbox.add_member(group["id"], user["id"])
    await drain(bot)
    sent = sandbox.send(group["id"], user["id"], kind="poll", question="Walk on Friday?", options=["Yes", "No"])
    (update,) = await drain(bot)
    poll = update.message.poll
    assert (poll.question, [o.text for o in poll.options], [o.voter_count for o in poll.options]) == (
        "Walk on Friday?", ["Yes", "No"], [0, 0])
    assert (poll.total_voter_count, poll.is_closed, poll.is_anonymous, poll.type, poll.allows_multiple_answers) == (
        0, False, True, "regular", False)
    assert poll.id == sent["poll"]["id"] and update.message.text is None
    for wrong, problem in ((dict(question="", options=["Yes"]), "question of 1-300"),
                           (dict(question="Walk?", options=[]), "1-12 options"),
                           (dict(question="Walk?", options=["x" * 101]), "1-100 characters")):
        with pytest.raises(SandboxError, match=problem):
            sandbox.send(group["id"], user["id"], kind="poll", **wrong)
    with pytest.raises(SandboxError, match="only a poll has a question"):
        sandbox.send(group["id"], user["id"], "Walk?", question="Walk?")


async def test_formatting_entities_are_merged_with_command_and_mention_entities_in_offset_order(bot, sandbox):
    user = started(sandbox)
    await drain(bot)
    text = f"@{BOT_NAME} 🙂 a secret"
    spoiler = {"type": "spoiler", "offset": len(BOT_NAME) + 7, "length": 6}  # the emoji is 2 UTF-16 units
    sandbox.send(user["id"], user["id"], text, entities=[spoiler, {"type": "bold", "offset": 0, "length": 1}])
    sandbox.send(user["id"], user["id"], kind="photo", caption="shh", entities=[{"type": "italic", "offset": 0,
                                                                                 "length": 3}])
    message, photo = (u.message for u in await drain(bot))
    assert [e.type for e in message.entities] == ["mention", "bold", "spoiler"]
    assert message.parse_entity(message.entities[2]) == "secret" and message.text == text
    assert photo.caption_entities[0].type == "italic"
    with pytest.raises(SandboxError, match="must lie within the text"):
        sandbox.send(user["id"], user["id"], "short", entities=[{"type": "bold", "offset": 2, "length": 9}])
    with pytest.raises(SandboxError, match="each entity needs a type"):
        sandbox.send(user["id"], user["id"], "short", entities=[{"type": "mention", "offset": 0, "length": 1}])


async def test_a_persons_caption_edit_arrives_as_an_edited_message(bot, sandbox, control):
    user = started(sandbox)
    photo = sandbox.send(user["id"], user["id"], kind="photo", caption="my garden")
    await drain(bot)
    edited = await control.post(f"/messages/{user['id']}/{photo['message_id']}/edit", json={"caption": "my garden!"})
    assert edited.status_code == 200
    (update,) = await drain(bot)
    assert update.edited_message.caption == "my garden!" and update.edited_message.photo
    with pytest.raises(SandboxError, match="not a person's text message"):
        sandbox.edit(user["id"], photo["message_id"], "text")
    with pytest.raises(SandboxError, match="not a person's photo"):
        sandbox.edit(user["id"], 1, caption="a caption for /start")
    with pytest.raises(SandboxError, match="either the text or the caption"):
        sandbox.edit(user["id"], 1)


async def test_photos_and_documents_from_the_bot_are_stored_downloadable_and_reusable(bot, sandbox):
    user = started(sandbox)
    photo = await bot.send_photo(user["id"], b"\x89PNG fake image", caption="<i>chart</i>", parse_mode="HTML")
    document = await bot.send_document(user["id"], b"name,mood\n", filename="report.csv")
    assert document.document.file_name == "report.csv"
    assert sandbox.file_bytes(document.document.file_id) == b"name,mood\n"
    file = await bot.get_file(photo.photo[-1].file_id)
    assert await file.download_as_bytearray() == b"\x89PNG fake image"
    again = await bot.send_photo(user["id"], photo.photo[-1].file_id)
    assert again.photo[-1].file_unique_id == photo.photo[-1].file_unique_id
    record = sandbox.bot_messages(user["id"])[0]
    assert record["caption"] == "<i>chart</i>" and record["parse_mode"] == "HTML" and record["photo"]
    with refused(BadRequest, "wrong file identifier"):
        await bot.send_photo(user["id"], "no-such-file-id")


# --- groups ----------------------------------------------------------------------------------------


async def test_joining_and_leaving_a_group_arrive_as_service_messages(bot, sandbox):
    user = sandbox.add_user("Kim")
    group = sandbox.add_group("Crafts Circle")
    sandbox.add_member(group["id"], user["id"])
    sandbox.remove_member(group["id"], user["id"])
    joined, left = (u.message for u in await drain(bot))
    assert [m.first_name for m in joined.new_chat_members] == ["Kim"] and joined.chat.title == "Crafts Circle"
    assert left.left_chat_member.first_name == "Kim"


async def test_changing_the_bots_status_emits_my_chat_member_with_old_and_new_status(bot, sandbox):
    psw = sandbox.add_user("Priya")
    group = sandbox.add_group("Walkers")
    sandbox.add_member(group["id"], psw["id"], status="creator")
    await drain(bot)
    sandbox.set_bot_status(group["id"], "kicked")
    sandbox.set_bot_status(group["id"], "member")
    kicked, added, welcome = await drain(bot)
    change = kicked.my_chat_member
    assert (change.old_chat_member.status, change.new_chat_member.status) == ("administrator", "kicked")
    assert change.from_user.id == psw["id"], "by default a group admin made the change"
    assert added.my_chat_member.new_chat_member.status == "member"
    assert welcome.message.new_chat_members[0].is_bot, "being added also arrives as a new member"


async def test_chat_members_have_the_right_status_including_the_bot(bot, sandbox):
    psw, member, outsider = sandbox.add_user("Priya"), sandbox.add_user("Kim"), sandbox.add_user("Lee")
    group = sandbox.add_group("Walkers")
    sandbox.add_member(group["id"], psw["id"], status="creator")
    sandbox.add_member(group["id"], member["id"])
    statuses = [(await bot.get_chat_member(group["id"], u["id"])).status
                for u in (psw, member, outsider, sandbox.bot_user)]
    assert statuses == ["creator", "member", "left", "administrator"]
    admins = await bot.get_chat_administrators(group["id"])
    assert {a.user.id for a in admins} == {psw["id"], sandbox.bot_id}
    assert await bot.get_chat_member_count(group["id"]) == 3
    with refused(BadRequest, "user not found"):
        await bot.get_chat_member(group["id"], 555)


async def test_restricting_banning_and_unbanning_follow_telegrams_rules(bot, sandbox):
    kim = sandbox.add_user("Kim")
    group = sandbox.add_group("Walkers")
    sandbox.add_member(group["id"], kim["id"])
    sandbox.send(group["id"], kim["id"], "spam")
    await bot.restrict_chat_member(group["id"], kim["id"], ChatPermissions(can_send_messages=False))
    restricted = await bot.get_chat_member(group["id"], kim["id"])
    assert restricted.status == "restricted" and restricted.is_member and not restricted.can_send_messages
    with pytest.raises(SandboxError, match="may not send messages"):
        sandbox.send(group["id"], kim["id"], "more spam")
    await bot.restrict_chat_member(group["id"], kim["id"], ChatPermissions.all_permissions())
    assert (await bot.get_chat_member(group["id"], kim["id"])).status == "member", "all permissions lift it"
    await bot.ban_chat_member(group["id"], kim["id"])
    assert (await bot.get_chat_member(group["id"], kim["id"])).status == "kicked"
    assert sandbox.messages(group["id"])[1]["deleted"], "a supergroup ban deletes the person's messages"
    await bot.unban_chat_member(group["id"], kim["id"], only_if_banned=True)
    assert (await bot.get_chat_member(group["id"], kim["id"])).status == "left"
    sandbox.add_member(group["id"], kim["id"])
    await bot.unban_chat_member(group["id"], kim["id"])
    assert (await bot.get_chat_member(group["id"], kim["id"])).status == "left", "unbanning a member removes them"
    sandbox.set_bot_status(group["id"], "member")
    with refused(BadRequest, "not enough rights"):
        await bot.ban_chat_member(group["id"], kim["id"])


async def test_a_bot_in_privacy_mode_sees_only_commands_mentions_replies_and_service_messages(make_sandbox):
    sandbox = await make_sandbox(can_read_all_group_messages=False)
    kim = sandbox.add_user("Kim")
    group = sandbox.add_group("Walkers")
    sandbox.set_bot_status(group["id"], "member")
    sandbox.add_member(group["id"], kim["id"])
    async with ptb_bot(sandbox) as bot:
        joined = await drain(bot)
        assert joined[-1].message.new_chat_members[0].first_name == "Kim"
        post = await bot.send_message(group["id"], "Welcome")
        for text in ("chatting among ourselves", "/help", "/help@other_bot", f"hey @{BOT_NAME}"):
            sandbox.send(group["id"], kim["id"], text)
        sandbox.send(group["id"], kim["id"], "thanks", reply_to_message_id=post.message_id)
        assert [u.message.text for u in await drain(bot)] == ["/help", f"hey @{BOT_NAME}", "thanks"]
        sandbox.set_bot_status(group["id"], "administrator")
        await drain(bot)
        sandbox.send(group["id"], kim["id"], "admins read everything")
        assert [u.message.text for u in await drain(bot)] == ["admins read everything"]


async def test_get_chat_returns_full_info_for_private_chats_and_groups(bot, sandbox):
    user = sandbox.add_user("Sam", username="sam", last_name="Jones")
    group = sandbox.add_group("Walkers")
    private = await bot.get_chat(user["id"])
    assert (private.type, private.first_name, private.last_name, private.username) == ("private", "Sam", "Jones", "sam")
    supergroup = await bot.get_chat(group["id"])
    assert (supergroup.type, supergroup.title) == ("supergroup", "Walkers")
    assert supergroup.permissions.can_send_messages and supergroup.max_reaction_count


async def test_commands_are_kept_per_scope_and_language(bot, sandbox):
    await bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("help", "Help")])
    await bot.set_my_commands([BotCommand("invite", "Invite a PSW")], scope=BotCommandScopeChat(1000001))
    await bot.set_my_commands([BotCommand("hilfe", "Hilfe")], language_code="de")
    await bot.set_my_commands([BotCommand("rules", "Rules")], scope=BotCommandScopeAllGroupChats())
    assert [c["command"] for c in sandbox.commands["default"]] == ["start", "help"]
    assert set(sandbox.commands) == {"default", "chat:1000001", "default/de", "all_group_chats"}
    assert await bot.get_my_commands(scope=BotCommandScopeChat(1000001)) == (BotCommand("invite", "Invite a PSW"),)
    await bot.delete_my_commands(scope=BotCommandScopeChat(1000001))
    assert await bot.get_my_commands(scope=BotCommandScopeChat(1000001)) == ()
    with refused(BadRequest, "BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Help!", "Help")])


# --- webhook mode ------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[tuple[str, list, list[int]]]:
    """A webhook endpoint recording what it gets; it answers each request with the next status in ``statuses``."""
    received: list = []
    statuses: list[int] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response(status=statuses.pop(0) if statuses else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", received, statuses
    await runner.cleanup()


async def test_with_a_webhook_updates_are_pushed_with_the_secret_and_get_updates_conflicts(bot, sandbox, receiver):
    url, received, _ = receiver
    user = sandbox.add_user("Sam")
    sandbox.send(user["id"], user["id"], "queued before the webhook")
    await bot.set_webhook(url, secret_token="s3cret")
    sandbox.send(user["id"], user["id"], "after")
    for _ in range(100):
        if len(received) == 2:
            break
        await asyncio.sleep(0.02)
    assert [(secret, body["message"]["text"]) for secret, body in received] == [
        ("s3cret", "queued before the webhook"), ("s3cret", "after")]
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == (url, 0)
    with refused(Conflict, "can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    sandbox.send(user["id"], user["id"], "polling again")
    assert [u.message.text for u in await bot.get_updates()] == ["polling again"]


async def test_a_webhook_gets_several_chats_updates_at_once_and_each_chats_in_order(bot, sandbox):
    """As Telegram does with max_connections: chats in parallel, a chat's own one at a time."""
    in_flight: list[str] = []
    received: list[str] = []
    release = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        text = (await request.json())["message"]["text"]
        in_flight.append(text)
        await release.wait()
        received.append(text)
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        people = [sandbox.add_user(name) for name in ("Ann", "Bo", "Cy")]
        for n in (1, 2):
            for person in people:
                sandbox.send(person["id"], person["id"], f"{person['first_name']} {n}")
        await bot.set_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}/hook")
        for _ in range(100):
            if len(in_flight) == 3:
                break
            await asyncio.sleep(0.02)
        assert sorted(in_flight) == ["Ann 1", "Bo 1", "Cy 1"], "one per chat at once, never a chat's second"
        release.set()
        for _ in range(100):
            if len(received) == 6:
                break
            await asyncio.sleep(0.02)
        for person in people:
            name = person["first_name"]
            assert [text for text in received if text.startswith(name)] == [f"{name} 1", f"{name} 2"]
    finally:
        await bot.delete_webhook()
        await runner.cleanup()


async def test_a_failing_webhook_delivery_is_retried_a_few_times_then_given_up(bot, sandbox, receiver):
    url, received, statuses = receiver
    statuses.extend([500] * 10)
    user = sandbox.add_user("Sam")
    await bot.set_webhook(url)
    sandbox.send(user["id"], user["id"], "hello")
    deadline = time.monotonic() + 5
    while (await bot.get_webhook_info()).pending_update_count and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    info = await bot.get_webhook_info()
    assert len(received) == 4, "one delivery and three retries"
    assert info.pending_update_count == 0 and "500" in info.last_error_message and info.last_error_date


# --- fault injection ----------------------------------------------------------------------------


async def test_injected_faults_fail_the_next_calls_for_the_chosen_chat_then_clear(bot, sandbox):
    sam, kim = started(sandbox, "Sam"), started(sandbox, "Kim")
    sandbox.add_fault("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3, chat_id=sam["id"])
    sandbox.add_fault("sendmessage", 502, "Bad Gateway", count=2)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(kim["id"], "hi")
    with pytest.raises(RetryAfter) as limited:
        await bot.send_message(sam["id"], "hi")
    assert limited.value.retry_after == 3
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(sam["id"], "hi")
    assert await bot.send_message(sam["id"], "hi")
    assert sandbox.stats["injected_faults"] == 3 and sandbox.stats["rate_limited"] == 0


async def test_an_injected_delay_makes_the_bot_time_out(sandbox):
    user = started(sandbox)
    sandbox.add_fault("sendMessage", 0, "", delay=1.0)
    async with ptb_bot(sandbox, read_timeout=0.3) as slow_bot:
        with pytest.raises(TimedOut):
            await slow_bot.send_message(user["id"], "hi")
        assert await slow_bot.send_message(user["id"], "hi")


async def test_a_fault_for_a_method_the_sandbox_lacks_is_refused(sandbox):
    with pytest.raises(SandboxError, match="no Bot API method 'sendMesage'"):
        sandbox.add_fault("sendMesage", 500, "Internal Server Error")


# --- the Python API ---------------------------------------------------------------------------


async def test_waiting_for_a_bot_message_that_never_comes_explains_what_the_chat_has(sandbox, bot):
    user = started(sandbox)
    await bot.send_message(user["id"], "Welcome", reply_markup=keyboard("yes"))
    with pytest.raises(TimeoutError) as waited:
        await sandbox.wait_for_bot_message(user["id"], lambda m: "Goodbye" in m["text"], timeout=0.2)
    assert "#1 Sam: '/start'" in str(waited.value) and "#2 bot: 'Welcome' [buttons: Yes]" in str(waited.value)


async def test_people_can_only_write_where_they_are(sandbox):
    sam, kim = sandbox.add_user("Sam"), sandbox.add_user("Kim")
    group = sandbox.add_group("Walkers")
    with pytest.raises(SandboxError, match="can only use their own private chat"):
        sandbox.send(kim["id"], sam["id"], "hi")
    with pytest.raises(SandboxError, match="not a member of group"):
        sandbox.send(group["id"], sam["id"], "hi")
    assert sam["id"] == 1_000_001 and kim["id"] == 1_000_002 and group["id"] == -1_001_000_000_001


async def test_stats_count_calls_sent_messages_and_refusals(bot, sandbox):
    user = started(sandbox)
    stranger = sandbox.add_user("Nic")
    await bot.send_message(user["id"], "hi")
    with pytest.raises(Forbidden):
        await bot.send_message(stranger["id"], "hi")
    stats = sandbox.stats
    assert (stats["sent"], stats["forbidden"]) == (1, 1)
    assert stats["calls"]["sendMessage"] == 2 and stats["calls"]["getMe"] == 1


# --- the control API --------------------------------------------------------------------------


async def test_the_control_api_creates_people_and_groups_and_acts_as_them(control, sandbox, bot):
    sam = (await control.post("/users", json={"first_name": "Sam", "username": "sam"})).json()
    group = (await control.post("/groups", json={"title": "Walkers"})).json()
    joined = await control.post(f"/groups/{group['id']}/members", json={"user_id": sam["id"]})
    sent = await control.post("/messages", json={"chat_id": group["id"], "user_id": sam["id"], "text": "hi all"})
    assert joined.json()["status"] == "member" and sent.status_code == 201
    question = await bot.send_message(group["id"], "Coming on Tuesday?", reply_markup=keyboard("yes"))
    pressed = await control.post("/callbacks", json={"chat_id": group["id"], "message_id": question.message_id,
                                                     "user_id": sam["id"], "data": "yes"})
    edited = await control.post(f"/messages/{group['id']}/{sent.json()['message_id']}/edit", json={"text": "hi!"})
    assert pressed.json()["callback_query_id"] and edited.json()["edit_date"]
    bot_status = await control.post(f"/groups/{group['id']}/bot", json={"status": "left", "by_user_id": sam["id"]})
    left = await control.delete(f"/groups/{group['id']}/members/{sam['id']}")
    assert bot_status.json()["status"] == "left" and left.json()["status"] == "left"
    await control.post("/faults", json={"method": "getMe", "error_code": 500, "description": "Internal Server Error"})
    with pytest.raises(NetworkError):
        await bot.get_me()
    assert (await control.get("/stats")).json()["injected_faults"] == 1


async def test_the_state_endpoint_returns_only_messages_changed_since_a_sequence_number(control, sandbox, bot):
    user = started(sandbox)
    first = (await control.get("/state")).json()
    assert [m["text"] for m in first["messages"]] == ["/start"] and first["messages"][0]["chat_id"] == user["id"]
    assert first["bot"]["username"] == BOT_NAME and first["users"][0]["first_name"] == "Sam"
    assert first["chats"][0]["bot_status"] == "member"
    await bot.send_message(user["id"], "Welcome")
    sandbox.edit(user["id"], 1, "/help")
    later = (await control.get("/state", params={"since": first["seq"]})).json()
    assert [(m["message_id"], m["text"], m["from_bot"]) for m in later["messages"]] == [
        (2, "Welcome", True), (1, "/help", False)]
    assert later["seq"] == first["seq"] + 2


async def test_files_are_served_with_their_content_type(control, sandbox):
    user = sandbox.add_user("Sam")
    photo = sandbox.send(user["id"], user["id"], kind="photo")["photo"][0]
    response = await control.get(f"/files/{photo['file_id']}")
    assert response.headers["content-type"] == "image/png" and response.content.startswith(b"\x89PNG")
    assert (await control.get("/files/nope")).status_code == 404


async def test_control_api_errors_name_the_problem(control):
    missing = await control.post("/users", json={"username": "sam"})
    unknown = await control.post("/groups/-100123/members", json={"user_id": 1})
    not_json = await control.post("/messages", content=b"hello")
    wrong_type = await control.post("/groups", json={"title": "Walkers", "chat_id": "minus one"})
    assert (missing.status_code, missing.json()) == (400, {"error": "first_name is required"})
    assert (unknown.status_code, unknown.json()) == (404, {"error": "no group -100123"})
    assert (not_json.status_code, not_json.json()) == (400, {"error": "the body must be JSON"})
    assert wrong_type.json() == {"error": "chat_id must be an integer"}


async def test_the_page_is_served_with_the_hooks_browser_tests_use(sandbox):
    async with httpx.AsyncClient() as client:
        page = await client.get(f"{sandbox.url}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for hook in ('id="acting-as"', 'id="chat-list"', 'id="messages"', 'id="composer"', 'id="send"',
                 "inline-button", "data-from-bot", "data-chat-id"):
        assert hook in page.text
    assert "http://" not in page.text and "https://" not in page.text.replace("https?:", ""), "no external resources"


# --- a real PTB application -------------------------------------------------------------------


async def test_a_real_ptb_application_polls_and_answers_through_the_sandbox(sandbox):
    async def start(update: Update, context) -> None:
        await update.message.reply_text("Welcome! Ready?", reply_markup=keyboard("ready"))

    async def ready(update: Update, context) -> None:
        await update.callback_query.answer("Great")
        await update.callback_query.edit_message_text("Let's begin.")

    application = (ApplicationBuilder().token(sandbox.token).base_url(sandbox.api_base_url)
                   .base_file_url(sandbox.file_base_url).build())
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(ready))
    user = sandbox.add_user("Sam")
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=1)
        try:
            sandbox.send(user["id"], user["id"], "/start")
            welcome = await sandbox.wait_for_bot_message(user["id"], timeout=5)
            assert welcome["text"] == "Welcome! Ready?"
            query_id = sandbox.press(user["id"], welcome["message_id"], user["id"], "ready")
            await sandbox.wait_for_bot_message(user["id"], lambda m: m["text"] == "Let's begin.", timeout=5)
            assert sandbox.callback_answers[query_id]["text"] == "Great"
        finally:
            await application.updater.stop()
            await application.stop()
