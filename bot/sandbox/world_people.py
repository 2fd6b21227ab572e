"""People and groups in the sandbox's world: who exists, who is in which group, and
the bot's place there.

People join and leave groups and add, promote or remove the bot (each change
telling the bot as Telegram would); the bot asks who is a member or an
administrator and restricts, bans or unbans people, refused (``BotApiError``)
where Telegram would refuse it.
"""
from __future__ import annotations

import copy

from bot.sandbox.errors import SandboxError, bad_request
from bot.sandbox.records import JOIN_STATUSES, PERMISSIONS, Group, chat_member, is_in_chat, now
from bot.sandbox.world_store import WorldStore

BOT_STATUSES = ("member", "administrator", "left", "kicked")


class People(WorldStore):
    """People and groups: membership as people change it, and as the bot asks about and moderates it."""

    # --- as people (and tests) act ------------------------------------------------------

    def add_user(self, first_name: str, username: str | None = None, user_id: int | None = None,
                 last_name: str | None = None, language_code: str = "en") -> dict:
        if not first_name:
            raise SandboxError("a person needs a first_name")
        if user_id is None:
            user_id = self._next_free("user", +1, self.users)
        elif user_id <= 0 or user_id in self.users or user_id == self.bot_id:
            raise SandboxError(f"user_id {user_id} is taken or not a positive number")
        username = username.lstrip("@") if username else None
        if username and any((u.get("username") or "").lower() == username.lower() for u in self.users.values()):
            raise SandboxError(f"the username @{username} is taken")
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}
        user.update({key: value for key, value in (("last_name", last_name), ("username", username)) if value})
        self.users[user_id] = user
        self._logs[user_id] = []
        return dict(user)

    def add_group(self, title: str, chat_id: int | None = None) -> dict:
        """A supergroup with the bot as an administrator, as a service would set it up."""
        if not title:
            raise SandboxError("a group needs a title")
        if chat_id is None:
            chat_id = self._next_free("group", -1, self.groups)
        elif chat_id >= 0 or chat_id in self.groups:
            raise SandboxError(f"chat_id {chat_id} is taken or not negative (group ids are negative)")
        group = Group({"id": chat_id, "type": "supergroup", "title": title})
        group.members[self.bot_id] = chat_member(self._bot_sender(), "administrator")
        self.groups[chat_id] = group
        self._logs[chat_id] = []
        return dict(group.chat)

    def add_member(self, chat_id: int, user_id: int, status: str = "member") -> dict:
        """``status`` may also be "administrator" or "creator", e.g. for the PSW running the group."""
        group, user = self._group(chat_id), self._user(user_id)
        if status not in JOIN_STATUSES:
            raise SandboxError(f"status must be one of {', '.join(JOIN_STATUSES)}, not {status!r}")
        current = group.member(user)
        if is_in_chat(current):
            raise SandboxError(f"user {user_id} is already in group {chat_id}")
        if current["status"] == "kicked":
            raise SandboxError(f"user {user_id} is banned from group {chat_id}; the bot must unban them first")
        group.members[user_id] = chat_member(user, status)
        self._deliver("message", self._store(chat_id, user, {"new_chat_members": [user]}))
        return copy.deepcopy(group.members[user_id])

    def remove_member(self, chat_id: int, user_id: int) -> dict:
        """The person leaves the group."""
        group, user = self._group(chat_id), self._user(user_id)
        if not is_in_chat(group.members.get(user_id)):
            raise SandboxError(f"user {user_id} is not in group {chat_id}")
        group.members[user_id] = chat_member(user, "left")
        self._deliver("message", self._store(chat_id, user, {"left_chat_member": user}))
        return copy.deepcopy(group.members[user_id])

    def set_bot_status(self, chat_id: int, status: str, *, by_user_id: int | None = None) -> dict:
        """Add, promote, demote, remove or ban the bot; ``by_user_id`` is who did it (default: a group admin)."""
        group = self._group(chat_id)
        if status not in BOT_STATUSES:
            raise SandboxError(f"the bot's status must be one of {', '.join(BOT_STATUSES)}, not {status!r}")
        old = group.members[self.bot_id]
        if old["status"] == status:
            raise SandboxError(f"the bot is already {status} in group {chat_id}")
        actor = self._user(by_user_id) if by_user_id is not None else self._default_actor(group, status)
        new = chat_member(self._bot_sender(), status)
        group.members[self.bot_id] = new
        self._emit("my_chat_member", {"chat": group.chat, "from": actor, "date": now(),
                                      "old_chat_member": old, "new_chat_member": new})
        if not is_in_chat(old) and is_in_chat(new):
            self._deliver("message", self._store(chat_id, actor, {"new_chat_members": [self._bot_sender()]}))
        return copy.deepcopy(new)

    def open_private_chat(self, user_id: int) -> None:
        """The person started a chat with the bot some time before (no update is sent now),
        so the bot may write to them: how people who joined earlier look to Telegram."""
        self._user(user_id)
        self.started.add(user_id)

    def _default_actor(self, group: Group, status: str) -> dict:
        """Who changed the bot's status when nobody was named: the bot itself when it leaves, else an admin."""
        people = [m for m in group.members.values() if m["user"]["id"] != self.bot_id and is_in_chat(m)]
        people.sort(key=lambda m: m["status"] not in ("creator", "administrator"))
        return people[0]["user"] if people and status != "left" else self._bot_sender()

    # --- what the bot may ask and do (raising BotApiError like Telegram) ---------------

    def bot_is_admin(self, chat_id: int) -> bool:
        return self.groups[chat_id].members[self.bot_id]["status"] == "administrator"

    def chat_member_of(self, chat_id: int, user_id: int) -> dict:
        self.bot_chat(chat_id)
        if chat_id > 0:
            if user_id not in (chat_id, self.bot_id):
                raise bad_request("user not found")
            return chat_member(self._bot_sender() if user_id == self.bot_id else self.users[user_id], "member")
        if user_id == self.bot_id:
            return copy.deepcopy(self.groups[chat_id].members[user_id])
        if user_id not in self.users:
            raise bad_request("user not found")
        return copy.deepcopy(self.groups[chat_id].member(self.users[user_id]))

    def administrators(self, chat_id: int) -> list[dict]:
        self.bot_chat(chat_id)
        if chat_id > 0:
            raise bad_request("there are no administrators in the private chat")
        return [copy.deepcopy(member) for member in self.groups[chat_id].members.values()
                if member["status"] in ("creator", "administrator")]

    def member_count(self, chat_id: int) -> int:
        self.bot_chat(chat_id)
        if chat_id > 0:
            return 2
        return sum(is_in_chat(member) for member in self.groups[chat_id].members.values())

    def restrict(self, chat_id: int, user_id: int, permissions: dict, until_date: int) -> None:
        """Granting every permission lifts the restriction, as in Telegram."""
        group, member = self._moderated(chat_id, user_id)
        if all(permissions.get(name) for name in PERMISSIONS):
            status = "member" if is_in_chat(member) else "left"
            group.members[user_id] = chat_member(member["user"], status)
        else:
            granted = {name: bool(permissions.get(name)) for name in PERMISSIONS}
            group.members[user_id] = chat_member(member["user"], "restricted", is_member=is_in_chat(member),
                                                 until_date=until_date, **granted)

    def ban(self, chat_id: int, user_id: int, until_date: int) -> None:
        """In a supergroup Telegram always deletes the banned person's messages too."""
        group, member = self._moderated(chat_id, user_id)
        group.members[user_id] = chat_member(member["user"], "kicked", until_date=until_date)
        for stored in self._logs[chat_id]:
            if stored.api["from"]["id"] == user_id and not stored.deleted:
                self.delete(stored)

    def unban(self, chat_id: int, user_id: int, only_if_banned: bool) -> None:
        """Without ``only_if_banned``, unbanning someone still in the group removes them (Telegram's rule)."""
        group, member = self._moderated(chat_id, user_id)
        if member["status"] == "kicked" or (not only_if_banned and is_in_chat(member)):
            group.members[user_id] = chat_member(member["user"], "left")

    def _moderated(self, chat_id: int, user_id: int) -> tuple[Group, dict]:
        """The group and member the bot wants to restrict, ban or unban, if it may."""
        self.bot_chat(chat_id)
        if chat_id > 0:
            raise bad_request("method is available for supergroup and channel chats only")
        group = self.groups[chat_id]
        if not self.bot_is_admin(chat_id):
            raise bad_request("not enough rights to restrict/unrestrict chat member")
        if user_id not in self.users:
            raise bad_request("user not found")
        member = group.member(self.users[user_id])
        if member["status"] == "creator":
            raise bad_request("can't remove chat owner")
        if member["status"] == "administrator":
            raise bad_request("user is an administrator of the chat")
        return group, member
