"""The screen's second learned reader: word and character n-grams, weighed linearly.

The sentence encoder reads meaning but blurs spelling ("od'd", "necked 30",
"unalive"); n-grams keep exactly the surface the encoder blurs. On the
development set the two together kept more crises at every false-alarm rate
than either alone (``classifier.py`` combines them), the way Rasa's own
pipeline pairs character n-grams with word features.

The model is trained with scikit-learn (``fit``) but runs from plain arrays
(``NgramModel.scores``), so the bot does not import scikit-learn to start.
``fit`` checks that the two give the same scores, so they cannot drift apart.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import numpy.typing as npt

from bot.safety.encoder import Floats

WORD = re.compile(r"\b\w\w+\b")
CHARACTERS = range(2, 6)  # character 2- to 5-grams within each word, its edges marked by spaces
MIN_LINES = 2  # an n-gram seen in one training line only is noise
REGULARISATION = 10.0  # scikit-learn's C, chosen on the development set beside the sentence model


def analyse(text: str) -> list[str]:
    """Every feature of a text: character n-grams of each word ("c" prefix), and its words
    and word pairs ("w" prefix, so "kms" the word and "kms" inside a word differ)."""
    lowered = text.lower()
    features = [f"c{padded[i:i + n]}" for word in lowered.split() for padded in [f" {word} "]
                for n in CHARACTERS for i in range(len(padded) - n + 1)]
    words = WORD.findall(lowered)
    features += [f"w {w}" for w in words] + [f"w {a} {b}" for a, b in zip(words, words[1:])]
    return features


@dataclass(frozen=True)
class NgramModel:
    """A logistic regression over TF-IDF n-grams (sublinear counts, unit length), as arrays."""

    index: dict[str, int]
    idf: Floats
    coef: Floats
    intercept: float

    def score(self, text: str) -> float:
        counts = Counter(f for f in analyse(text) if f in self.index)
        if not counts:
            return self.intercept
        columns = [self.index[f] for f in counts]
        weights = np.array([1.0 + math.log(n) for n in counts.values()]) * self.idf[columns]
        return float(weights @ self.coef[columns] / np.linalg.norm(weights) + self.intercept)

    def scores(self, texts: Sequence[str]) -> Floats:
        return np.array([self.score(t) for t in texts], dtype=np.float32)

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        terms = np.array(sorted(self.index, key=self.index.__getitem__))
        return {"ngram_terms": terms, "ngram_idf": self.idf, "ngram_coef": self.coef,
                "ngram_intercept": np.array([self.intercept])}

    @classmethod
    def from_arrays(cls, data: "np.lib.npyio.NpzFile") -> "NgramModel":
        terms = data["ngram_terms"].tolist()
        return cls({t: i for i, t in enumerate(terms)}, data["ngram_idf"].astype(np.float32),
                   data["ngram_coef"].astype(np.float32), float(data["ngram_intercept"][0]))


def fit(texts: Sequence[str], labels: npt.NDArray[np.bool_]) -> NgramModel:
    """Train on ``texts`` (already ``readable``); raises if the arrays score differently
    from scikit-learn on the training texts."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectoriser = TfidfVectorizer(analyzer=analyse, sublinear_tf=True, min_df=MIN_LINES)
    features = vectoriser.fit_transform(texts)
    regression = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=3000).fit(features, labels)
    model = NgramModel({t: int(i) for t, i in vectoriser.vocabulary_.items()},
                       vectoriser.idf_.astype(np.float32), regression.coef_[0].astype(np.float32),
                       float(regression.intercept_[0]))
    sample = list(texts[:: max(1, len(texts) // 200)])
    if not np.allclose(model.scores(sample), regression.decision_function(vectoriser.transform(sample)), atol=1e-3):
        raise RuntimeError("the n-gram model's arrays do not reproduce scikit-learn's scores")
    return model
