"""The Telegram handlers, one module per subject; each turns an update into use-case
or service calls and replies, and lists its ``COMMANDS`` and ``CALLBACKS`` (gathered
by ``bot.telegram.registry``). Every handler is wrapped by ``access.guarded`` with the
roles allowed to use it, so role checks live in one place.

- ``onboarding``: /start, consent, a name, region, staff invites
- ``messages``: every text, caption, poll or edit (screened first), unknown input
- ``participants``: /help, /mood, /next, /rules, reminders on and off, dialogue and RSVP buttons
- ``cases``: claim, /close, /end, debrief, /queue, duty, the role guide
- ``membership``: group chats joined and left, the bot added or removed, /groups
- ``sessions``: /sessions and /cancel; ``newsession``: the guided /newsession (coordinators)
- ``facilitation``: /startsession, /endsession, rounds and attendance
- ``privacy``: /mydata, /forgetme
- ``outcomes``: the wellbeing questionnaire
- ``reports``: /report
- ``coping``: /suggest and /review
- ``common``: what several of them share (links, delivering a turn, the crisis path)
"""
