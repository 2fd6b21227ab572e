"""The Bot API methods for chats and their members: what a chat is, who is in it and
who runs it, and restricting, banning and unbanning people.
"""
from __future__ import annotations

from bot.sandbox.api_calls import Params, method
from bot.sandbox.errors import bad_request
from bot.sandbox.records import GROUP_PERMISSIONS
from bot.sandbox.state import World


def full_info(chat: dict) -> dict:
    """ChatFullInfo: the chat plus the fields PTB requires (accent colour, reactions, gift types)."""
    info = {**chat, "accent_color_id": 0, "max_reaction_count": 11,
            "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                    "premium_subscription": False, "gifts_from_channels": False}}
    if chat["type"] == "private":
        info["has_private_forwards"] = True
    else:
        info.update({"permissions": GROUP_PERMISSIONS, "has_visible_history": True})
    return info


@method("getChat")
async def get_chat(world: World, params: Params) -> dict:
    return full_info(world.bot_chat(params.chat_id()))


@method("getChatMember")
async def get_chat_member(world: World, params: Params) -> dict:
    return world.chat_member_of(params.chat_id(), params.integer("user_id", required=True))


@method("getChatAdministrators")
async def get_chat_administrators(world: World, params: Params) -> list:
    return world.administrators(params.chat_id())


@method("getChatMemberCount")
async def get_chat_member_count(world: World, params: Params) -> int:
    return world.member_count(params.chat_id())


@method("restrictChatMember")
async def restrict_chat_member(world: World, params: Params) -> bool:
    permissions = params.json("permissions", required=True)
    if not isinstance(permissions, dict):
        raise bad_request("can't parse permissions JSON object")
    world.restrict(params.chat_id(), params.integer("user_id", required=True), permissions,
                   params.integer("until_date") or 0)
    return True


@method("banChatMember")
async def ban_chat_member(world: World, params: Params) -> bool:
    world.ban(params.chat_id(), params.integer("user_id", required=True), params.integer("until_date") or 0)
    return True


@method("unbanChatMember")
async def unban_chat_member(world: World, params: Params) -> bool:
    world.unban(params.chat_id(), params.integer("user_id", required=True), params.flag("only_if_banned"))
    return True
