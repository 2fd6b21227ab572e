"""PSW tools in a group chat (/hide, /pause, /unpause) and members' reports (/flag), end
to end through the sandbox: what happens in the group, who is told privately, what is
audited, and what the bot says when it lacks the admin rights to act."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.sandbox.errors import SandboxError
from bot.storage.models import AuditEntry, Escalation
from bot.telegram.handlers.moderation import post_link

RULES_SEVEN = "7. This group isn't an emergency service."


async def started(world, name: str, roles: tuple[str, ...] = ()) -> dict:
    """Someone who has joined and opened a private chat with the bot (so it can tell them things)."""
    user = world.person(name, roles=roles)
    await world.say(user, "/help")
    return user


def deleted(world, chat_id: int, message_id: int) -> bool:
    return next(m for m in world.sandbox.messages(chat_id) if m["message_id"] == message_id)["deleted"]


def audited(world) -> list[str]:
    with world.db.session() as session:
        return list(session.execute(select(AuditEntry.action).where(AuditEntry.action.like("moderation.%"))
                                    .order_by(AuditEntry.id)).scalars())


async def private_news(world, user: dict, text: str) -> dict:
    return await world.sandbox.wait_for_bot_message(user["id"], lambda m: text in (m.get("text") or ""))


async def reply_command(world, user: dict, chat: dict, post: dict, command: str) -> dict:
    return world.sandbox.send(chat["id"], user["id"], command, reply_to_message_id=post["message_id"])


async def test_a_psw_hides_a_post_and_its_author_is_told_privately_and_kindly_with_the_rule(world):
    jo, sam = await started(world, "Jo", ("psw",)), await started(world, "Sam")
    chat = await world.group("Walkers", "walk", [jo, sam])
    post = world.sandbox.send(chat["id"], sam["id"], "you should all just stop taking your meds")
    command = await reply_command(world, jo, chat, post, "/hide 7")
    answer = await private_news(world, jo, "Hidden.")
    assert "I've told them privately and kindly why." in answer["text"]
    told = await private_news(world, sam, "A peer supporter has removed a post you made in Walkers")
    assert RULES_SEVEN in told["text"] and "talk to a person" in told["text"]
    await world.eventually(lambda: deleted(world, chat["id"], command["message_id"]))
    assert deleted(world, chat["id"], post["message_id"])
    assert not [m for m in world.sandbox.bot_messages(chat["id"]) if "Hidden" in m["text"]], "nothing said in the group"
    assert audited(world) == ["moderation.hidden"]


async def test_a_paused_member_cannot_post_until_unpaused_and_is_told_with_a_route_to_a_person(world):
    jo, sam = await started(world, "Jo", ("psw",)), await started(world, "Sam")
    chat = await world.group("Walkers", "walk", [jo, sam])
    post = world.sandbox.send(chat["id"], sam["id"], "whatever, this group is rubbish")
    await reply_command(world, jo, chat, post, "/pause 2")
    assert "Paused for 2 hours." in (await private_news(world, jo, "Paused"))["text"]
    told = await private_news(world, sam, "paused your posts in Walkers for 2 hours")
    assert "still a member" in told["text"] and "talk to a person" in told["text"]
    with pytest.raises(SandboxError, match="restricted"):
        world.sandbox.send(chat["id"], sam["id"], "hello?")
    await reply_command(world, jo, chat, post, "/unpause")
    await private_news(world, sam, "You can post in Walkers again")
    world.sandbox.send(chat["id"], sam["id"], "thanks, sorry everyone")
    assert audited(world) == ["moderation.paused", "moderation.unpaused"]


async def test_without_admin_rights_the_psw_is_told_exactly_what_the_bot_needs(world):
    jo, sam = await started(world, "Jo", ("psw",)), await started(world, "Sam")
    chat = await world.group("Walkers", "walk", [jo, sam])
    world.sandbox.set_bot_status(chat["id"], "member")
    post = world.sandbox.send(chat["id"], sam["id"], "a post")
    await reply_command(world, jo, chat, post, "/hide")
    answer = await private_news(world, jo, "I couldn't hide that post")
    assert "admin of this group with the right to delete messages" in answer["text"]
    assert not deleted(world, chat["id"], post["message_id"]) and audited(world) == []


async def test_staff_are_not_paused_and_bad_hours_are_explained(world):
    jo, kim = await started(world, "Jo", ("psw",)), await started(world, "Kim", ("psw",))
    sam = await started(world, "Sam")
    chat = await world.group("Walkers", "walk", [jo, kim, sam])
    staff_post = world.sandbox.send(chat["id"], kim["id"], "see you Thursday")
    await reply_command(world, jo, chat, staff_post, "/pause")
    await private_news(world, jo, "I don't pause staff")
    post = world.sandbox.send(chat["id"], sam["id"], "hi")
    await reply_command(world, jo, chat, post, "/pause forever")
    await private_news(world, jo, "whole number from 1 to 168")
    assert audited(world) == []


async def test_a_members_flag_reaches_the_psw_on_duty_and_never_the_group(world):
    jo = await started(world, "Jo", ("psw",))
    world.context.escalations.set_duty(world.context.people.find(jo["id"]).id, True)
    sam, alex = await started(world, "Sam"), await started(world, "Alex")
    chat = await world.group("Walkers", "walk", [jo, sam, alex])
    post = world.sandbox.send(chat["id"], sam["id"], "a post that worries Alex")
    command = await reply_command(world, alex, chat, post, "/flag")
    card = await private_news(world, jo, "🚩 A post by Sam in Walkers was flagged by Alex (1 member so far)")
    assert "Reply /hide to the post" in card["text"]
    thanks = await private_news(world, alex, "Thank you for letting us know")
    assert "Nobody in the group sees that you flagged it." in thanks["text"]
    await world.eventually(lambda: deleted(world, chat["id"], command["message_id"]))
    assert not deleted(world, chat["id"], post["message_id"])
    await reply_command(world, alex, chat, post, "/flag")
    await private_news(world, alex, "You've already flagged that post")


async def test_with_nobody_on_duty_three_members_flags_hide_a_post_for_the_next_psw_on_duty(world):
    jo = await started(world, "Jo", ("psw",))
    sam = await started(world, "Sam")
    members = [await started(world, name) for name in ("Alex", "Bo", "Cy")]
    chat = await world.group("Walkers", "walk", [jo, sam, *members])
    post = world.sandbox.send(chat["id"], sam["id"], "a post several people find upsetting")
    for member in members[:2]:
        await reply_command(world, member, chat, post, "/flag")
        await private_news(world, member, "No peer supporter is on duty just now")
    assert not deleted(world, chat["id"], post["message_id"])
    await reply_command(world, members[2], chat, post, "/flag")
    await private_news(world, members[2], "so I've hidden it until a peer supporter can look")
    assert deleted(world, chat["id"], post["message_id"])
    await private_news(world, sam, "has been hidden for now, because several members flagged it")
    [case] = escalations_of(world)
    assert (case.priority, case.status) == ("low", "open") and "after 3 members flagged it" in case.reasons[0]
    on_duty = await world.say(jo, "/onduty")
    assert "1 case is waiting: /queue shows them." in on_duty["text"]
    assert audited(world) == ["moderation.flagged"] * 3 + ["moderation.hidden_by_flags"]


async def test_members_cannot_hide_and_the_commands_explain_themselves_outside_a_group(world):
    sam, alex = await started(world, "Sam"), await started(world, "Alex")
    chat = await world.group("Walkers", "walk", [sam, alex])
    post = world.sandbox.send(chat["id"], sam["id"], "hi")
    after = world.last_id(chat["id"])
    await reply_command(world, alex, chat, post, "/hide")
    refusal = await world.sandbox.wait_for_bot_message(chat["id"], after_message_id=after)
    assert "only for" in refusal["text"] and not deleted(world, chat["id"], post["message_id"])
    assert "reply /flag to the post you mean" in (await world.say(alex, "/flag"))["text"]


def test_a_post_link_is_given_for_supergroups_only():
    from types import SimpleNamespace

    assert post_link(SimpleNamespace(chat=SimpleNamespace(id=-1001234567890), message_id=42)) == \
        "https://t.me/c/1234567890/42"
    assert post_link(SimpleNamespace(chat=SimpleNamespace(id=-4567), message_id=42)) == ""


def escalations_of(world) -> list[Escalation]:
    with world.db.session() as session:
        return list(session.execute(select(Escalation)).scalars())


async def test_a_flag_from_someone_the_bot_cannot_message_is_still_never_shown_in_the_group(world):
    jo = await started(world, "Jo", ("psw",))
    world.context.escalations.set_duty(world.context.people.find(jo["id"]).id, True)
    sam = await started(world, "Sam")
    alex = world.person("Alex")  # joined, but has no private chat with the bot (never started, or blocked it)
    chat = await world.group("Walkers", "walk", [jo, sam, alex])
    post = world.sandbox.send(chat["id"], sam["id"], "a post")
    after = world.last_id(chat["id"])
    await reply_command(world, alex, chat, post, "/flag")
    await private_news(world, jo, "flagged by Alex")
    assert await world.bot_says_nothing(chat["id"], after, seconds=1.0)
