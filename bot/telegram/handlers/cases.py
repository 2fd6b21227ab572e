"""PSWs and cases: claiming from the card, /close, /end, the debrief button, /queue, duty
and the role guide. The workflow itself is in ``bot.app.handoff``."""
from __future__ import annotations

from typing import Optional

from telegram import Update

from bot.app.callbacks import CLAIM, DEBRIEF
from bot.app.handoff import ENDED_BY_PERSON
from bot.app.paging import claim_reply
from bot.app.replies import Reply
from bot.app.typed_choices import typed_number
from bot.i18n import N_, say
from bot.services.escalations import CLOSE_OUTCOMES
from bot.telegram.access import (
    PARTICIPANTS,
    PSWS,
    STAFF,
    STALE_BUTTON,
    Caller,
    CommandSpec,
    guarded,
    pressed,
    reply,
    tell,
)
from bot.telegram.context import PeerbotContext
from bot.telegram.usecases import handoff_for


@guarded(STAFF)
async def on_claim(update: Update, context: PeerbotContext, caller: Caller) -> None:
    query, data = pressed(update)
    claim = await handoff_for(context.bot, context.app).claim(CLAIM.number(data), caller.member)
    await query.answer(claim.message, show_alert=not claim.claimed)
    if claim.card is not None and query.message is not None:
        await query.edit_message_text(claim.card)


def case_number(args: list[str]) -> Optional[int]:
    """The one case number typed after a command ("12" or "#12"), or None."""
    return typed_number(args[0], marked=True) if len(args) == 1 else None


@guarded(STAFF)
async def on_claim_command(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """/claim N: the card's Claim button, typed (the number is on the card and in /queue)."""
    case_id = case_number(context.args or [])
    if case_id is None:
        await tell(update, "Usage: /claim <case number>, e.g. /claim 12. /queue lists open cases.")
        return
    claim = await handoff_for(context.bot, context.app).claim(case_id, caller.member)
    await tell(update, claim.card if claim.card is not None else claim.message)


@guarded(STAFF)
async def on_close(update: Update, context: PeerbotContext, caller: Caller) -> None:
    app = context.app
    case = app.escalations.held_by(caller.member.id)
    if case is None:
        await tell(update, "You're not holding a case. /queue shows open ones.")
        return
    args = context.args or []
    outcome = args[0].lower() if args else ""
    if outcome not in CLOSE_OUTCOMES:
        await tell(update, "Usage: /close <outcome> <note>, e.g. /close supported talked it through, will check "
                           f"in tomorrow. The outcome is one of: {', '.join(CLOSE_OUTCOMES)}.")
        return
    await handoff_for(context.bot, app).close(case.id, caller.member, outcome, " ".join(args[1:]) or None)


@guarded(PARTICIPANTS)
async def on_end(update: Update, context: PeerbotContext, caller: Caller) -> None:
    app = context.app
    case = app.escalations.held_for(caller.member.id)
    if case is None:
        await tell(update, say(caller.member.language, N_(
            "You're not talking with a peer supporter right now. Ask for a person at any time.")))
        return
    await handoff_for(context.bot, app).close(case.id, caller.member, ENDED_BY_PERSON, None)


@guarded(STAFF)
async def on_debrief(update: Update, context: PeerbotContext, caller: Caller) -> None:
    query, data = pressed(update)
    case_id = DEBRIEF.number(data)
    if not context.app.escalations.request_debrief(case_id, caller.member.id):
        await tell(update, STALE_BUTTON)
        return
    await query.answer("Logged for supervision")
    await query.edit_message_reply_markup(None)


@guarded(STAFF)
async def on_debrief_command(update: Update, context: PeerbotContext, caller: Caller) -> None:
    """/debrief N: the closed crisis card's debrief button, typed."""
    case_id = case_number(context.args or [])
    if case_id is None:
        await tell(update, "Usage: /debrief <case number>, the number on the case you closed.")
        return
    logged = context.app.escalations.request_debrief(case_id, caller.member.id)
    await tell(update, "Logged for your next supervision. Thank you for being there." if logged else
               "I can only log a debrief for a case you held. Nothing has been changed.")


@guarded(STAFF)
async def on_queue(update: Update, context: PeerbotContext, caller: Caller) -> None:
    app = context.app
    cases = app.escalations.queue()
    if not cases:
        await tell(update, "The queue is empty.")
        return
    replies = []
    for case in cases[:20]:
        card = app.escalations.card(case.id)
        if case.status == "open":
            replies.append(claim_reply(card))
        else:
            replies.append(Reply(f"Case #{case.id} ({case.priority}), {card.name}: held by {card.holder}, "
                                 f"waiting since {card.waiting_minutes} min ago."))
    await reply(update, context, replies)


async def set_duty(update: Update, context: PeerbotContext, caller: Caller, on: bool) -> None:
    """Going on duty says what is already waiting (follow-ups are never paged, so this is
    where the next PSW on duty hears of them)."""
    app = context.app
    changed = app.escalations.set_duty(caller.member.id, on)
    state = "on duty: urgent cases will be paged to you" if on else "off duty. Thank you, and rest well"
    text = f"You're {state}." if changed else f"You were already {'on' if on else 'off'} duty."
    waiting = sum(case.status == "open" for case in app.escalations.queue()) if on else 0
    if waiting:
        text += f" {waiting} case{'s are' if waiting != 1 else ' is'} waiting: /queue shows them."
    await tell(update, text)


@guarded(PSWS)
async def on_onduty(update: Update, context: PeerbotContext, caller: Caller) -> None:
    await set_duty(update, context, caller, True)


@guarded(PSWS)
async def on_offduty(update: Update, context: PeerbotContext, caller: Caller) -> None:
    await set_duty(update, context, caller, False)


@guarded(STAFF)
async def on_guide(update: Update, context: PeerbotContext, caller: Caller) -> None:
    await reply(update, context, [Reply(context.app.settings.content.role_guide.read_text(encoding="utf-8"))])


COMMANDS = (
    CommandSpec("end", N_("end a conversation with a peer supporter"), on_end),
    CommandSpec("onduty", N_("go on duty (urgent cases are paged to you)"), on_onduty),
    CommandSpec("offduty", N_("go off duty"), on_offduty),
    CommandSpec("queue", N_("open cases, most urgent first"), on_queue),
    CommandSpec("claim", N_("take a case: /claim <case number>"), on_claim_command),
    CommandSpec("close", N_("close the case you hold: /close <outcome> <note>"), on_close),
    CommandSpec("guide", N_("the PSW role guide"), on_guide),
    CommandSpec("debrief", N_("log a debrief for supervision after a crisis case: /debrief <case number>"),
                on_debrief_command),
)
CALLBACKS = (
    (CLAIM.pattern, on_claim),
    (DEBRIEF.pattern, on_debrief),
)
