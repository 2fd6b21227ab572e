"""Every command for every role: allowed or kindly refused, checked in one place."""
from __future__ import annotations

import pytest

from bot.services.roles import COORDINATOR, PARTICIPANT, PSW
from bot.telegram.registry import COMMANDS

# The roles each kind of caller holds (staff have joined, so they are participants too).
CALLERS = {
    "never started": None,
    "participant": (),
    "psw": (PSW,),
    "coordinator": (COORDINATOR,),
}
HELD = {"never started": set(), "participant": {PARTICIPANT}, "psw": {PARTICIPANT, PSW},
        "coordinator": {PARTICIPANT, COORDINATOR}}
REFUSALS = ("Sorry, that's only for", "first please open a private chat with me and press Start")


def test_the_matrix_covers_every_registered_command():
    assert {c.name for c in COMMANDS} == {"start", "help", "mood", "next", "rules", "invite", "end", "onduty", "region", "stop", "resume",
                                          "offduty", "queue", "close", "guide", "startsession", "endsession",
                                          "sessions", "newsession", "cancel", "groups",
                                          "mydata", "forgetme", "wellbeing", "report",
                                          "suggest", "review", "safetyplan", "claim",
                                          "flag", "hide", "pause", "unpause", "round", "rsvp", "break",
                                          "language", "debrief", "approve", "reject"}


@pytest.mark.parametrize("caller", list(CALLERS))
async def test_each_command_is_allowed_exactly_for_its_roles(world, caller):
    roles = CALLERS[caller]
    user = world.person(f"{caller}", roles=roles or (), consented=roles is not None)
    for command in COMMANDS:
        answer = await world.say(user, f"/{command.name}")
        text = answer.get("text") or answer.get("caption") or ""
        refused = any(phrase in text for phrase in REFUSALS)
        allowed = not command.allowed or bool(command.allowed & HELD[caller])
        assert refused != allowed, f"/{command.name} as {caller}: {text[:120]!r}"
