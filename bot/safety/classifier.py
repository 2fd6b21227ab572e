"""The screen's learned layer: a risk classifier over sentence embeddings.

A support-vector machine with an RBF kernel on all-MiniLM-L6-v2 vectors (see
``encoder.py``); in 5-fold cross-validation on the training data it kept 0.86
of crisis lines at 3 % false alarms, where logistic regression kept 0.72 and a
small MLP 0.76. It is trained from files, never from the evaluation set: the
dialogue model's NLU data (``crisis`` examples against every other intent) and
every ``safety_data/*.yaml`` file (short crisis and everyday lines in many
wordings). Its thresholds come from out-of-fold scores on that same training
data: the crisis threshold is the highest score that still keeps
``TARGET_RECALL`` of the crisis lines, unless that would flag more than
``MAX_FALSE_ALARM`` of the everyday ones; the concern threshold flags at most
``CONCERN_FALSE_ALARM`` of everyday lines (a follow-up, not a page).

Like the Rasa model, the trained weights are named after a hash of what
shaped them, so ``peerbot train`` retrains only when a training file changed.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import yaml

from bot.safety.encoder import SentenceEncoder
from bot.safety.normalise import readable

log = logging.getLogger(__name__)

PREFIX = "safety-screen-"
SUFFIX = ".npz"
# Bumped when the training procedure changes, so old weights are not reused.
TRAINING_VERSION = "1"
TARGET_RECALL = 0.98
MAX_FALSE_ALARM = 0.03
CONCERN_FALSE_ALARM = 0.06
FOLDS = 5
REGULARISATION = 8.0  # scikit-learn's C: chosen by cross-validation on the training data


class ClassifierMissing(RuntimeError):
    """No trained weights for the current training data; the message says what to do."""


@dataclass(frozen=True)
class Example:
    text: str
    crisis: bool


def nlu_examples(nlu_file: Path) -> list[Example]:
    """The dialogue model's NLU lines, as Rasa reads them: ``crisis`` against every other intent."""
    from bot.dialogue.evaluation import load_examples  # Rasa's loader: heavy, needed only to train

    return [Example(text, intent == "crisis") for text, intent in load_examples(nlu_file)]


def screen_examples(training_file: Path) -> list[Example]:
    data = yaml.safe_load(training_file.read_text(encoding="utf-8"))
    return ([Example(str(t), True) for t in data.get("crisis") or ()]
            + [Example(str(t), False) for t in data.get("everyday") or ()])


def training_files(training_dir: Path) -> list[Path]:
    files = sorted(training_dir.glob("*.yaml"))
    if not files:
        raise ClassifierMissing(f"no training files (*.yaml) in {training_dir}")
    return files


def training_examples(nlu_file: Path, training_dir: Path) -> list[Example]:
    """Every training line once (the first label wins for a line in two files)."""
    unique: dict[str, Example] = {}
    examples = nlu_examples(nlu_file) + [e for f in training_files(training_dir) for e in screen_examples(f)]
    for example in examples:
        unique.setdefault(example.text.lower(), example)
    return list(unique.values())


def fingerprint(nlu_file: Path, training_dir: Path) -> str:
    digest = hashlib.sha256(TRAINING_VERSION.encode())
    for path in (nlu_file, *training_files(training_dir)):
        digest.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class RiskClassifier:
    """The trained SVM's decision function, kept as plain arrays (no scikit-learn at run time)."""

    support_vectors: np.ndarray  # (n, 384)
    dual_coef: np.ndarray  # (n,)
    intercept: float
    gamma: float
    crisis_threshold: float
    concern_threshold: float

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """The SVM's signed distance for each embedded text: higher is more like a crisis."""
        squared = ((vectors ** 2).sum(1)[:, None] + (self.support_vectors ** 2).sum(1)[None, :]
                   - 2.0 * vectors @ self.support_vectors.T)
        return np.exp(-self.gamma * squared) @ self.dual_coef + self.intercept

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, support_vectors=self.support_vectors, dual_coef=self.dual_coef,
                 scalars=np.array([self.intercept, self.gamma, self.crisis_threshold, self.concern_threshold]))

    @classmethod
    def load(cls, path: Path) -> "RiskClassifier":
        with np.load(path) as data:
            intercept, gamma, crisis, concern = data["scalars"].tolist()
            return cls(data["support_vectors"].astype(np.float32), data["dual_coef"].astype(np.float32),
                       intercept, gamma, crisis, concern)

    @classmethod
    def from_svm(cls, model, crisis_threshold: float, concern_threshold: float) -> "RiskClassifier":
        return cls(model.support_vectors_.astype(np.float32), model.dual_coef_[0].astype(np.float32),
                   float(model.intercept_[0]), float(model._gamma), crisis_threshold, concern_threshold)


def _fit(vectors: np.ndarray, labels: np.ndarray):
    from sklearn.svm import SVC

    return SVC(C=REGULARISATION, kernel="rbf", class_weight="balanced").fit(vectors, labels)


def out_of_fold_scores(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each line scored by a model that never saw it: an honest basis for thresholds."""
    from sklearn.model_selection import StratifiedKFold

    scores = np.zeros(len(labels))
    for train, held in StratifiedKFold(FOLDS, shuffle=True, random_state=7).split(vectors, labels):
        scores[held] = _fit(vectors[train], labels[train]).decision_function(vectors[held])
    return scores


def flagging_at_most(scores: np.ndarray, share: float) -> float:
    """The lowest threshold (score >= threshold flags) that flags at most ``share`` of these scores."""
    ordered = np.sort(scores)
    allowed = int(np.floor(share * len(ordered)))
    return float(np.nextafter(ordered[len(ordered) - allowed - 1], np.inf))


def choose_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """Recall first: the highest threshold keeping TARGET_RECALL of crisis lines, but
    never one that flags more than MAX_FALSE_ALARM of everyday lines."""
    crisis = np.sort(scores[labels])
    for_recall = float(crisis[int(np.floor((1 - TARGET_RECALL) * len(crisis)))])
    return max(for_recall, flagging_at_most(scores[~labels], MAX_FALSE_ALARM))


def train(examples: Sequence[Example], encoder: SentenceEncoder) -> tuple[RiskClassifier, dict]:
    """The classifier and a summary of its out-of-fold performance on the training data."""
    vectors = encoder.encode([readable(e.text) for e in examples])
    labels = np.array([e.crisis for e in examples])
    held_out = out_of_fold_scores(vectors, labels)
    threshold = choose_threshold(held_out, labels)
    model = _fit(vectors, labels)
    concern = min(threshold, flagging_at_most(held_out[~labels], CONCERN_FALSE_ALARM))
    classifier = RiskClassifier.from_svm(model, threshold, concern)
    summary = {
        "examples": len(examples), "crisis": int(labels.sum()), "threshold": round(threshold, 4),
        "cross_validated_recall": round(float((held_out[labels] >= threshold).mean()), 4),
        "cross_validated_false_alarms": round(float((held_out[~labels] >= threshold).mean()), 4),
    }
    return classifier, summary


def weights_path(model_dir: Path, nlu_file: Path, training_dir: Path) -> Path:
    return model_dir / f"{PREFIX}{fingerprint(nlu_file, training_dir)}{SUFFIX}"


def train_if_changed(model_dir: Path, nlu_file: Path, training_dir: Path,
                     encoder: SentenceEncoder | None = None, force: bool = False) -> tuple[Path, dict | None]:
    """Train unless weights for exactly this training data exist; returns (path, summary or None)."""
    target = weights_path(model_dir, nlu_file, training_dir)
    if target.is_file() and not force:
        return target, None
    classifier, summary = train(training_examples(nlu_file, training_dir), encoder or SentenceEncoder.load())
    classifier.save(target)
    target.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    for old in model_dir.glob(f"{PREFIX}*"):
        if old.stem != target.stem:
            old.unlink()
    return target, summary


def load_current(model_dir: Path, nlu_file: Path, training_dir: Path) -> RiskClassifier:
    path = weights_path(model_dir, nlu_file, training_dir)
    if not path.is_file():
        raise ClassifierMissing(f"no trained safety classifier for the current training data (expected {path}); "
                                "run `peerbot train`")
    return RiskClassifier.load(path)
