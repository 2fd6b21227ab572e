"""Every kind of button data, in one place: a prefix per kind, the pattern of what
follows it, encoding and decoding, and the longest data each kind carries.

A pressed button comes back as its data alone, so the data must say what it is
for; Telegram carries at most 64 bytes of it. The adapter routes each kind to its
handler by ``pattern``; ``tests/test_callbacks.py`` checks that no two kinds can
claim the same data and that each kind's longest data fits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit


@dataclass(frozen=True)
class CallbackKind:
    """``rest`` is a regular expression for what follows ``prefix``, one group per field;
    ``longest`` is an example of the longest data the kind is ever given."""

    prefix: str
    rest: str
    longest: str

    @property
    def pattern(self) -> str:
        return f"^{re.escape(self.prefix)}{self.rest}$"

    def data(self, *fields: object) -> str:
        """The data for these fields; ValueError if it does not fit this kind or Telegram."""
        text = self.prefix + ":".join(str(field) for field in fields)
        if len(text.encode()) > CALLBACK_DATA_LIMIT or re.match(self.pattern, text) is None:
            raise ValueError(f"not valid {self.prefix!r} button data: {text[:80]!r}")
        return text

    def fields(self, data: str) -> tuple[str, ...]:
        """The fields of pressed data (a group that did not take part is ""); ValueError for
        data of another kind, which the access wrapper answers as a stale button."""
        match = re.match(self.pattern, data)
        if match is None:
            raise ValueError(f"not {self.prefix!r} button data")
        return tuple(group or "" for group in match.groups())

    def number(self, data: str) -> int:
        """The one numeric field of an id-carrying kind (a case, a session)."""
        return int(self.fields(data)[0])


# Replies from the dialogue model: the payload goes back to Rasa as typed.
DIALOGUE = CallbackKind("r:", r"(.+)", 'r:/inform_mood{"mood":"5"}')
RSVP = CallbackKind("rsvp:", r"(\d+):(yes|no|maybe)", "rsvp:9999999999:maybe")
# Consent may carry the group or role invite of the link the person started from.
CONSENT = CallbackKind("consent:", r"(y|n)(?::((?:join|role)_[\w-]+))?", "consent:y:join_" + "x" * 40)
NAME_FROM_TELEGRAM = CallbackKind("name:", "(telegram)", "name:telegram")
REGION = CallbackKind("region:", r"([\w-]+)", "region:northern-ireland")
CLAIM = CallbackKind("claim:", r"(\d+)", "claim:9999999999")
DEBRIEF = CallbackKind("debrief:", r"(\d+)", "debrief:9999999999")
FORGET = CallbackKind("forget:", "(yes|no)", "forget:yes")
ROUND = CallbackKind("rd:", r"(\d+):([1-5]|p|s)", "rd:9999999999:s")
FINISH_ROUND = CallbackKind("rf:", r"(\d+)", "rf:9999999999")
ATTENDANCE = CallbackKind("at:", r"(\d+):(\d+)", "at:9999999999:9999999999")
QUESTIONNAIRE_CONSENT = CallbackKind("oc:", "(y|n)", "oc:y")
QUESTIONNAIRE_ANSWER = CallbackKind("oq:", r"(\d+):(?:(\d+):(\d+)|(stop))", "oq:9999999999:14:4")
REVIEW = CallbackKind("cr:", r"(a|r):(\d+)", "cr:r:9999999999")
# /cancel: a session, the whole series, and the answers to "are you sure?".
CANCEL_ASK = CallbackKind("cx:ask:", r"(\d+)", "cx:ask:9999999999")
CANCEL_YES = CallbackKind("cx:yes:", r"(\d+)", "cx:yes:9999999999")
CANCEL_KEEP = CallbackKind("cx:keep", "", "cx:keep")
END_SERIES_ASK = CallbackKind("cx:end:", r"(\d+)", "cx:end:9999999999")
END_SERIES_YES = CallbackKind("cx:endyes:", r"(\d+)", "cx:endyes:9999999999")
# Guided flows (``bot.telegram.flows``): a step's answer, the flow's Cancel, its last button.
NEWSESSION_PICK = CallbackKind("ns:", r"(kind|group|repeat|duration|capacity):([\w-]+)", "ns:capacity:20")
NEWSESSION_FACILITATOR = CallbackKind("ns:fac:", r"(\d+|done)", "ns:fac:9999999999")
NEWSESSION_STOP = CallbackKind("ns:stop", "", "ns:stop")
NEWSESSION_CREATE = CallbackKind("ns:ok", "", "ns:ok")
SUGGEST_PICK = CallbackKind("cs:", r"(category|moods):([a-z-]+)", "cs:category:self-compassion")
SUGGEST_STOP = CallbackKind("cs:stop", "", "cs:stop")
SUGGEST_SEND = CallbackKind("cs:send", "", "cs:send")

# /safetyplan: a part's Skip / Keep / Leave empty, the sharing question, Cancel, Save; and,
# outside the flow, opening the plan (offered in a crisis), changing it, sharing it or not.
PLAN_PICK = CallbackKind(
    "sp:", r"(warning_signs|self_help|distractions|helpers|professionals|safer_surroundings|share):"
           r"(skip|keep|clear|yes|no)", "sp:safer_surroundings:clear")
PLAN_STOP = CallbackKind("sp:stop", "", "sp:stop")
PLAN_SAVE = CallbackKind("sp:save", "", "sp:save")
PLAN_OPEN = CallbackKind("sp:open", "", "sp:open")
PLAN_EDIT = CallbackKind("sp:edit", "", "sp:edit")
PLAN_SHARING = CallbackKind("sp:sharing:", "(on|off)", "sp:sharing:off")
LANGUAGE = CallbackKind("lang:", "([a-z]{2})", "lang:es")

KINDS = (DIALOGUE, RSVP, CONSENT, NAME_FROM_TELEGRAM, REGION, CLAIM, DEBRIEF, FORGET, ROUND, FINISH_ROUND,
         ATTENDANCE, QUESTIONNAIRE_CONSENT, QUESTIONNAIRE_ANSWER, REVIEW, CANCEL_ASK, CANCEL_YES, CANCEL_KEEP,
         END_SERIES_ASK, END_SERIES_YES, NEWSESSION_PICK, NEWSESSION_FACILITATOR, NEWSESSION_STOP,
         NEWSESSION_CREATE, SUGGEST_PICK, SUGGEST_STOP, SUGGEST_SEND,
         PLAN_PICK, PLAN_STOP, PLAN_SAVE, PLAN_OPEN, PLAN_EDIT, PLAN_SHARING, LANGUAGE)
