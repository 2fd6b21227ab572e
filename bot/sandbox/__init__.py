"""The sandbox: a local stand-in for Telegram's Bot API, with a browser page and a
control API for acting as people. Newcomers meet the bot here without a token,
PSWs practise here, and the end-to-end tests drive the real PTB bot against it.
See docs/sandbox.md."""
