"""The safety screen: the curated lexicon raises, never lowers, what the model says;
everyday idioms stay `none`."""
from __future__ import annotations

import numpy as np
import pytest

from bot.dialogue.engine import ParseResult
from bot.safety.lexicon import RiskLexicon
from bot.safety.screen import SafetyScreen
from bot.safety.segments import ENCODER_WORDS, units
from conftest import PROJECT_ROOT

LEXICON = RiskLexicon.load(PROJECT_ROOT / "config" / "risk_lexicon.yaml")
SCREEN = SafetyScreen(LEXICON)

# Everyday group chat that must never alarm anyone (the lexicon's idioms).
IDIOMS_THAT_STAY_NONE = [
    "this walk is killing me",
    "I could murder a tea",
    "my phone died",
    "I'm dying to see everyone",
    "the cake at crafts was to die for",
    "killed it at the quiz",
    "i overdosed on christmas telly",
    "cut me some slack, I'm running late",
    "I'm going to cut my hair short",
    "dead chuffed with my knitting",
    "my tomatoes all died in the frost",
    "the match was a bloodbath",
    "hanging the bunting for the party",
    "I jumped off the bus a stop early",
    "shoot me a message when you're there",
    "I'm going to dye my hair blue",
    "that was an odd walk",
    "took my tablets with breakfast as usual",
    "I overdid it at the gym",
    "the end of the session was lovely",
]
CRISES_BY_CATEGORY = {
    "suicidal thoughts": ["I want to kill myself", "gonna kms", "i want to unalive myself", "everyone would be better off without me"],
    "self harm": ["I've been self-harming again", "relapsed on sh last night", "i cut my arms again"],
    "plans and means": ["I've been saving up my tablets", "I'm standing on the bridge", "took a whole box of paracetamol"],
    "goodbye messages": ["this is the last message you'll hear from me", "I've been giving my things away",
                         "I won't be around much longer"],
    "danger from others": ["my partner punched me again", "he said he will kill me", "I'm not safe at home"],
    "harm to a child": ["I keep having thoughts of hurting my baby", "the baby would be better off without me"],
}


def neutral(text: str, crisis_confidence: float = 0.01) -> ParseResult:
    """A model result that saw no crisis (or as little as given)."""
    return ParseResult(text, "chitchat", 0.9, {"chitchat": 0.9, "crisis": crisis_confidence})


@pytest.mark.parametrize("text", IDIOMS_THAT_STAY_NONE)
def test_everyday_idioms_stay_none(text):
    assessment = SCREEN.assess(text, neutral(text))
    assert assessment.level == "none", assessment.reasons


@pytest.mark.parametrize("category, text", [(c, t) for c, texts in CRISES_BY_CATEGORY.items() for t in texts])
def test_the_lexicon_raises_a_crisis_the_model_missed_and_says_why(category, text):
    assessment = SCREEN.assess(text, neutral(text))
    assert assessment.level == "crisis"
    assert any(category in reason for reason in assessment.reasons), assessment.reasons


def test_the_models_crisis_intent_alone_is_a_concern_because_it_is_confident_on_harmless_chat():
    text = "i just feel done with everything"
    assessment = SCREEN.assess(text, neutral(text, crisis_confidence=0.97))
    assert assessment.level == "concern" and assessment.reasons[0].startswith("model:")


def test_the_models_crisis_intent_with_another_layers_concern_is_a_crisis():
    text = "I can't cope anymore"  # the lexicon's concern
    assessment = SCREEN.assess(text, neutral(text, crisis_confidence=0.97))
    assert assessment.level == "crisis" and any(r.startswith("model:") for r in assessment.reasons)


@pytest.mark.parametrize("text", ["I'm not going to kill myself, don't worry", "I would never self harm"])
def test_a_negated_crisis_phrase_is_still_a_concern(text):
    assert SCREEN.assess(text, neutral(text)).level == "concern"


def test_hopelessness_is_a_concern():
    assert SCREEN.assess("I can't cope anymore", neutral("I can't cope anymore")).level == "concern"


def test_curly_apostrophes_and_capitals_do_not_hide_a_crisis():
    text = "I DON\u2019T WANT TO BE HERE ANYMORE"
    assert SCREEN.assess(text, neutral(text)).level == "crisis"


async def test_classify_examples_from_the_dialogue_issue_behave_as_documented(inprocess_engine):
    for text, level in [("I want to end it all", "crisis"), ("this walk is killing me", "none"),
                        ("everyone would be better off without me", "crisis"), ("I could murder a tea", "none"),
                        ("my phone died", "none"), ("I've been giving my things away", "crisis")]:
        assert SCREEN.assess(text, await inprocess_engine.parse(text)).level == level, text


async def test_the_hard_negative_idioms_stay_none_with_model_and_lexicon_together(inprocess_engine):
    from conftest import RASA_PROJECT

    idioms = [l for l in (RASA_PROJECT / "tests" / "hard_negatives.txt").read_text().splitlines() if l.strip()]
    flagged = {}
    for text in idioms:
        assessment = SCREEN.assess(text, await inprocess_engine.parse(text))
        if assessment.level != "none":
            flagged[text] = assessment.reasons
    assert flagged == {}


# --- Disguised words, long messages, third parties (lexicon and normalisation) -------------

DISGUISED_CRISES = [
    "i want to k1ll mys3lf",                 # leetspeak
    "k i l l m y s e l f",                   # spaced-out letters
    "i want to d\u200bie",                   # a zero-width space inside the word
    "i just want to diiiiie",                # stretched letters
    "\U0001d5c2 \U0001d5ba\U0001d5c7\U0001d5cd to end it all",  # "fancy font" letters
    "💊💊💊 took all of them 👋",             # emoji standing for the means
]


@pytest.mark.parametrize("text", DISGUISED_CRISES)
def test_disguised_risk_words_are_still_read_as_a_crisis(text):
    assert SCREEN.read(text).level == "crisis", text


@pytest.mark.parametrize("text", [
    "I took 40 co-codamol an hour ago",
    "my self harm has got worse since last week, needed stitches",
    "waiting at the platform for the fast train and I'm not getting on it",
    "goodbye everyone, forever",
    "I just want to end the pain",
    "I want to disappear forever",
])
def test_plainly_stated_means_and_farewells_are_a_crisis(text):
    assert SCREEN.read(text).level == "crisis", text


@pytest.mark.parametrize("text", [
    "took my tablets as usual",
    "took 2 paracetamol for my headache",
    "cut myself on the rotary cutter lol",
    "watching Suicide Squad tonight",
    "going to end the day with a bath",
    "I feel safer in this group than anywhere",
])
def test_everyday_talk_of_medicines_tools_titles_and_endings_stays_none(text):
    assert SCREEN.read(text).level == "none", SCREEN.read(text).reasons


def test_a_disclosure_after_a_paragraph_of_news_counts_in_full():
    news = ("Lovely walk today, the dog got absolutely filthy in the woods. Bought some new wool for the "
            "blanket and had a scone at the cafe. Not sure about thursday yet. ")
    alone = SCREEN.read("I want to kill myself")
    late = SCREEN.read(news + "I want to kill myself")
    assert alone.level == late.level == "crisis"


def test_a_negation_in_an_earlier_sentence_does_not_soften_a_later_disclosure():
    assert SCREEN.read("Not sure I'll make it thursday. I want to kill myself").level == "crisis"


def test_risk_to_someone_else_is_a_crisis_about_them():
    risk = SCREEN.read("my friend says she's going to kill herself tonight")
    assert risk.is_crisis and risk.about_others


def test_a_writer_at_risk_as_well_as_a_friend_is_not_only_about_others():
    risk = SCREEN.read("my mate wants to kill himself and honestly I want to kill myself too")
    assert risk.is_crisis and not risk.about_others


def test_the_model_alone_makes_a_single_word_a_concern_not_a_crisis():
    assert SCREEN.assess("Birdie", neutral("Birdie", crisis_confidence=0.9)).level == "concern"
    assert SCREEN.assess("kms", neutral("kms", crisis_confidence=0.9)).level == "crisis"


def test_the_sentence_encoder_reads_the_end_of_a_long_message_and_the_lexicon_all_of_it():
    opening = "I want to kill myself, I said to myself at the gym when the instructor shouted again. "
    news = ("We went to the market and bought apples and a loaf for tea. The bus was late again, "
            "so we walked the long way round past the canal. My sister rang about the holiday and "
            "we talked for an hour about flights. Then I did the washing up and watched the quiz. ")
    closing = "Anyway I'm off to bed now."
    read_by_encoder = units(opening + news + closing)
    assert read_by_encoder[-1] == closing
    assert sum(len(u.split()) for u in read_by_encoder) <= ENCODER_WORDS
    assert all("kill" not in u for u in read_by_encoder)
    assert SCREEN.read(opening + news + closing).level == "crisis"  # the lexicon read the opening


def test_the_encoder_gives_each_text_the_same_vector_alone_or_batched_with_longer_ones():
    from bot.safety.screen import shared_encoder

    texts = ["took my tablets", "I want to end it all tonight and nobody is going to stop me now " * 3, "hi all"]
    together = shared_encoder().encode(texts)
    alone = np.vstack([shared_encoder().encode([text]) for text in texts])
    assert np.abs(together - alone).max() < 1e-4


def test_the_encoder_graph_computes_the_packaged_model_s_own_vectors():
    """Reference values computed by the encoder's earlier NumPy implementation of the same
    model: a wrong layer, head split or pooling in the ONNX graph moves them far beyond
    this tolerance."""
    from bot.safety.screen import shared_encoder

    vectors = shared_encoder().encode(["I have taken all my tablets", "We planted tulips in the allotment"])
    assert np.allclose(vectors[0, :6], [0.02658, -0.02554, -0.01516, -0.07337, 0.03225, -0.03681], atol=2e-4)
    assert np.allclose(vectors[1, :6], [0.00024, 0.02874, -0.01915, 0.05892, 0.08399, -0.0508], atol=2e-4)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(vectors[0] @ vectors[1]) == pytest.approx(0.1018, abs=1e-3)


# --- Spanish: the lexicon is the screen (the classifier and the dialogue model read English) ---

SPANISH_CRISES_BY_CATEGORY = {
    "pensamientos suicidas": ["quiero morirme", "me quiero matar esta noche", "no quiero vivir mas",
                              "estarían mejor sin mí", "voy a acabar con todo"],
    "autolesiones": ["me corté las muñecas otra vez", "volví a hacerme daño", "tengo autolesiones nuevas"],
    "planes y medios": ["me he tomado todas las pastillas de mi madre", "tome 30 paracetamol",
                        "voy a tirarme del puente", "estoy en la azotea y voy a saltar", "tengo una soga"],
    "despedidas": ["es mi último mensaje, adiós a todos", "ya no estaré aquí mañana"],
    "peligro de otros": ["mi pareja me pega", "dice que me va a matar"],
}
SPANISH_EVERYDAY = ["me muero de risa con este grupo", "me corté el pelo ayer", "me mata el calor",
                    "hoy fuimos a pasear al parque", "me tomé la pastilla con el desayuno",
                    "me voy a morir de vergüenza en la reunión", "el tren llega tarde otra vez"]


@pytest.mark.parametrize("category, text", [(c, t) for c, texts in SPANISH_CRISES_BY_CATEGORY.items() for t in texts])
def test_spanish_crisis_words_are_a_crisis_without_any_model(category, text):
    risk = SCREEN.read(text)
    assert risk.level == "crisis" and any(category in reason for reason in risk.reasons), risk.reasons


@pytest.mark.parametrize("text", SPANISH_EVERYDAY)
def test_everyday_spanish_stays_none_for_the_lexicon(text):
    assert SCREEN.read(text).level == "none"


def test_spanish_risk_to_someone_else_and_hopelessness():
    assert SCREEN.read("mi amiga dice que se quiere matar").about_others
    assert SCREEN.read("ya no puedo más").level == "concern"
