"""Every command and button the bot answers, with the roles allowed to use each.

Handlers live in ``bot.telegram.handlers``, one module per subject, each listing
its ``COMMANDS`` and ``CALLBACKS``. This module gathers them, in menu order, for
the application to register; it fills the role table that menus are built from
(``access.COMMAND_TABLE``), and it is what the role-matrix test walks.
"""
from __future__ import annotations

from typing import Callable

from bot.telegram.access import COMMAND_TABLE, CommandSpec
from bot.telegram.handlers import (
    cases,
    coping,
    facilitation,
    membership,
    moderation,
    newsession,
    onboarding,
    outcomes,
    participants,
    privacy,
    reports,
    safetyplan,
    sessions,
)
from bot.telegram.typed_press import TYPED_ACTIONS, TypedAction

# One module per subject (one per line, to add to), in the order menus list them.
MODULES = (
    onboarding,
    participants,
    safetyplan,
    cases,
    facilitation,
    membership,
    moderation,
    sessions,
    newsession,
    privacy,
    outcomes,
    reports,
    coping,
)
COMMANDS: tuple[CommandSpec, ...] = tuple(spec for module in MODULES for spec in module.COMMANDS)
CALLBACKS: tuple[tuple[str, Callable], ...] = tuple(entry for module in MODULES for entry in module.CALLBACKS)
COMMAND_TABLE[:] = COMMANDS
# Buttons that typing their number or title presses (outside guided commands).
TYPED_ACTIONS.update({
    kind.prefix: TypedAction(kind, action, next(handler.allowed_roles for pattern, handler in module.CALLBACKS
                                                if pattern == kind.pattern))
    for module in MODULES for kind, action in getattr(module, "TYPED", ())})
