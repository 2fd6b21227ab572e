"""The safety screen without the dialogue model: the lexicon and the sentence
classifier catch a crisis when Rasa is stopped, hangs or answers errors, and the
crisis path still gives the person contacts and pages a PSW."""
from __future__ import annotations

import asyncio
import socket
import time

import numpy as np
import pytest
from sqlalchemy import select

from bot.app.conversation import ABOUT_OTHERS
from bot.dialogue.guarded import GuardedEngine
from bot.dialogue.remote import RemoteEngine
from bot.safety import ngrams
from bot.safety.screen import LEXICON_IS_ENOUGH
from bot.storage.models import Escalation
from conftest import fresh_sandbox, running_bot, titles

UNSEEN_CRISIS = "nobody will have to put up with me after tonight"  # no lexicon phrase for this


def closed_port() -> int:
    """A local port with nothing listening: a dialogue engine that has stopped."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_crisis_with_no_lexicon_phrase_is_caught_by_the_sentence_classifier(safety_screen):
    assert safety_screen.lexicon.matches(UNSEEN_CRISIS) == []
    risk = safety_screen.read(UNSEEN_CRISIS)
    assert risk.is_crisis and risk.reasons[0].startswith("classifier:")


def test_everyday_chat_is_not_a_crisis_for_the_classifier(safety_screen):
    for text in ["I love the new wool I bought", "see you all at the allotment on saturday",
                 "the walk was hard work but the views were worth it"]:
        assert safety_screen.read(text).level == "none", text


def test_the_ngram_reader_scores_the_same_after_saving_and_loading(tmp_path):
    """It runs from plain arrays (no scikit-learn at start-up); ``fit`` itself checks the arrays
    against scikit-learn, and this checks that the arrays survive the weights file."""
    lines = ["i took all my pills", "took the whole box of tablets tonight", "cutting myself again tonight",
             "took my tablets with breakfast", "cutting fabric for the quilt", "the pills are in the organiser"]
    model = ngrams.fit(lines, np.array([True, True, True, False, False, False]))
    np.savez(tmp_path / "weights.npz", **model.arrays())
    with np.load(tmp_path / "weights.npz") as data:
        loaded = ngrams.NgramModel.from_arrays(data)
    unseen = ["took all the tablets", "fabric for cutting", "zzz qqq"]
    assert np.allclose(loaded.scores(unseen), model.scores(unseen))
    assert model.score("took all the tablets") > model.score("fabric for cutting")
    assert model.score("zzz qqq") == model.intercept  # nothing it knows: no evidence either way


async def test_with_rasa_stopped_the_screen_still_reads_a_crisis(safety_screen):
    stopped = RemoteEngine(f"http://127.0.0.1:{closed_port()}", timeout=5)
    try:
        parse, risk = await safety_screen.screen(UNSEEN_CRISIS, GuardedEngine(stopped, timeout=3).parse)
    finally:
        await stopped.close()
    assert parse is None and risk.is_crisis
    assert "dialogue model unavailable: screened without it" in risk.reasons


async def test_a_hanging_rasa_costs_the_screen_only_its_time_budget(safety_screen):
    """A server that accepts the connection and never answers."""
    async def never_answer(reader, writer):
        await asyncio.sleep(30)

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    hanging = RemoteEngine(f"http://127.0.0.1:{port}", timeout=30)
    started = time.monotonic()
    try:
        parse, risk = await safety_screen.screen(UNSEEN_CRISIS, GuardedEngine(hanging, timeout=0.5).parse)
    finally:
        await hanging.close()
        server.close()
    assert parse is None and risk.is_crisis
    assert time.monotonic() - started < 5


async def test_a_crisis_in_the_lexicons_own_words_waits_for_no_other_layer(safety_screen):
    """No layer can lower a crisis, so the model and the encoder (under load, a queue) are
    not waited for; a crisis about someone else still hears every layer."""
    never = asyncio.Event()

    async def parser_that_never_answers(text: str):
        await never.wait()

    parse, risk = await asyncio.wait_for(safety_screen.screen("I want to end it all", parser_that_never_answers), 2)
    assert parse is None and risk.is_crisis and not risk.about_others
    assert LEXICON_IS_ENOUGH in risk.reasons
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(safety_screen.screen("my mate says he wants to kill himself", parser_that_never_answers),
                               2)


async def test_with_rasa_stopped_a_crisis_gets_contacts_and_pages_the_on_duty_psw(dialogue_model, tmp_path):
    sandbox = fresh_sandbox()
    await sandbox.start()
    stopped = RemoteEngine(f"http://127.0.0.1:{closed_port()}", timeout=5)
    try:
        async with running_bot(stopped, f"sqlite:///{tmp_path / 'peerbot.db'}", sandbox) as world:
            psw = world.person("Jo", roles=("psw",))
            sandbox.send(psw["id"], psw["id"], "/onduty")
            await sandbox.wait_for_bot_message(psw["id"], lambda m: "on duty" in m["text"])
            sam = world.person("Sam")
            first = await world.say(sam, UNSEEN_CRISIS)
            assert "bot" in first["text"], "honest that it is a bot"
            contacts = await sandbox.wait_for_bot_message(sam["id"], lambda m: "Samaritans" in m["text"])
            assert "116 123" in contacts["text"]
            card = await sandbox.wait_for_bot_message(psw["id"], lambda m: "URGENT" in (m.get("text") or ""))
            assert "Sam" in card["text"] and titles(card) == ["Claim"]
            with world.db.session() as session:
                [case] = session.execute(select(Escalation)).scalars().all()
            assert (case.priority, case.kind) == ("urgent", "crisis")
    finally:
        await stopped.close()
        await sandbox.stop()


async def test_a_friend_at_risk_pages_a_psw_saying_so_and_gives_contacts_to_help_them(world):
    psw = world.person("Jo", roles=("psw",))
    world.sandbox.send(psw["id"], psw["id"], "/onduty")
    await world.sandbox.wait_for_bot_message(psw["id"], lambda m: "on duty" in m["text"])
    sam = world.person("Sam")
    first = await world.say(sam, "my friend says she's going to kill herself tonight")
    assert "someone you care about" in first["text"] and "bot" in first["text"]
    await world.sandbox.wait_for_bot_message(sam["id"], lambda m: "Samaritans" in m["text"])
    card = await world.sandbox.wait_for_bot_message(psw["id"], lambda m: "URGENT" in (m.get("text") or ""))
    assert ABOUT_OTHERS in card["text"]
