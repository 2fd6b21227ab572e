"""Every text a person sends is screened: captions of photos, videos, files, voice notes,
audio and GIFs, edits of texts and captions, forwards, polls, and words inside formatting,
in private chats and in groups. Driven end to end: the real bot against the sandbox."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from telegram import Message

from bot.storage.models import Escalation, InboxUpdate
from bot.telegram.words import words_of
from conftest import escalations, events

CRISIS = "I want to end it all"
ALSO_CRISIS = "I want to kill myself"
HARMLESS = "my garden this morning"
WORRYING = "I feel hopeless"  # the lexicon's hopelessness: a concern, not a crisis
CAPTIONED = ["photo", "video", "document", "voice", "audio", "animation"]


# --- helpers ---------------------------------------------------------------------------


def texts(world, chat_id: int) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in world.sandbox.bot_messages(chat_id)]


async def on_duty_psw(world) -> dict:
    psw = world.person("Jo", roles=("psw",))
    assert "on duty" in (await world.say(psw, "/onduty"))["text"]
    return psw


async def sam_in_walkers(world) -> tuple[dict, dict]:
    """Sam, who has joined the service and has a private chat with the bot, in the Walkers group."""
    sam = world.person("Sam")
    world.sandbox.open_private_chat(sam["id"])
    return sam, await world.group("Walkers", "walk", [sam])


async def handled(world, chat_id: int, user: dict, text: str | None = None, **options) -> dict:
    """Send as ``user`` and wait until the bot has finished with the update (for messages it may not answer)."""
    sent = world.sandbox.send(chat_id, user["id"], text, **options)
    update_id = world.sandbox.pending[-1]["update_id"]
    await world.eventually(lambda: status_of(world, update_id) == "done")
    return sent


async def edited(world, chat_id: int, message_id: int, text: str | None = None, **options) -> None:
    world.sandbox.edit(chat_id, message_id, text, **options)
    update_id = world.sandbox.pending[-1]["update_id"]
    await world.eventually(lambda: status_of(world, update_id) == "done")


def status_of(world, update_id: int) -> str | None:
    with world.db.session() as session:
        return session.execute(select(InboxUpdate.status).where(InboxUpdate.update_id == update_id)).scalar()


async def crisis_path(world, psw: dict, person: dict, trigger: str, group: dict | None = None) -> None:
    """The full crisis path, as for typed text: the crisis contacts to the person privately,
    only a short line in the group, an urgent crisis case written first, the on-duty PSW paged."""
    contacts = await world.sandbox.wait_for_bot_message(person["id"], lambda m: "Samaritans" in (m.get("text") or ""))
    assert "116 123" in contacts["text"]
    if group is not None:
        line = await world.sandbox.wait_for_bot_message(group["id"], lambda m: "private message" in m["text"])
        assert line["text"] == f"{person['first_name']}, I've sent you a private message."
        assert not any("Samaritans" in text for text in texts(world, group["id"])), "no crisis talk in the group"
    [case] = escalations(world)
    assert (case.priority, case.kind, case.trigger_text) == ("urgent", "crisis", trigger)
    card = await world.sandbox.wait_for_bot_message(psw["id"], lambda m: "URGENT" in (m.get("text") or ""))
    assert person["first_name"] in card["text"] and trigger in card["text"]
    assert (f"in {group['title']}" if group else "in a private chat") in card["text"]
    await world.eventually(lambda: events(world, case.id)[:2] == ["created", "paged"])


def a_concern_not_a_crisis(world, psw: dict, person: dict, trigger: str) -> Escalation:
    """A low-priority follow-up for a PSW's look: nobody paged, no crisis contacts sent."""
    [case] = escalations(world)
    assert (case.priority, case.kind, case.trigger_text) == ("low", "followup", trigger)
    assert not any("URGENT" in text for text in texts(world, psw["id"])), "a concern is not paged"
    assert not any("Samaritans" in text for text in texts(world, person["id"]))
    return case


# --- captions ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", CAPTIONED)
async def test_a_crisis_in_a_caption_in_private_gets_the_crisis_contacts_and_pages_the_on_duty_psw(world, kind):
    psw = await on_duty_psw(world)
    sam = world.person("Sam")
    first = await world.say(sam, None, kind=kind, caption=CRISIS)
    assert "only read text" not in first["text"]
    await crisis_path(world, psw, sam, CRISIS)


@pytest.mark.parametrize("kind", CAPTIONED)
async def test_a_crisis_in_a_caption_in_a_group_pages_the_on_duty_psw_and_dms_the_sender(world, kind):
    psw = await on_duty_psw(world)
    sam, walkers = await sam_in_walkers(world)
    line = await world.say(sam, None, chat_id=walkers["id"], kind=kind, caption=ALSO_CRISIS)
    assert line["text"] == "Sam, I've sent you a private message."
    await crisis_path(world, psw, sam, ALSO_CRISIS, group=walkers)


async def test_a_harmless_photo_caption_in_private_gets_an_honest_answer_and_nothing_is_escalated(world):
    sam = world.person("Sam")
    answer = await world.say(sam, None, kind="photo", caption=HARMLESS)
    assert "I read the words with your photo" in answer["text"] and "only read text" in answer["text"]
    assert answer["reply_markup"]["inline_keyboard"][0][0]["text"] == "Talk to a person"
    assert escalations(world) == []


async def test_a_harmless_caption_in_a_group_gets_no_answer_and_nothing_is_escalated(world):
    sam, walkers = await sam_in_walkers(world)
    after = world.last_id(walkers["id"])
    await handled(world, walkers["id"], sam, kind="photo", caption=HARMLESS)
    assert await world.bot_says_nothing(walkers["id"], after, seconds=1)
    assert escalations(world) == []


async def test_a_worrying_caption_in_a_group_is_flagged_for_a_follow_up_like_group_text(world):
    psw = await on_duty_psw(world)
    sam, walkers = await sam_in_walkers(world)
    after = world.last_id(walkers["id"])
    await handled(world, walkers["id"], sam, kind="photo", caption=WORRYING)
    assert await world.bot_says_nothing(walkers["id"], after, seconds=1)
    case = a_concern_not_a_crisis(world, psw, sam, WORRYING)
    assert case.group_id is not None


async def test_a_worrying_caption_in_private_is_flagged_for_a_follow_up_and_answered_honestly(world):
    psw = await on_duty_psw(world)
    sam = world.person("Sam")
    answer = await world.say(sam, None, kind="voice", caption=WORRYING)
    assert "I read the words with your voice note" in answer["text"]
    a_concern_not_a_crisis(world, psw, sam, WORRYING)


async def test_stickers_and_voice_notes_without_words_get_the_usual_answer(world):
    sam = world.person("Sam")
    for kind in ("sticker", "voice"):
        answer = await world.say(sam, None, kind=kind)
        assert answer["text"].startswith("I can only read text at the moment")
    assert escalations(world) == []


async def test_while_a_psw_holds_the_case_a_caption_is_relayed_saying_what_it_came_with(world):
    psw = await on_duty_psw(world)
    sam = world.person("Sam")
    await world.say(sam, CRISIS)
    card = await world.sandbox.wait_for_bot_message(psw["id"], lambda m: "URGENT" in (m.get("text") or ""))
    await world.press(psw, card, "Claim")
    await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "is here now" in m["text"])
    after = world.last_id(psw["id"])
    world.sandbox.send(sam["id"], sam["id"], kind="photo", caption=HARMLESS)
    relayed = await world.sandbox.wait_for_bot_message(psw["id"], after_message_id=after)
    [case] = escalations(world)
    assert relayed["text"] == f"Sam (case #{case.id}): [photo] {HARMLESS}"


# --- edits -------------------------------------------------------------------------------


async def test_an_edit_that_adds_a_crisis_to_a_text_in_private_runs_the_crisis_path(world):
    psw = await on_duty_psw(world)
    sam = world.person("Sam")
    sent = world.sandbox.send(sam["id"], sam["id"], HARMLESS)
    await world.sandbox.wait_for_bot_message(sam["id"], after_message_id=sent["message_id"])
    world.sandbox.edit(sam["id"], sent["message_id"], CRISIS)
    await crisis_path(world, psw, sam, CRISIS)


async def test_an_edit_that_adds_a_crisis_to_a_text_in_a_group_pages_the_psw_and_dms_the_sender(world):
    psw = await on_duty_psw(world)
    sam, walkers = await sam_in_walkers(world)
    sent = await handled(world, walkers["id"], sam, HARMLESS)
    world.sandbox.edit(walkers["id"], sent["message_id"], CRISIS)
    await crisis_path(world, psw, sam, CRISIS, group=walkers)


async def test_an_edited_caption_with_a_crisis_in_private_runs_the_crisis_path(world):
    psw = await on_duty_psw(world)
    sam = world.person("Sam")
    photo = world.sandbox.send(sam["id"], sam["id"], kind="photo", caption=HARMLESS)
    await world.sandbox.wait_for_bot_message(sam["id"], after_message_id=photo["message_id"])
    world.sandbox.edit(sam["id"], photo["message_id"], caption=ALSO_CRISIS)
    await crisis_path(world, psw, sam, ALSO_CRISIS)


async def test_an_edited_caption_with_a_crisis_in_a_group_pages_the_psw_and_dms_the_sender(world):
    psw = await on_duty_psw(world)
    sam, walkers = await sam_in_walkers(world)
    photo = await handled(world, walkers["id"], sam, kind="document", caption=HARMLESS)
    assert escalations(world) == []
    world.sandbox.edit(walkers["id"], photo["message_id"], caption=CRISIS)
    await crisis_path(world, psw, sam, CRISIS, group=walkers)


async def test_a_worrying_edit_in_a_group_is_flagged_for_a_follow_up(world):
    psw = await on_duty_psw(world)
    sam, walkers = await sam_in_walkers(world)
    sent = await handled(world, walkers["id"], sam, HARMLESS)
    await edited(world, walkers["id"], sent["message_id"], WORRYING)
    a_concern_not_a_crisis(world, psw, sam, WORRYING)


# --- forwards ----------------------------------------------------------------------------


async def test_a_forwarded_text_with_crisis_words_in_private_is_a_concern_not_a_crisis(world):
    psw = await on_duty_psw(world)
    sam, nic = world.person("Sam"), world.sandbox.add_user("Nic")
    answer = await world.say(sam, CRISIS, forward_from_user_id=nic["id"])
    assert "forwarded message" in answer["text"] and "your own words" in answer["text"]
    case = a_concern_not_a_crisis(world, psw, sam, CRISIS)
    assert case.reasons[0].startswith("forwarded")


async def test_a_forwarded_caption_with_crisis_words_in_private_is_a_concern_not_a_crisis(world):
    psw = await on_duty_psw(world)
    sam, nic = world.person("Sam"), world.sandbox.add_user("Nic")
    answer = await world.say(sam, None, kind="photo", caption=CRISIS, forward_from_user_id=nic["id"])
    assert "forwarded message" in answer["text"]
    a_concern_not_a_crisis(world, psw, sam, CRISIS)


async def test_a_forwarded_text_with_crisis_words_in_a_group_is_a_concern_not_a_crisis(world):
    psw = await on_duty_psw(world)
    sam, walkers = await sam_in_walkers(world)
    nic = world.sandbox.add_user("Nic")
    after = world.last_id(walkers["id"])
    await handled(world, walkers["id"], sam, ALSO_CRISIS, forward_from_user_id=nic["id"])
    assert await world.bot_says_nothing(walkers["id"], after, seconds=1)
    case = a_concern_not_a_crisis(world, psw, sam, ALSO_CRISIS)
    assert case.group_id is not None


async def test_a_forwarded_caption_with_crisis_words_in_a_group_is_a_concern_not_a_crisis(world):
    psw = await on_duty_psw(world)
    sam, walkers = await sam_in_walkers(world)
    nic = world.sandbox.add_user("Nic")
    after = world.last_id(walkers["id"])
    await handled(world, walkers["id"], sam, kind="video", caption=CRISIS, forward_from_user_id=nic["id"])
    assert await world.bot_says_nothing(walkers["id"], after, seconds=1)
    a_concern_not_a_crisis(world, psw, sam, CRISIS)


async def test_adding_your_own_words_after_a_forward_runs_the_crisis_path(world):
    psw = await on_duty_psw(world)
    sam, nic = world.person("Sam"), world.sandbox.add_user("Nic")
    await world.say(sam, "everything is pointless", forward_from_user_id=nic["id"])
    await world.say(sam, CRISIS)  # on Telegram a comment on a forward arrives as a message of its own
    contacts = await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "Samaritans" in m["text"])
    assert "116 123" in contacts["text"]
    urgent = [case for case in escalations(world) if case.priority == "urgent"]
    assert [(case.kind, case.trigger_text) for case in urgent] == [("crisis", CRISIS)]
    await world.sandbox.wait_for_bot_message(psw["id"], lambda m: "URGENT" in m["text"])


async def test_forwarding_your_own_message_is_still_your_own_words(world):
    psw = await on_duty_psw(world)
    sam = world.person("Sam")
    await world.say(sam, CRISIS, forward_from_user_id=sam["id"])
    await crisis_path(world, psw, sam, CRISIS)


# --- polls -------------------------------------------------------------------------------


async def test_a_crisis_in_a_poll_question_in_private_runs_the_crisis_path(world):
    psw = await on_duty_psw(world)
    sam = world.person("Sam")
    await world.say(sam, None, kind="poll", question=CRISIS, options=["Yes", "No"])
    await crisis_path(world, psw, sam, f"{CRISIS}\nYes\nNo")


async def test_a_crisis_in_a_poll_question_in_a_group_pages_the_on_duty_psw_and_dms_the_sender(world):
    psw = await on_duty_psw(world)
    sam, walkers = await sam_in_walkers(world)
    line = await world.say(sam, None, chat_id=walkers["id"], kind="poll", question=ALSO_CRISIS, options=["Yes", "No"])
    assert line["text"] == "Sam, I've sent you a private message."
    await crisis_path(world, psw, sam, f"{ALSO_CRISIS}\nYes\nNo", group=walkers)


async def test_a_crisis_in_a_poll_option_in_a_group_runs_the_crisis_path_too(world):
    psw = await on_duty_psw(world)
    sam, walkers = await sam_in_walkers(world)
    options = ["Going for a walk", CRISIS]
    await world.say(sam, None, chat_id=walkers["id"], kind="poll", question="What are you doing tonight?",
                    options=options)
    await crisis_path(world, psw, sam, "\n".join(["What are you doing tonight?", *options]), group=walkers)


async def test_a_harmless_poll_in_a_group_gets_no_answer_and_nothing_is_escalated(world):
    sam, walkers = await sam_in_walkers(world)
    after = world.last_id(walkers["id"])
    await handled(world, walkers["id"], sam, kind="poll", question="Walk on Friday?", options=["Yes", "No"])
    assert await world.bot_says_nothing(walkers["id"], after, seconds=1)
    assert escalations(world) == []


async def test_a_harmless_poll_in_private_gets_an_honest_answer(world):
    sam = world.person("Sam")
    answer = await world.say(sam, None, kind="poll", question="Walk on Friday?", options=["Yes", "No"])
    assert "I read your poll" in answer["text"]
    assert escalations(world) == []


# --- words inside formatting -------------------------------------------------------------


async def test_a_crisis_hidden_in_a_spoiler_in_private_runs_the_crisis_path(world):
    psw = await on_duty_psw(world)
    sam = world.person("Sam")
    text = f"don't read this: {CRISIS}"
    await world.say(sam, text, entities=[{"type": "spoiler", "offset": text.index(CRISIS), "length": len(CRISIS)}])
    await crisis_path(world, psw, sam, text)


async def test_a_crisis_hidden_in_a_spoiler_in_a_group_pages_the_psw_and_dms_the_sender(world):
    psw = await on_duty_psw(world)
    sam, walkers = await sam_in_walkers(world)
    text = f"honestly {ALSO_CRISIS}"
    entities = [{"type": "bold", "offset": 0, "length": 8},
                {"type": "spoiler", "offset": text.index(ALSO_CRISIS), "length": len(ALSO_CRISIS)}]
    line = await world.say(sam, text, chat_id=walkers["id"], entities=entities)
    assert line["text"] == "Sam, I've sent you a private message."
    await crisis_path(world, psw, sam, text, group=walkers)


async def test_a_crisis_in_a_formatted_caption_in_a_group_runs_the_crisis_path(world):
    psw = await on_duty_psw(world)
    sam, walkers = await sam_in_walkers(world)
    await world.say(sam, None, chat_id=walkers["id"], kind="photo", caption=CRISIS,
                    entities=[{"type": "spoiler", "offset": 0, "length": len(CRISIS)}])
    await crisis_path(world, psw, sam, CRISIS, group=walkers)


# --- the words of a message (no bot needed) ----------------------------------------------

SAM = {"id": 1, "is_bot": False, "first_name": "Sam"}
NIC = {"id": 2, "is_bot": False, "first_name": "Nic"}


def message(**fields) -> Message:
    return Message.de_json({"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "from": SAM,
                            **fields}, None)


def poll(question: str, *options: str, **fields) -> dict:
    return {"id": "1", "question": question, "total_voter_count": 0, "is_closed": False, "is_anonymous": True,
            "type": "regular", "allows_multiple_answers": False, "allows_revoting": True, "members_only": False,
            "options": [{"persistent_id": str(i), "text": text, "voter_count": 0} for i, text in enumerate(options)],
            **fields}


def test_the_words_of_a_message_are_its_text_its_caption_or_its_poll_and_checklist():
    assert (words_of(message(text="hello")).text, words_of(message(text="hello")).kind) == ("hello", "text")
    captioned = words_of(message(caption="my garden", photo=[{"file_id": "p", "file_unique_id": "p",
                                                              "width": 1, "height": 1}]))
    assert (captioned.text, captioned.kind, captioned.answerable) == ("my garden", "photo", False)
    gif = {"file_id": "g", "file_unique_id": "g", "width": 1, "height": 1, "duration": 1}
    gif_message = message(caption="ha", animation=gif, document={"file_id": "g", "file_unique_id": "g"})
    assert words_of(gif_message).kind == "GIF", "a GIF is also a document"
    quiz = words_of(message(poll=poll("Tonight?", "Walk", "Stay in", description="be honest", type="quiz",
                                      explanation="no wrong answers")))
    assert (quiz.text, quiz.kind) == ("Tonight?\nWalk\nStay in\nbe honest\nno wrong answers", "poll")
    checklist = words_of(message(checklist={"title": "Today", "tasks": [{"id": 1, "text": "get up"},
                                                                        {"id": 2, "text": "walk"}]}))
    assert (checklist.text, checklist.kind) == ("Today\nget up\nwalk", "checklist")
    added = words_of(message(poll_option_added={"option_persistent_id": "3", "option_text": "sleep"}))
    assert (added.text, added.kind) == ("sleep", "poll")
    assert words_of(message(sticker={"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1,
                                     "is_animated": False, "is_video": False, "type": "regular"})).text == ""


def test_forwarded_words_are_someone_elses_unless_the_person_forwarded_their_own():
    from_nic = words_of(message(text="hi", forward_origin={"type": "user", "sender_user": NIC, "date": 0}))
    from_sam = words_of(message(text="hi", forward_origin={"type": "user", "sender_user": SAM, "date": 0}))
    hidden = words_of(message(text="hi", forward_origin={"type": "hidden_user", "sender_user_name": "X", "date": 0}))
    assert (from_nic.forwarded, from_sam.forwarded, hidden.forwarded) == (True, False, True)
    assert from_nic.labelled() == "[forwarded] hi" and not from_nic.answerable and from_sam.answerable


def test_words_longer_than_telegrams_limit_are_cut_to_it():
    words = words_of(message(text="x" * 5000))
    assert (len(words.text), words.cut) == (4096, True)
