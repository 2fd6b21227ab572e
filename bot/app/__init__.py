"""Use cases: what peerbot does, in plain inputs and outputs.

The conversation (a message through the safety screen and the dialogue model),
paging PSWs along the escalation chain, and handing a case to a person and back
(claim, relay, close, debrief) live here, above the domain services and below
the Telegram adapter. A use case decides who is told what; it speaks through the
``Outbox`` port, which the adapter implements over Telegram and tests replace
with an in-memory record, so the core promise (no crisis unseen) is testable
without Telegram. Nothing in this package imports python-telegram-bot.
"""
