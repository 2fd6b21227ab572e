"""The sandbox page in a real (headless) Chromium: a participant starts, consents,
checks in with the mood buttons and sees the Rasa model's reply."""
from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
async def page():
    if CHROMIUM is None:
        pytest.fail("Chromium is missing: `make test` installs it (scripts/ensure-system-packages.sh)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield await browser.new_page()
        await browser.close()


async def test_a_participant_onboards_and_checks_in_from_the_sandbox_page(world, page):
    user = world.sandbox.add_user("Sam")
    await page.goto(world.sandbox.url + "/")
    await page.select_option("#acting-as", str(user["id"]))
    await page.click(f"#chat-list [data-chat-id='{user['id']}']")

    async def send(text: str) -> None:
        await page.fill("#composer", text)
        await page.click("#send")

    bot_messages = page.locator("#messages .message[data-from-bot='true']")
    await send("/start")
    await page.locator("button.inline-button", has_text="Yes, I agree").click()
    await bot_messages.filter(has_text="What would you like us to call you?").wait_for()
    await send("Sam")
    await page.locator("button.inline-button", has_text="Check in").last.click()
    await page.locator("button.inline-button", has_text="4 🙂").last.click()
    await page.locator("button.inline-button", has_text="No thanks").last.click()
    await bot_messages.filter(has_text="Thanks for checking in").first.wait_for()


async def test_a_coordinator_sees_the_demo_report_charts_at_a_readable_size_and_can_open_them(world, page):
    from bot.sandbox.demo import seed_demo

    seed_demo(world.sandbox, world.context)
    priya = next(u for u in world.sandbox.users.values() if u["first_name"] == "Priya")
    await world.say(priya, "/report")
    await page.goto(world.sandbox.url + "/")
    await page.select_option("#acting-as", str(priya["id"]))
    await page.click(f"#chat-list [data-chat-id='{priya['id']}']")
    charts = page.locator("#messages .media a[target='_blank'] img")
    await charts.nth(2).wait_for()
    assert await charts.count() == 3  # attendance, mood, escalations
    box = await charts.first.bounding_box()
    assert box["width"] >= 300
    link = await charts.first.evaluate("img => img.parentElement.href")
    assert "/sandbox/files/" in link
