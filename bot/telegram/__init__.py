"""The Telegram adapter (python-telegram-bot 22): thin handlers that turn updates
into calls on the domain services and the conversation layer, and replies into
Telegram messages and inline keyboards."""
