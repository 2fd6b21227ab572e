"""Telegram's broadcast limits kept by rolling windows: a message waits only when 30 went
in the last second (20 to its group in the last minute); edits and look-ups never wait."""
from __future__ import annotations

import asyncio

import pytest
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.telegram.rate_limits import BroadcastLimits, Window, sends_a_message
from conftest import fresh_sandbox


def test_only_methods_that_put_a_message_in_a_chat_are_counted():
    assert all(sends_a_message(m) for m in ("sendMessage", "sendPhoto", "sendDocument", "copyMessage"))
    assert not any(sends_a_message(m) for m in ("editMessageReplyMarkup", "answerCallbackQuery", "getChat",
                                                "sendChatAction", "deleteMessage", "getUpdates"))


def test_a_window_lets_messages_through_at_once_until_it_is_full_then_until_the_first_leaves():
    window = Window(3, 1.0)
    for at in (10.0, 10.1, 10.2):
        assert window.wait_needed(at) == 0
        window.slots.append([at])
    assert window.wait_needed(10.3) == pytest.approx(0.7), "the fourth waits for the first to leave the second"
    assert window.wait_needed(11.0) == 0, "then it goes"


def test_a_private_chat_counts_overall_a_group_also_by_itself():
    limits = BroadcastLimits()
    assert limits._windows("sendMessage", {"chat_id": 42}) == [limits.overall]
    group = limits._windows("sendMessage", {"chat_id": -100123})
    assert group[-1] is limits.overall and group[0] is limits.groups["-100123"]
    assert limits._windows("editMessageReplyMarkup", {"chat_id": -100123}) == []


async def test_sixty_messages_at_once_reach_telegram_without_one_429():
    """The sandbox refuses the 31st message in a second as Telegram does."""
    sandbox = fresh_sandbox()
    await sandbox.start()
    people = [sandbox.add_user(f"Person {n}") for n in range(60)]
    for person in people:
        sandbox.send(person["id"], person["id"], "/start")
    bot = ExtBot(sandbox.token, base_url=sandbox.api_base_url, rate_limiter=BroadcastLimits(),
                 request=HTTPXRequest(connection_pool_size=64))
    try:
        async with bot:
            await asyncio.gather(*(bot.send_message(person["id"], "hello") for person in people))
    finally:
        await sandbox.stop()
    assert sandbox.stats["sent"] == 60 and sandbox.stats["rate_limited"] == 0


async def test_a_crisis_message_takes_the_next_free_slot_ahead_of_ordinary_ones_waiting():
    from bot.dialogue.priority import urgent

    window = Window(1, 0.2)
    order: list[str] = []
    await window.take()  # the window is full for 0.2 s

    async def send(name: str, flag: bool) -> None:
        with urgent(flag):
            await window.take()
        order.append(name)

    ordinary = [asyncio.create_task(send(f"chat {n}", False)) for n in range(2)]
    await asyncio.sleep(0.05)
    crisis = asyncio.create_task(send("crisis", True))
    await asyncio.gather(*ordinary, crisis)
    assert order == ["crisis", "chat 0", "chat 1"]
