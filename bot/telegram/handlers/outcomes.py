"""The optional wellbeing questionnaire in Telegram: asking for consent after
onboarding, one question at a time with buttons, /wellbeing to answer now or
stop being asked, and the scheduler's periodic invitation."""
from __future__ import annotations

import functools

from telegram import Update
from telegram.ext import Application

from bot.app.callbacks import QUESTIONNAIRE_ANSWER, QUESTIONNAIRE_CONSENT
from bot.app.onboarding import questionnaire_question
from bot.app.replies import Reply
from bot.app.typed_choices import with_hint
from bot.i18n import N_
from bot.services.outcomes import NextQuestion
from bot.telegram.access import PARTICIPANTS, Caller, CommandSpec, guarded, pressed, reply, tell
from bot.telegram.context import APP_KEY, AppContext, PeerbotContext
from bot.telegram.sending import send_replies
from bot.telegram.typed_press import remember

STOP = "stop"  # QUESTIONNAIRE_ANSWER's pattern allows it


def question_reply(question: NextQuestion, intro: bool = False) -> Reply:
    measure = question.measure
    values = list(measure.values)
    middle = (len(values) + 1) // 2
    answer = functools.partial(QUESTIONNAIRE_ANSWER.data, question.response_id, question.number)
    rows = (tuple((str(v), answer(v)) for v in values[:middle]),
            tuple((str(v), answer(v)) for v in values[middle:]),
            (("Stop for now", QUESTIONNAIRE_ANSWER.data(question.response_id, STOP)),))
    opening = f"{measure.intro}\n\n" if intro else ""
    return with_hint(Reply(f"{opening}Question {question.number} of {len(measure.items)}: {question.item.text}\n"
                           f"({measure.low} = {measure.low_label}, {measure.high} = {measure.high_label})", rows))


@guarded(PARTICIPANTS)
async def on_consent(update: Update, context: PeerbotContext, caller: Caller) -> None:
    query, data = pressed(update)
    await query.answer()
    await query.edit_message_reply_markup(None)
    await consent_choice(update, context, caller, data)


async def consent_choice(update: Update, context: PeerbotContext, caller: Caller, data: str) -> None:
    """Yes or no to the questionnaire, pressed or typed."""
    app = context.app
    if not app.outcomes.enabled:
        return
    yes = QUESTIONNAIRE_CONSENT.fields(data) == ("y",)
    app.outcomes.set_consent(caller.member.id, yes)
    if not yes:
        await reply(update, context, [Reply("That's fine, I won't ask. /wellbeing changes your mind any time.")])
        return
    await reply(update, context, [question_reply(app.outcomes.begin(caller.member.id), intro=True)])


@guarded(PARTICIPANTS)
async def on_answer(update: Update, context: PeerbotContext, caller: Caller) -> None:
    await answer_choice(update, context, caller, pressed(update)[1])


async def answer_choice(update: Update, context: PeerbotContext, caller: Caller, data: str) -> None:
    """An answer (or Stop for now), pressed or typed; the next question follows."""
    app = context.app
    response_id, number, value, stop = QUESTIONNAIRE_ANSWER.fields(data)
    if stop:
        app.outcomes.stop(int(response_id), caller.member.id)
        replies = [Reply("Okay, we'll leave it there. Thank you.")]
    else:
        following = app.outcomes.answer(int(response_id), caller.member.id, int(number), int(value))
        if following is None and not app.outcomes.is_complete(int(response_id)):
            await tell(update, "That question has closed. /wellbeing starts again.")
            return
        replies = [question_reply(following) if following is not None else Reply(
            f"Thank you, that's all. It helps the service a lot.\n\n{app.outcomes.in_use().attribution}")]
    if update.callback_query is not None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_reply_markup(None)
    await reply(update, context, replies)


@guarded(PARTICIPANTS)
async def on_wellbeing(update: Update, context: PeerbotContext, caller: Caller) -> None:
    app = context.app
    if not app.outcomes.enabled:
        await reply(update, context, [Reply("This service doesn't use a wellbeing questionnaire.")])
        return
    if not caller.member.outcome_consent:
        await reply(update, context, [questionnaire_question(app.outcomes)])
        return
    await reply(update, context, [with_hint(Reply(
        "You've agreed to the wellbeing questions. Answer them now, or stop being asked?",
        ((("Answer now", QUESTIONNAIRE_CONSENT.data("y")),), (("Stop asking me", QUESTIONNAIRE_CONSENT.data("n")),))))])


async def ask_due_questionnaires(application: Application) -> int:
    """The scheduler's job: invite everyone whose next questionnaire is due (the response
    row is written before sending, so nobody is asked twice in a period)."""
    app: AppContext = application.bot_data[APP_KEY]
    asked = 0
    for person_id, telegram_id in app.outcomes.due():
        question = app.outcomes.begin(person_id)
        opening = Reply("It's time for the wellbeing questions again, if you're happy to (skip or stop any time).")
        replies = [opening, question_reply(question, intro=True)]
        sent = await send_replies(application.bot, telegram_id, replies)
        if sent:
            remember(app, telegram_id, replies)
        asked += sent
    return asked


COMMANDS = (
    CommandSpec("wellbeing", N_("the optional wellbeing questions: answer now or stop"), on_wellbeing),
)
TYPED = ((QUESTIONNAIRE_CONSENT, consent_choice), (QUESTIONNAIRE_ANSWER, answer_choice))
CALLBACKS = (
    (QUESTIONNAIRE_CONSENT.pattern, on_consent),
    (QUESTIONNAIRE_ANSWER.pattern, on_answer),
)
