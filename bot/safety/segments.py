"""Splitting a message into the parts the screen reads one by one.

A disclosure at the end of a paragraph of everyday news ("lovely walk, the dog
was muddy, bought wool... anyway I've taken all my tablets") is diluted when
the whole paragraph is classified at once. Screening each sentence, and each
clause of a long sentence, lets those few words count as much as they would
alone; the screen keeps the highest level it finds.
"""
from __future__ import annotations

import re

# Sentence ends, line breaks, and the joins people use instead of full stops
# in chat ("... lol anyway", " - ", " / ", emoji runs are kept inside a part).
SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+|\n+|\s+[-–—/|]\s+|[;:]\s+")
# Clause joins that often start the part that matters in a run-on message.
CLAUSE_BREAK = re.compile(r",\s+|\s+(?=(?:but|anyway|anyways|so|and then|tbh|ngl|honestly|though)\b)", re.IGNORECASE)
LONG_SENTENCE_WORDS = 14  # sentences longer than this are also read clause by clause
MIN_WORDS = 2  # shorter fragments ("lol", "ok") carry no meaning of their own
MAX_PARTS = 12  # a screen-full of chat; the lexicon reads the whole message too
# The sentence encoder's cost grows with every word (about 0.2 ms a token on these
# cores, on top of about 3 ms a call), so it reads at most this many words: the
# last ones, where disclosures tend to come. The lexicon still reads every word.
ENCODER_WORDS = 30


def parts(text: str) -> list[str]:
    """The sentences of a message, plus the clauses of its long sentences, in order,
    without duplicates; empty for a message of one short sentence (the whole is enough).
    Cheap readers (the lexicon) read all of these."""
    found: list[str] = []
    for sentence in _sentences(text):
        found.append(sentence)
        if len(sentence.split()) > LONG_SENTENCE_WORDS:
            found.extend(_clauses(sentence))
    return _kept(found, text)


def units(text: str, max_words: int = ENCODER_WORDS) -> list[str]:
    """The smallest parts only: each sentence, or the clauses of a long one; the whole
    message when it is a single short sentence. The sentence encoder reads these: its
    cost grows with every word it reads, so it reads each word about once, and only
    the last ``max_words`` of a long message (a longer last part is read on its own)."""
    found: list[str] = []
    for sentence in _sentences(text):
        found.extend(_clauses(sentence) if len(sentence.split()) > LONG_SENTENCE_WORDS else [sentence])
    return _last_words(_kept(found, text) or [text], max_words)


def encoder_texts(text: str, max_words: int = ENCODER_WORDS) -> list[str]:
    """What the sentence classifier reads: the message's last ``max_words`` words as one
    text (the context), then each of its smallest parts (``units``); a single short
    sentence once. Fragments under MIN_WORDS are left out (nothing, for a one-word
    message: a sentence model scores a lone word at random)."""
    tail = " ".join(text.split()[-max_words:])
    if len(tail.split()) < MIN_WORDS:
        return []
    return [tail, *(u for u in units(text, max_words) if len(u.split()) >= MIN_WORDS and " ".join(u.split()) != tail)]


def _last_words(pieces: list[str], max_words: int) -> list[str]:
    kept: list[str] = []
    words = 0
    for piece in reversed(pieces):
        words += len(piece.split())
        if kept and words > max_words:
            break
        kept.insert(0, piece)
    return kept


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_BREAK.split(text) if s and s.strip()]


def _clauses(sentence: str) -> list[str]:
    return [c.strip() for c in CLAUSE_BREAK.split(sentence) if c and c.strip()]


def _kept(found: list[str], text: str) -> list[str]:
    """Without duplicates, fragments too short to mean anything, or the whole text itself;
    when cut, the end of a long message is kept: disclosures tend to come last."""
    unique = list(dict.fromkeys(p for p in found if len(p.split()) >= MIN_WORDS and p != text.strip()))
    return unique[-MAX_PARTS:]
