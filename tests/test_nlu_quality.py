"""NLU quality gate on the held-out set (never trained on): crisis recall of at
least 0.95, and no everyday idiom treated as a crisis."""
from __future__ import annotations

from bot.dialogue.evaluation import format_scores, load_examples, predict, score
from bot.safety.screen import assess
from conftest import RASA_PROJECT

HELDOUT = RASA_PROJECT / "tests" / "nlu_heldout.yml"
HARD_NEGATIVES = RASA_PROJECT / "tests" / "hard_negatives.txt"
TRAINING = RASA_PROJECT / "data" / "nlu.yml"
MIN_CRISIS_RECALL = 0.95


def test_the_held_out_set_shares_no_example_with_the_training_data():
    training = {text.lower() for text, _ in load_examples(TRAINING)}
    assert not training & {text.lower() for text, _ in load_examples(HELDOUT)}


async def test_crisis_recall_on_the_held_out_set_is_at_least_95_percent(inprocess_engine, capsys):
    examples = load_examples(HELDOUT)
    results = await predict(inprocess_engine, [text for text, _ in examples])
    scores = score([intent for _, intent in examples], [r.intent for r in results])
    crisis_texts = [text for text, intent in examples if intent == "crisis"]
    caught = [r for r in results if r.text in crisis_texts and assess(r).level == "crisis"]
    risk_recall = len(caught) / len(crisis_texts)
    with capsys.disabled():
        print(f"\nHeld-out NLU evaluation ({len(examples)} examples):\n{format_scores(scores)}")
        print(f"crisis recall by the risk decision: {risk_recall:.3f}")
    crisis = next(s for s in scores if s.intent == "crisis")
    assert crisis.recall >= MIN_CRISIS_RECALL
    assert risk_recall >= MIN_CRISIS_RECALL


async def test_no_hard_negative_idiom_is_treated_as_a_crisis(inprocess_engine):
    idioms = [line for line in HARD_NEGATIVES.read_text(encoding="utf-8").splitlines() if line.strip()]
    results = await predict(inprocess_engine, idioms)
    flagged = {r.text: round(r.confidence_of("crisis"), 2) for r in results if assess(r).level == "crisis"}
    assert flagged == {}
