"""Runs peerbot's custom Rasa actions inside the application's process.

In Rasa 3.6 every custom action is a RemoteAction that POSTs to an action
endpoint. This endpoint answers those calls by running rasa_sdk's
ActionExecutor directly, so one process needs no action server, while a
remote Rasa server runs the very same actions with `rasa run actions`.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any, Optional

from rasa.core.actions.action import ActionExecutionRejection
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection as SdkRejection

ACTIONS_PACKAGE = "actions"


def load_executor(project_dir: Path) -> ActionExecutor:
    """An executor with every action of rasa_project/actions registered."""
    root = str(project_dir.resolve())
    if root not in sys.path:
        sys.path.insert(0, root)
    executor = ActionExecutor()
    executor.register_package(importlib.import_module(ACTIONS_PACKAGE))
    return executor


class InProcessActionEndpoint(EndpointConfig):
    def __init__(self, executor: ActionExecutor) -> None:
        super().__init__(url="inprocess://actions")
        self.executor = executor

    async def request(self, method: str = "post", subpath: Optional[str] = None, **kwargs: Any) -> Any:
        action_call = kwargs["json"]
        try:
            return await self.executor.run(action_call)
        except SdkRejection as exc:
            # Forms rely on this to let other policies take over.
            raise ActionExecutionRejection(exc.action_name, exc.message) from exc
