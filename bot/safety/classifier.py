"""The screen's learned layer: a risk classifier over sentence embeddings and n-grams.

Two models read each text: a support-vector machine with an RBF kernel on
all-MiniLM-L6-v2 vectors (see ``encoder.py``; in 5-fold cross-validation on its
training lines an RBF SVM beat logistic regression and a small MLP), and a
linear model on word and character n-grams (``ngrams.py``), which keeps the
spelling the sentence vectors blur. Each model's score is put on the scale of
everyday development messages and the two are added. Both learn from files,
never from the evaluation set: the dialogue model's NLU data (``crisis``
examples against every other intent, from every file in
``rasa_project/data/nlu/``) and every ``safety_data/*.yaml`` file (crisis and
everyday lines, one message each, in many wordings).

A message is scored as a whole, not line by line: half the score of its last
words read together (the context) and half the score of its most crisis-like
part (``segments.encoder_texts``). A risky-sounding last sentence after harmless
news ("...and the film ends with him jumping") scores lower than the same words
alone, while a real disclosure scores high either way; on the development set
this kept far more crises at the same false-alarm rate than the parts alone.
Because that score is about messages, its thresholds are chosen on messages:
the development set (``safety_data/dev/``, labelled messages in the evaluation
set's format, used for tuning and never for training). The crisis threshold
flags at most ``DEV_FALSE_CRISIS`` of its everyday messages, the concern
threshold (a follow-up, not a page) at most ``DEV_FALSE_CONCERN``.

Like the Rasa model, the trained weights are named after a hash of what
shaped them, so ``peerbot train`` retrains only when a training file changed.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import numpy.typing as npt
import yaml

from bot.dialogue.model import nlu_files
from bot.safety import ngrams
from bot.safety.encoder import Floats, SentenceEncoder
from bot.safety.evaluation import EvalItem, load_set
from bot.safety.ngrams import NgramModel
from bot.safety.normalise import readable
from bot.safety.segments import ENCODER_WORDS, encoder_texts

if TYPE_CHECKING:
    from sklearn.svm import SVC

log = logging.getLogger(__name__)

PREFIX = "safety-screen-"
SUFFIX = ".npz"
# Bumped when the training procedure changes, so old weights are not reused.
TRAINING_VERSION = "3"
DEV_DIR = "dev"  # under the training directory: messages for choosing thresholds, never trained on
# Chosen on the development set: with the lexicon and the dialogue model beside it,
# these kept 0.97 of its crises at about 1 in 10 of its (deliberately hard) everyday
# messages; flagging 5 % instead kept 0.95 at 7.7 %, and 12 % kept 0.98 at 14 %.
DEV_FALSE_CRISIS = 0.08
DEV_FALSE_CONCERN = 0.20
# The cross-validation summary reports recall at this false-alarm rate on single lines.
LINE_FALSE_ALARM = 0.03
CONTEXT_WEIGHT = 0.5  # the share of a message's score that comes from its last words read together
FOLDS = 5
REGULARISATION = 8.0  # scikit-learn's C: chosen by cross-validation on the training data
# The sentence model's share of a text's score; the n-gram model has the rest. Chosen on the
# development set: 0.6 kept 0.95 of its crises at 8 % false crisis, the sentence model alone 0.91.
SENTENCE_WEIGHT = 0.6


AnyScores = npt.NDArray[np.floating[Any]]


class ClassifierMissing(RuntimeError):
    """No trained weights for the current training data; the message says what to do."""


@dataclass(frozen=True)
class Example:
    text: str
    crisis: bool


def nlu_examples(nlu_path: Path) -> list[Example]:
    """The dialogue model's NLU lines, as Rasa reads them: ``crisis`` against every other intent.
    ``nlu_path`` is the NLU directory (every file, in ``nlu_files`` order) or one file."""
    from bot.dialogue.evaluation import load_examples  # Rasa's loader: heavy, needed only to train

    return [Example(text, intent == "crisis") for text, intent in load_examples(nlu_path)]


def screen_examples(training_file: Path) -> list[Example]:
    data = yaml.safe_load(training_file.read_text(encoding="utf-8"))
    return ([Example(str(t), True) for t in data.get("crisis") or ()]
            + [Example(str(t), False) for t in data.get("everyday") or ()])


def training_files(training_dir: Path) -> list[Path]:
    files = sorted(training_dir.glob("*.yaml"))
    if not files:
        raise ClassifierMissing(f"no training files (*.yaml) in {training_dir}")
    return files


def training_examples(nlu_path: Path, training_dir: Path) -> list[Example]:
    """Every training line once (the first label wins for a line in two files)."""
    unique: dict[str, Example] = {}
    examples = nlu_examples(nlu_path) + [e for f in training_files(training_dir) for e in screen_examples(f)]
    for example in examples:
        unique.setdefault(example.text.lower(), example)
    return list(unique.values())


def dev_messages(training_dir: Path) -> list[EvalItem]:
    files = sorted((training_dir / DEV_DIR).glob("*.yaml"))
    if not files:
        raise ClassifierMissing(f"no development set (*.yaml) in {training_dir / DEV_DIR}")
    return [item for path in files for item in load_set(path)]


def fingerprint(nlu_path: Path, training_dir: Path) -> str:
    """A hash of everything that shapes the weights and thresholds: the files and the settings."""
    settings = (TRAINING_VERSION, DEV_FALSE_CRISIS, DEV_FALSE_CONCERN, CONTEXT_WEIGHT, ENCODER_WORDS, REGULARISATION,
                SENTENCE_WEIGHT, ngrams.REGULARISATION, tuple(ngrams.CHARACTERS), ngrams.MIN_LINES)
    digest = hashlib.sha256(repr(settings).encode())
    for path in (*nlu_files(nlu_path), *training_files(training_dir), *sorted((training_dir / DEV_DIR).glob("*.yaml"))):
        digest.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class SentenceModel:
    """The trained SVM's decision function, kept as plain arrays (no scikit-learn at run time)."""

    support_vectors: Floats  # (n, 384)
    dual_coef: Floats  # (n,)
    intercept: float
    gamma: float

    def scores(self, vectors: Floats) -> Floats:
        """The SVM's signed distance for each embedded text: higher is more like a crisis."""
        squared = ((vectors ** 2).sum(1)[:, None] + (self.support_vectors ** 2).sum(1)[None, :]
                   - 2.0 * vectors @ self.support_vectors.T)
        distances: Floats = np.exp(-self.gamma * squared) @ self.dual_coef + self.intercept
        return distances

    @classmethod
    def from_svm(cls, model: SVC) -> "SentenceModel":
        return cls(model.support_vectors_.astype(np.float32), model.dual_coef_[0].astype(np.float32),
                   float(model.intercept_[0]), float(model._gamma))


@dataclass(frozen=True)
class Scale:
    """Where a model's scores sit on everyday text (mean and spread), so two models'
    scores can be added on one scale."""

    mean: float
    spread: float

    @classmethod
    def of(cls, scores: AnyScores) -> "Scale":
        return cls(float(np.mean(scores)), float(np.std(scores)) or 1.0)

    def __call__(self, scores: AnyScores) -> Floats:
        scaled: Floats = ((scores - self.mean) / self.spread).astype(np.float32)
        return scaled


@dataclass(frozen=True)
class RiskClassifier:
    """The sentence model and the n-gram model, each put on the scale of everyday
    messages and added (``SENTENCE_WEIGHT`` to the sentence model), with thresholds."""

    sentence: SentenceModel
    ngrams: NgramModel
    sentence_scale: Scale
    ngram_scale: Scale
    crisis_threshold: float
    concern_threshold: float

    def scores(self, vectors: Floats, texts: Sequence[str]) -> Floats:
        """One score per text (``vectors`` are the texts' embeddings): higher is more like a crisis."""
        combined: Floats = (SENTENCE_WEIGHT * self.sentence_scale(self.sentence.scores(vectors))
                            + (1 - SENTENCE_WEIGHT) * self.ngram_scale(self.ngrams.scores(texts)))
        return combined

    def message_score(self, vectors: Floats, texts: Sequence[str]) -> tuple[float, int]:
        """A message's score from its ``encoder_texts`` (the context first, then its parts)
        and their vectors, and the index of its most crisis-like part (0: the context)."""
        return combined_score(self.scores(vectors, texts))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, support_vectors=self.sentence.support_vectors, dual_coef=self.sentence.dual_coef,
                 scalars=np.array([self.sentence.intercept, self.sentence.gamma, self.crisis_threshold,
                                   self.concern_threshold, self.sentence_scale.mean, self.sentence_scale.spread,
                                   self.ngram_scale.mean, self.ngram_scale.spread]),
                 **self.ngrams.arrays())

    @classmethod
    def load(cls, path: Path) -> "RiskClassifier":
        with np.load(path) as data:
            intercept, gamma, crisis, concern, s_mean, s_spread, n_mean, n_spread = data["scalars"].tolist()
            sentence = SentenceModel(data["support_vectors"].astype(np.float32),
                                     data["dual_coef"].astype(np.float32), intercept, gamma)
            return cls(sentence, NgramModel.from_arrays(data), Scale(s_mean, s_spread), Scale(n_mean, n_spread),
                       crisis, concern)


def combined_score(scores: Floats) -> tuple[float, int]:
    """A message's score from its pieces' scores (the context first, then its parts): part
    context, part its strongest part; and the index of that part (0: the context)."""
    best = int(scores[1:].argmax()) + 1 if len(scores) > 1 else 0
    return float(CONTEXT_WEIGHT * scores[0] + (1 - CONTEXT_WEIGHT) * scores[best]), best


def _fit(vectors: Floats, labels: npt.NDArray[np.bool_]) -> SVC:
    from sklearn.svm import SVC

    return SVC(C=REGULARISATION, kernel="rbf", class_weight="balanced").fit(vectors, labels)


def out_of_fold_scores(vectors: Floats, texts: Sequence[str], labels: npt.NDArray[np.bool_]) -> Floats:
    """Each line scored by models that never saw it (both, each on the scale of the
    held-out everyday lines, added as in the screen): an honest line-by-line figure."""
    from sklearn.model_selection import StratifiedKFold

    sentence, ngram = np.zeros(len(labels)), np.zeros(len(labels))
    for train, held in StratifiedKFold(FOLDS, shuffle=True, random_state=7).split(vectors, labels):
        sentence[held] = _fit(vectors[train], labels[train]).decision_function(vectors[held])
        ngram[held] = ngrams.fit([texts[i] for i in train], labels[train]).scores([texts[i] for i in held])
    combined: Floats = (SENTENCE_WEIGHT * Scale.of(sentence[~labels])(sentence)
                        + (1 - SENTENCE_WEIGHT) * Scale.of(ngram[~labels])(ngram))
    return combined


def flagging_at_most(scores: AnyScores, share: float) -> float:
    """The lowest threshold (score >= threshold flags) that flags at most ``share`` of these scores."""
    ordered = np.sort(scores)
    allowed = int(np.floor(share * len(ordered)))
    return float(np.nextafter(ordered[len(ordered) - allowed - 1], np.inf))


def message_pieces(text: str) -> list[str]:
    """What the classifier encodes of a message, de-obfuscated: the same at training
    time (thresholds) and in the running screen, or the thresholds would not fit."""
    return [readable(t) for t in encoder_texts(text)]


def train(examples: Sequence[Example], dev: Sequence[EvalItem], encoder: SentenceEncoder
          ) -> tuple[RiskClassifier, dict[str, float]]:
    """The classifier, its scales and thresholds from the development set, and a summary:
    its out-of-fold recall on single training lines, and its figures alone on the
    development set (the screen's other layers add to both)."""
    texts = [readable(e.text) for e in examples]
    vectors = encoder.encode(texts)
    labels = np.array([e.crisis for e in examples])
    held_out = out_of_fold_scores(vectors, texts, labels)
    line_threshold = flagging_at_most(held_out[~labels], LINE_FALSE_ALARM)
    sentence, ngram = SentenceModel.from_svm(_fit(vectors, labels)), ngrams.fit(texts, labels)

    pieces = [message_pieces(m.text) for m in dev]
    flat = [t for p in pieces for t in p]
    flat_vectors = encoder.encode(flat)
    crisis = np.array([m.label == "crisis" for m in dev])
    everyday_piece = np.repeat(~crisis, [len(p) for p in pieces])
    unset = RiskClassifier(sentence, ngram, Scale.of(sentence.scores(flat_vectors)[everyday_piece]),
                           Scale.of(ngram.scores(flat)[everyday_piece]), np.inf, np.inf)
    piece_scores = unset.scores(flat_vectors, flat)
    ends = np.cumsum([len(p) for p in pieces])
    scored = np.array([combined_score(piece_scores[end - len(p):end])[0] if p else -np.inf
                       for p, end in zip(pieces, ends)])
    threshold = flagging_at_most(scored[~crisis], DEV_FALSE_CRISIS)
    classifier = replace(unset, crisis_threshold=threshold,
                         concern_threshold=flagging_at_most(scored[~crisis], DEV_FALSE_CONCERN))
    summary = {
        "examples": len(examples), "crisis": int(labels.sum()),
        f"cross_validated_line_recall_at_{LINE_FALSE_ALARM}_false_alarms":
            round(float((held_out[labels] >= line_threshold).mean()), 4),
        "dev_messages": len(dev), "crisis_threshold": round(threshold, 4),
        "dev_recall_alone": round(float((scored[crisis] >= threshold).mean()), 4),
        "dev_false_crisis_alone": round(float((scored[~crisis] >= threshold).mean()), 4),
    }
    return classifier, summary


def weights_path(model_dir: Path, nlu_path: Path, training_dir: Path) -> Path:
    return model_dir / f"{PREFIX}{fingerprint(nlu_path, training_dir)}{SUFFIX}"


def train_if_changed(model_dir: Path, nlu_path: Path, training_dir: Path,
                     encoder: SentenceEncoder | None = None, force: bool = False
                     ) -> tuple[Path, dict[str, float] | None]:
    """Train unless weights for exactly this training data exist; returns (path, summary or None)."""
    target = weights_path(model_dir, nlu_path, training_dir)
    if target.is_file() and not force:
        return target, None
    classifier, summary = train(training_examples(nlu_path, training_dir), dev_messages(training_dir),
                                encoder or SentenceEncoder.load())
    classifier.save(target)
    target.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    for old in model_dir.glob(f"{PREFIX}*"):
        if old.stem != target.stem:
            old.unlink()
    return target, summary


def load_current(model_dir: Path, nlu_path: Path, training_dir: Path) -> RiskClassifier:
    path = weights_path(model_dir, nlu_path, training_dir)
    if not path.is_file():
        raise ClassifierMissing(f"no trained safety classifier for the current training data (expected {path}); "
                                "run `peerbot train`")
    return RiskClassifier.load(path)
