"""The risk decision: ``none``, ``concern`` or ``crisis``, with the reasons.

Three layers, each able to raise the level and none able to lower it:

1. the curated lexicon (config/risk_lexicon.yaml), read in several
   de-obfuscated forms;
2. a classifier over sentence embeddings (``classifier.py``), trained on
   wording far beyond the lexicon's;
3. the dialogue model's ``crisis`` intent and its confidence (read from the
   full ranking, so a guess below the fallback threshold still counts). Its
   confidence is high on much harmless chat ("going to end the day with a
   bath": 1.00), so alone it raises a concern; it makes a crisis when another
   layer has seen at least a concern in the same message.

The first two need no dialogue model, so they run first and on their own
(``read``): a slow or dead Rasa never costs a person in crisis their screen.
The lexicon reads long messages whole and part by part (``segments.parts``);
the classifier reads a message's last words together and part by part
(``segments.encoder_texts``), so a disclosure after a paragraph of news counts
in full. The
running bot, ``peerbot classify`` and ``peerbot eval-safety`` use this one
``SafetyScreen``, so the command line shows what the bot does.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import replace
from pathlib import Path
from typing import Awaitable, Callable, Optional

from bot.config import Settings
from bot.dialogue.engine import ParseResult
from bot.dialogue.priority import TurnGate
from bot.safety.assessment import RiskAssessment
from bot.safety.classifier import RiskClassifier, load_current, message_pieces
from bot.safety.encoder import SentenceEncoder
from bot.safety.lexicon import LEVELS, LexiconMatch, RiskLexicon
from bot.safety.segments import MIN_WORDS, parts

log = logging.getLogger(__name__)

CRISIS_INTENT = "crisis"
# Confidence of the crisis intent at which a message is treated as a crisis,
# and the lower level at which it is a concern a human should look at. Set
# from the held-out NLU file (tests/test_nlu_quality.py): recall first.
CRISIS_THRESHOLD = 0.5
CONCERN_THRESHOLD = 0.25
LEXICON_IS_ENOUGH = "crisis words: screened without waiting for the other layers"


def highest(*assessments: RiskAssessment) -> RiskAssessment:
    """The combined view: the highest level, every reason, and "about someone else" when
    the lexicon saw someone else at risk and no first-person crisis (the classifier and
    the model cannot tell whose risk it is)."""
    level = max((a.level for a in assessments), key=LEVELS.index, default="none")
    reasons = tuple(dict.fromkeys(r for a in assessments for r in a.reasons))
    lexicon = [a for a in assessments if a.reasons and a.reasons[0].startswith("lexicon:")]
    about_others = any(a.about_others for a in lexicon) and not any(
        a.level == "crisis" and not a.about_others for a in lexicon)
    return RiskAssessment(level, reasons, level == "crisis" and about_others)


def assess(parse: ParseResult, corroborated: bool) -> RiskAssessment:
    """The dialogue model's view, given whether another layer saw at least a concern.
    Uncorroborated, its crisis intent raises a concern only. On a single word ("Birdie")
    its character n-grams are guesswork, so there it never makes a crisis; single-word
    crises ("kms", "suicidal") are the lexicon's."""
    confidence = parse.confidence_of(CRISIS_INTENT)
    if confidence >= CRISIS_THRESHOLD and len(parse.text.split()) < MIN_WORDS:
        return RiskAssessment("concern", (f"model: crisis intent {confidence:.2f} on a single word",))
    if confidence >= CRISIS_THRESHOLD and not corroborated:
        return RiskAssessment("concern", (f"model: crisis intent {confidence:.2f}, no other layer agreeing",))
    if confidence >= CRISIS_THRESHOLD:
        return RiskAssessment("crisis", (f"model: crisis intent {confidence:.2f}",))
    if confidence >= CONCERN_THRESHOLD:
        return RiskAssessment("concern", (f"model: possible crisis intent {confidence:.2f}",))
    return RiskAssessment("none")


def from_lexicon(match: LexiconMatch) -> RiskAssessment:
    return RiskAssessment(match.level, (f"lexicon: {match.category.replace('_', ' ')} ({match.phrase!r})",),
                          match.about_others)


@functools.lru_cache(maxsize=1)
def shared_encoder() -> SentenceEncoder:
    """One encoder per process: it is read-only, and loading it costs about a second."""
    return SentenceEncoder.load()


class EmbeddingLayer:
    """The sentence encoder and the risk classifier, used together."""

    def __init__(self, encoder: SentenceEncoder, classifier: RiskClassifier) -> None:
        self.encoder = encoder
        self.classifier = classifier

    @classmethod
    def load(cls, model_dir: Path, nlu_path: Path, training_dir: Path) -> "EmbeddingLayer":
        return cls(shared_encoder(), load_current(model_dir, nlu_path, training_dir))

    def assess(self, text: str) -> RiskAssessment:
        """The message's score (``RiskClassifier.message_score``). One-word messages
        ("Kim", "ok") carry too little for a sentence model and score at random, so
        they are left to the lexicon and the dialogue model."""
        texts = message_pieces(text)
        if not texts:
            return RiskAssessment("none")
        score, best = self.classifier.message_score(self.encoder.encode(texts), texts)
        where = "" if len(texts) == 1 else f", strongest in {texts[best][:60]!r}"
        if score >= self.classifier.crisis_threshold:
            return RiskAssessment("crisis", (f"classifier: crisis {score:.2f}{where}",))
        if score >= self.classifier.concern_threshold:
            return RiskAssessment("concern", (f"classifier: possible crisis {score:.2f}{where}",))
        return RiskAssessment("none")


class SafetyScreen:
    def __init__(self, lexicon: RiskLexicon, embedding: Optional[EmbeddingLayer] = None) -> None:
        self.lexicon = lexicon
        self.embedding = embedding
        # One read at a time, a crisis's first: a read already uses both cores, and eight
        # reads at once in eight threads made each (the crisis's too) wait on all the others.
        self.reading = TurnGate(1)

    @classmethod
    def load(cls, settings: Settings) -> "SafetyScreen":
        """Every layer; raises ClassifierMissing (run `peerbot train`) or EncoderUnavailable."""
        dialogue = settings.dialogue
        return cls(RiskLexicon.load(settings.content.risk_lexicon),
                   EmbeddingLayer.load(dialogue.model_dir, dialogue.nlu_dir, settings.safety.training_dir))

    def lexicon_view(self, text: str) -> RiskAssessment:
        """The lexicon alone, on the whole message and its parts: well under a millisecond."""
        return highest(*(from_lexicon(m) for piece in [text, *parts(text)] for m in self.lexicon.matches(piece)))

    def lexicon_sees_crisis(self, text: str) -> bool:
        """So intake can put a crisis at the front of the queue before anything else runs."""
        return self.lexicon_view(text).level == "crisis"

    def read(self, text: str) -> RiskAssessment:
        """The layers that need no dialogue model, on the whole message and each of its parts.
        CPU-bound (the encoder), so the bot runs it in a worker thread."""
        return self._with_encoder(text, self.lexicon_view(text))

    def _with_encoder(self, text: str, lexicon: RiskAssessment) -> RiskAssessment:
        """The lexicon's view with the encoder's added (the same decision as taking the
        highest over every lexicon match and the encoder at once)."""
        return lexicon if self.embedding is None else highest(lexicon, self.embedding.assess(text))

    def combine(self, own: RiskAssessment, parse: Optional[ParseResult]) -> RiskAssessment:
        """Add the dialogue model's view, when there is one (None: the engine failed)."""
        if parse is None:
            return replace(own, reasons=own.reasons + ("dialogue model unavailable: screened without it",))
        return highest(own, assess(parse, corroborated=own.level != "none"))

    def assess(self, text: str, parse: Optional[ParseResult]) -> RiskAssessment:
        return self.combine(self.read(text), parse)

    async def _read_in_turn(self, text: str, lexicon: RiskAssessment) -> RiskAssessment:
        async with self.reading.slot():
            return await asyncio.to_thread(self._with_encoder, text, lexicon)

    async def screen(self, text: str, parser: Optional[Callable[[str], Awaitable[ParseResult]]]
                     ) -> tuple[Optional[ParseResult], RiskAssessment]:
        """Every layer, as the bot runs them: the model-free ones in a worker thread while
        the dialogue engine parses, so the screen costs little more than the parse. When
        the engine fails (``parser`` is expected to bound its own time, as GuardedEngine
        does), the screen goes on without it (the parse is then None).

        A first-person crisis in the lexicon's own words is final: no layer can lower it,
        so the person's reply and the PSWs' page do not wait for the others (under load,
        the queue for the model and the encoder)."""
        lexicon = self.lexicon_view(text)
        if lexicon.is_crisis and not lexicon.about_others:
            return None, replace(lexicon, reasons=lexicon.reasons + (LEXICON_IS_ENOUGH,))
        own = asyncio.create_task(self._read_in_turn(text, lexicon))
        parse = None
        if parser is not None:
            try:
                parse = await parser(text)
            except Exception as exc:  # any failure of the engine: the screen must not depend on it
                log.warning("dialogue engine failed to parse (%s); screening without it", type(exc).__name__)
        return parse, self.combine(await own, parse)
