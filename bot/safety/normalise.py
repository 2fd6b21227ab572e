"""Undoing the ways risk words get disguised, on purpose or by habit.

People write "k i l l myself", "k1ll mys3lf", "diiiie", put zero-width
characters inside words to dodge filters, or say it with emoji ("💊💊💊 all of
them 👋"). The screen reads a message in a few plain forms built here, so the
lexicon and the sentence classifier see words they know. Nothing here decides
anything: it only rewrites text.
"""
from __future__ import annotations

import re
import unicodedata

INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u034f\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064"
                                   "\ufeff"), None)
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
# Emoji read as the words they stand for in a risk context; the classifier's
# vocabulary has no emoji, and the lexicon's patterns are words.
EMOJI_WORDS = {
    "💊": "pills", "🔪": "knife", "🗡": "knife", "🪢": "rope", "🩸": "blood", "⚰": "coffin", "🪦": "grave",
    "🌉": "bridge", "🚆": "train", "🚄": "train", "🚅": "train", "🚂": "train", "🚇": "train", "🛤": "railway tracks",
    "🔫": "gun", "🪒": "razor", "💉": "injection", "👋": "goodbye", "🕊": "dove", "🥀": "wilted rose",
    "💀": "skull", "☠": "skull",
}
EMOJI = re.compile("|".join(re.escape(e) for e in sorted(EMOJI_WORDS, key=len, reverse=True)))
# Digits and symbols standing for letters, only inside words that also have letters
# ("k1ll", "su1c1de", "$elf"), never in numbers ("30 tablets").
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
LEET_WORD = re.compile(r"\b(?=[\w@$!]*[a-z])(?=[\w@$!]*[0-9@$!])[\w@$!]+")
# Three or more single letters in a row, separated by spaces, dots, dashes or stars: "k i l l", "d.i.e".
SPACED_LETTERS = re.compile(r"(?<![\w])(?:[a-z][ .\-_*]{1,2}){2,}[a-z](?![\w])")
REPEATS = re.compile(r"([a-z])\1{2,}")


def plain(text: str) -> str:
    """Lower case, compatibility forms folded (fancy fonts, full-width letters), invisible
    characters removed, straight apostrophes, single spaces: the form patterns expect."""
    folded = unicodedata.normalize("NFKC", text).translate(INVISIBLE).translate(APOSTROPHES).lower()
    return " ".join(folded.split())


def emoji_as_words(text: str) -> str:
    return " ".join(EMOJI.sub(lambda m: f" {EMOJI_WORDS[m.group(0)]} ", text).split())


def deobfuscated(text: str) -> str:
    """Leetspeak read as letters, spaced-out letters joined, long letter runs cut to two."""
    text = LEET_WORD.sub(lambda m: m.group(0).translate(LEET), text)
    text = SPACED_LETTERS.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group(0)), text)
    return REPEATS.sub(r"\1\1", text)


def forms(text: str) -> list[str]:
    """The distinct forms a message is read in: as written (plain), with emoji as words,
    de-obfuscated, and with letter runs cut to one ("diiie" → "die", where two gives "diie")."""
    base = emoji_as_words(plain(text))
    clear = deobfuscated(base)
    single = REPEATS.sub(r"\1", re.sub(r"([a-z])\1+", r"\1", clear)) if REPEATS.search(base) else clear
    return list(dict.fromkeys((base, clear, single)))


def readable(text: str) -> str:
    """The one form the sentence classifier reads: plain, emoji as words, de-obfuscated."""
    return deobfuscated(emoji_as_words(plain(text)))
