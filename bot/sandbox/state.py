"""The sandbox's world: people, chats, messages, the bot's updates, limits and faults.

Everything the sandbox knows lives in ``World``, with no HTTP, so the Bot API
(botapi.py), the control API (control.py) and tests act on one world and obey
the same rules: who may message whom, which updates the bot receives, when
Telegram would refuse. Methods are synchronous and the world lives on one event
loop, so a change and the update it causes happen together; only waiting (long
polling, ``wait_for_bot_message``) is asynchronous.

``World`` is put together from parts over one store (world_store.py): people and
groups (world_people.py), messages (world_messages.py), and the bot's calls,
faults and updates (world_connection.py). The values it holds are in records.py,
its errors in errors.py.
"""
from __future__ import annotations

from bot.sandbox.records import chat_member
from bot.sandbox.world_connection import Connection
from bot.sandbox.world_messages import Messages
from bot.sandbox.world_people import People


class World(People, Messages, Connection):
    """The sandbox's state and its Python API for acting as people (see docs/sandbox.md)."""

    def snapshot(self, since: int = 0) -> dict:
        """What the page polls: everyone, every chat, and the messages changed after ``since``."""
        private = [{"chat": self._private_chat(user), "members": [chat_member(user, "member")],
                    "bot_status": "member" if user["id"] in self.started else "left"}
                   for user in self.users.values()]
        groups = [{"chat": group.chat, "members": list(group.members.values()),
                   "bot_status": group.members[self.bot_id]["status"]} for group in self.groups.values()]
        changed = sorted((m for log in self._logs.values() for m in log if m.seq > since), key=lambda m: m.seq)
        return {"seq": self._counters["seq"], "bot": self.bot_user, "users": list(self.users.values()),
                "chats": private + groups, "messages": [m.view() for m in changed],
                "callback_answers": self.callback_answers}
