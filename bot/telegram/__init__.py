"""The Telegram adapter (python-telegram-bot 22): thin handlers, one module per subject
in ``handlers/``, that turn updates into calls on the use cases (``bot.app``) and the
domain services, and their replies into Telegram messages and inline keyboards. The
role table and menus are in ``access`` and ``registry``; the Bot API side of the
use cases' Outbox is in ``sending``; updates arrive through the durable ``intake``."""
