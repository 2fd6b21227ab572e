"""The safety screen on its evaluation set (evaluation/safety_eval.yaml), which no
training or tuning has seen: the set stays out of every training file, and the
figures `peerbot eval-safety` prints hold."""
from __future__ import annotations

import re

import yaml

from bot.safety.classifier import dev_messages, training_examples
from bot.safety.evaluation import false_crisis, load_set, recall, report, run
from bot.safety.normalise import plain
from conftest import NLU_DIR, PROJECT_ROOT

EVALUATION_SET = PROJECT_ROOT / "evaluation" / "safety_eval.yaml"
REPORT = PROJECT_ROOT / "var" / "safety-eval.md"
# The service's targets, printed beside the figures, and the limits this suite holds
# the screen to. The targets are NOT met yet (README, "How good is the safety screen?"):
# the first and only run on this set (v5) measured recall 0.977 and false crisis
# 0.212, so the limits guard against regressions from there, with a small margin for
# retraining. Raise them as the screen improves; never tune on this set to do so
# (tuning belongs to the development set, safety_data/dev/).
TARGET_RECALL, TARGET_FALSE_CRISIS = 0.98, 0.03
FLOOR_RECALL, CEILING_FALSE_CRISIS = 0.95, 0.24


def normalised(text: str) -> str:
    """Letters and digits only, so spacing, case and punctuation can't hide a copied line."""
    return " ".join(re.findall(r"[a-z0-9]+", plain(text)))


def training_lines() -> set[str]:
    examples = training_examples(NLU_DIR, PROJECT_ROOT / "safety_data")
    return {normalised(example.text) for example in examples}


def development_lines() -> set[str]:
    return {normalised(item.text) for item in dev_messages(PROJECT_ROOT / "safety_data")}


def test_no_line_of_the_evaluation_set_appears_in_any_training_data():
    training = training_lines()
    assert [item.text for item in load_set(EVALUATION_SET) if normalised(item.text) in training] == []


def test_no_line_of_the_evaluation_set_appears_in_the_development_set_that_chose_the_thresholds():
    development = development_lines()
    assert [item.text for item in load_set(EVALUATION_SET) if normalised(item.text) in development] == []


def test_the_evaluation_set_has_every_line_labelled_with_a_category_and_a_style():
    items = load_set(EVALUATION_SET)
    assert len(items) >= 300
    assert {i.label for i in items} == {"crisis", "everyday"}
    assert all(i.category and i.style for i in items)
    header = EVALUATION_SET.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("#"), "the file says how it was made"
    assert yaml.safe_load(EVALUATION_SET.read_text(encoding="utf-8"))["messages"]


async def test_the_screen_holds_its_measured_recall_and_false_crisis_rate(safety_screen, inprocess_engine, capsys):
    async def assess(text: str):
        return (await safety_screen.screen(text, inprocess_engine.parse))[1]

    outcomes = await run(load_set(EVALUATION_SET), assess)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(report(outcomes, "Safety screen on the evaluation set (make test)", "See the README."))
    with capsys.disabled():
        print(f"\nsafety evaluation: crisis recall {recall(outcomes)} (target {TARGET_RECALL}), "
              f"false crisis {false_crisis(outcomes)} (target {TARGET_FALSE_CRISIS}); report in {REPORT}")
    assert recall(outcomes).value >= FLOOR_RECALL
    assert false_crisis(outcomes).value <= CEILING_FALSE_CRISIS
