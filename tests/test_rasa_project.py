"""The Rasa project: valid data, passing test stories, a model lifecycle that
trains only when needed and fails clearly, and `peerbot classify`."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.dialogue.inprocess import InProcessEngine, tracker_store_for
from bot.dialogue.model import ModelError, current_model, fingerprint, nlu_files, train_if_changed
from conftest import NLU_DIR, PROJECT_ROOT, RASA_ENV, RASA_PROJECT


def test_rasa_data_validates_without_warnings():
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings"],
        cwd=RASA_PROJECT, env=RASA_ENV, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


async def test_the_test_stories_pass_without_prediction_errors(inprocess_engine, tmp_path):
    from rasa.core.test import test as test_stories

    summary = await test_stories(
        str(RASA_PROJECT / "tests" / "test_stories.yml"),
        inprocess_engine.agent,
        out_directory=str(tmp_path),
        fail_on_prediction_errors=True,
        e2e=True,
        disable_plotting=True,
    )
    assert summary["is_end_to_end_evaluation"]
    assert summary["report"]["weighted avg"]["f1-score"] == pytest.approx(1.0)


def copy_project(tmp_path: Path) -> Path:
    copy = tmp_path / "rasa_project"
    shutil.copytree(RASA_PROJECT, copy, ignore=shutil.ignore_patterns("models", ".rasa", "results"))
    return copy


def test_the_model_fingerprint_changes_only_when_training_inputs_change(tmp_path):
    project = copy_project(tmp_path)
    before = fingerprint(project)
    (project / "tests" / "test_stories.yml").write_text("# tests do not shape the model\n")
    assert fingerprint(project) == before
    with (project / "data" / "nlu" / "safety.yml").open("a") as nlu:
        nlu.write("\n")
    changed = fingerprint(project)
    assert changed != before
    (project / "data" / "nlu" / "zz_new_topic.yml").write_text('version: "3.1"\n')
    assert fingerprint(project) != changed


def test_the_nlu_data_is_every_yml_file_in_data_nlu_in_sorted_order(tmp_path):
    files = nlu_files(NLU_DIR)
    assert files == sorted(NLU_DIR.glob("*.yml")) and len(files) > 1
    assert not (RASA_PROJECT / "data" / "nlu.yml").exists()
    assert nlu_files(files[0]) == [files[0]]  # one file is read on its own
    with pytest.raises(ModelError, match="no NLU training files"):
        nlu_files(tmp_path)


def test_an_unchanged_project_is_not_trained_again(dialogue_model):
    path, trained = train_if_changed(RASA_PROJECT, RASA_PROJECT / "models")
    assert (path, trained) == (dialogue_model, False)


def test_a_missing_model_fails_with_what_to_do(tmp_path):
    with pytest.raises(ModelError, match="run `peerbot train`"):
        current_model(RASA_PROJECT, tmp_path / "no-models-here")


def test_a_corrupt_model_fails_with_a_clear_message(tmp_path):
    broken = tmp_path / "peerbot-broken.tar.gz"
    broken.write_bytes(b"this is not a model archive")
    with pytest.raises(ModelError, match="could not load the dialogue model"):
        InProcessEngine.load(broken, RASA_PROJECT, f"sqlite:///{tmp_path / 'db.sqlite'}")


async def test_rasa_conversation_state_lives_in_the_application_database(empty_database_url):
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    store = tracker_store_for(empty_database_url)
    tracker = DialogueStateTracker("42", slots=[])
    tracker.update(SlotSet("mood", "3"))
    await store.save(tracker)
    again = await store.retrieve("42")
    assert [event.as_dict()["event"] for event in again.events] == ["slot"]
    store.engine.dispose()


def test_peerbot_classify_prints_intent_and_risk_per_line():
    lines = "I want to end it all\nthis walk is killing me\n\nare you a bot?\n"
    result = subprocess.run(
        [str(Path(sys.executable).with_name("peerbot")), "classify"],
        input=lines, cwd=PROJECT_ROOT, env=RASA_ENV, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in records] == ["I want to end it all", "this walk is killing me", "are you a bot?"]
    assert records[0]["risk"] == "crisis" and records[0]["intent"] == "crisis"
    assert records[1]["risk"] == "none"
    assert records[2]["intent"] == "bot_challenge"
    assert all(set(r) == {"text", "intent", "confidence", "risk", "reasons"} for r in records)
    assert records[0]["reasons"] and records[1]["reasons"] == []
