"""PSW tools in a group, as use cases: hide a post, pause a member and let them post
again, and members' reports of posts (/flag).

Whoever is affected is told privately and kindly, with a route to a person; nothing
is said in the group. Every action is audited. What Telegram must do (delete a post,
restrict a member) goes through ``GroupActions``, which answers in plain words when
it could not (most often: the bot is not an admin with that right).

A flagged post goes to the PSWs on duty with a link and who flagged it. With nobody
on duty, a post flagged by ``flags_to_hide`` different members is hidden at once and
a follow-up waits in the queue for the next PSW on duty (who is told when they go on
duty): the group is not left with it until morning.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional, Protocol

from bot.app.outbox import Outbox
from bot.app.replies import Reply
from bot.i18n import N_, say
from bot.services.escalations import EscalationService, name_of
from bot.services.moderation import ModerationService, Post
from bot.services.people import PeopleService
from bot.storage.models import Person
from bot.storage.types import utcnow

HIDDEN = N_("A peer supporter has removed a post you made in {group}, because it didn't fit the group's ground "
            "rules:\n{rule}\n\nThat isn't a judgement of you, and you're still welcome in the group. If you'd like "
            "to talk about it, or about anything else, say \"talk to a person\" here and a peer supporter will "
            "get in touch.")
PAUSED = N_("A peer supporter has paused your posts in {group} for {hours} hours, to give the group some space. "
            "You're still a member and can still read it. If you'd like to talk about it, or about anything else, "
            "say \"talk to a person\" here and a peer supporter will get in touch.")
UNPAUSED = N_("You can post in {group} again. Welcome back.")
HIDDEN_BY_FLAGS = N_("A post you made in {group} has been hidden for now, because several members flagged it while "
                     "no peer supporter was on duty. A peer supporter will look at it. If you'd like to talk about "
                     "it, or about anything else, say \"talk to a person\" here and a peer supporter will get in "
                     "touch.")


class GroupActions(Protocol):
    """What the chat platform does to a group; each returns None when done, else why not."""

    async def hide(self, chat_id: int, message_id: int) -> Optional[str]: ...

    async def pause(self, chat_id: int, user_id: int, until: datetime) -> Optional[str]: ...

    async def unpause(self, chat_id: int, user_id: int) -> Optional[str]: ...


@dataclass(frozen=True)
class Where:
    """The group a moderation happens in, as people know it."""

    title: str
    rules: str  # the group's ground rules, one per line
    link: str  # to the post, for PSWs ("" when the chat has no links)


def rule_text(rules: str, number: str) -> str:
    """Ground rule ``number`` ("3") as written, or all of them when no number (or no such rule)."""
    lines = [line.strip() for line in rules.splitlines() if line.strip()]
    return next((line for line in lines if number and line.startswith(f"{number}.")), rules.strip())


class Moderation:
    def __init__(self, moderation: ModerationService, escalations: EscalationService, people: PeopleService,
                 outbox: Outbox, actions: GroupActions, default_region: str, default_timezone: str) -> None:
        self.moderation = moderation
        self.escalations = escalations
        self.people = people
        self.outbox = outbox
        self.actions = actions
        self.default_region = default_region
        self.default_timezone = default_timezone

    async def hide(self, post: Post, psw: Person, where: Where, rule: str) -> str:
        """Hide the post and tell its author why; what to tell the PSW."""
        why_not = await self.actions.hide(post.chat_id, post.message_id)
        if why_not is not None:
            return f"I couldn't hide that post: {why_not}"
        self.moderation.audit("hidden", post, psw.id, rule=rule or None)
        told = await self._tell_author(post, HIDDEN, group=where.title, rule=rule_text(where.rules, rule))
        return "Hidden. " + told

    async def pause(self, post: Post, psw: Person, where: Where, hours: int) -> str:
        """Stop the post's author posting for ``hours`` and tell them, with a route to a person."""
        if post.author_telegram_id is None:
            return "I can't tell who wrote that post, so I can't pause them."
        until = utcnow() + timedelta(hours=hours)
        why_not = await self.actions.pause(post.chat_id, post.author_telegram_id, until)
        if why_not is not None:
            return f"I couldn't pause them: {why_not}"
        self.moderation.audit("paused", post, psw.id, hours=hours, member=self._person_id(post))
        told = await self._tell_author(post, PAUSED, group=where.title, hours=hours)
        return f"Paused for {hours} hours. " + told

    async def unpause(self, post: Post, psw: Person, where: Where) -> str:
        if post.author_telegram_id is None:
            return "I can't tell who wrote that post, so I can't let them post again."
        why_not = await self.actions.unpause(post.chat_id, post.author_telegram_id)
        if why_not is not None:
            return f"I couldn't let them post again: {why_not}"
        self.moderation.audit("unpaused", post, psw.id, member=self._person_id(post))
        told = await self._tell_author(post, UNPAUSED, group=where.title)
        return "They can post again. " + told

    async def flag(self, post: Post, flagger: Person, where: Where, author_name: str) -> str:
        """A member's report: to the PSWs on duty, or, with none, counted towards hiding the
        post; what to tell the member (privately)."""
        count = self.moderation.flag(post, flagger.id)
        language = flagger.language
        if not count.new:
            return say(language, N_("You've already flagged that post. Thank you: it's been passed on."))
        self.moderation.audit("flagged", post, flagger.id, members=count.members)
        on_duty = self.escalations.on_duty()
        if on_duty:
            link = where.link or "(this group has no message links: please look in the group)"
            card = Reply(f"🚩 A post by {author_name} in {where.title} was flagged by {name_of(flagger)} "
                         f"({count.members} member{'s' if count.members != 1 else ''} so far): {link}\n"
                         "Nobody in the group sees this. Reply /hide to the post to remove it, or /pause to "
                         "pause its author.")
            for psw in on_duty:
                await self.outbox.try_send(psw.telegram_user_id, card)
            return say(language, N_("Thank you for letting us know. A peer supporter on duty has been told and will "
                                     "look at it. Nobody in the group sees that you flagged it."))
        if count.members >= self.moderation.settings.flags_to_hide:
            await self._hide_for_now(post, where, author_name, count.members)
            return say(language, N_("Thank you for letting us know. Several members have flagged that post, so I've "
                                     "hidden it until a peer supporter can look."))
        return say(language, N_("Thank you for letting us know. No peer supporter is on duty just now; one will look "
                                "when they're back. If several members flag a post, I hide it until then."))

    async def _hide_for_now(self, post: Post, where: Where, author_name: str, members: int) -> None:
        """Enough members flagged it with nobody on duty: hide it, tell its author, and leave a
        follow-up for the next PSW on duty (about the author, who may be struggling)."""
        why_not = await self.actions.hide(post.chat_id, post.message_id)
        self.moderation.audit("hidden_by_flags", post, None, members=members, hidden=why_not is None)
        author = self._author(post, author_name)
        hidden = "was hidden" if why_not is None else f"could not be hidden ({why_not})"
        if author is not None:
            self.escalations.create(author.id, "low", "flagged", group_id=post.group_id, reasons=[
                f"a post of theirs in {where.title} {hidden} after {members} members flagged it, with no PSW on "
                f"duty: please look at the group, and at how they are. {where.link}".strip()],
                source=f"flag:{post.chat_id}:{post.message_id}")
        if why_not is None:
            await self._tell_author(post, HIDDEN_BY_FLAGS, group=where.title)

    async def _tell_author(self, post: Post, message: str, **values: object) -> str:
        """Tell the post's author privately, in their language; what to tell the PSW about it."""
        if post.author_telegram_id is None:
            return "I don't know who wrote it, so nobody was told."
        author = self.people.find(post.author_telegram_id)
        text = say(author.language if author is not None else None, message, **values)
        sent, _ = await self.outbox.try_send(post.author_telegram_id, Reply(text))
        return ("I've told them privately and kindly why." if sent else
                "I couldn't tell them privately: they've never started a chat with me.")

    def _person_id(self, post: Post) -> Optional[int]:
        person = self.people.find(post.author_telegram_id) if post.author_telegram_id is not None else None
        return person.id if person is not None else None

    def _author(self, post: Post, name: str) -> Optional[Person]:
        if post.author_telegram_id is None:
            return None
        return self.people.ensure_known(post.author_telegram_id, name, self.default_region, self.default_timezone)
