"""Many people writing at once: updates are handled side by side, yet each conversation's
in the order it was written, and every update exactly once (the running bot, over the sandbox)."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.storage.models import InboxUpdate
from bot.telegram.intake import order_key_of

PEOPLE = 12
MESSAGES_EACH = 4


def test_a_private_chat_is_one_conversation_and_a_group_one_per_member():
    private = {"update_id": 1, "message": {"chat": {"id": 5}, "from": {"id": 5}, "text": "hi"}}
    group = {"update_id": 2, "message": {"chat": {"id": -100}, "from": {"id": 5}, "text": "hi"}}
    button = {"update_id": 3, "callback_query": {"from": {"id": 5}, "message": {"chat": {"id": 5}}, "data": "x"}}
    assert order_key_of(private) == order_key_of(button) == "5:5"
    assert order_key_of(group) == "-100:5"
    assert order_key_of({"update_id": 4}) is None


async def test_many_chats_writing_at_once_are_each_answered_in_their_own_order(world, inprocess_engine):
    people = [world.person(f"Writer {n}") for n in range(PEOPLE)]
    said = {person["id"]: [f"just a note from me, number {i} of {MESSAGES_EACH}" for i in range(1, MESSAGES_EACH + 1)]
            for person in people}
    for i in range(MESSAGES_EACH):  # interleaved, as a busy evening arrives
        for person in people:
            world.sandbox.send(person["id"], person["id"], said[person["id"]][i])
    history = inprocess_engine.history()

    def heard(person: dict) -> list[str]:
        return [m["text"] for m in history.messages(person["id"]) if m["from"] == "you"]

    await world.eventually(lambda: all(len(heard(p)) == MESSAGES_EACH for p in people)
                           and world.context.inbox.backlog()[0] == 0, timeout=120)
    for person in people:
        assert heard(person) == said[person["id"]], "the dialogue saw this person's messages in order"
    with world.db.session() as session:
        handled = session.execute(select(func.count(), func.max(InboxUpdate.attempts)).where(
            InboxUpdate.status == "done")).one()
    assert handled[0] >= PEOPLE * MESSAGES_EACH and handled[1] == 1, "each update handled once"
