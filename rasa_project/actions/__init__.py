"""peerbot's custom Rasa actions.

They only read and set dialogue state (slots) and return messages and
directives; they never touch the application's tables or Telegram. In-process
they run through bot/dialogue/actions_bridge.py; on a separate Rasa server
through `rasa run actions --actions actions` in this folder.
"""
