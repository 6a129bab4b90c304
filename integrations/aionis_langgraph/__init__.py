"""LangGraph integrations on the Aionis memory: checkpointer, store, history verification,
tool selection.

Exports load on first use (PEP 562), so ``aionis --help`` and other light imports of this
package do not pay for importing LangGraph's graph machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .checkpoint import AionisSaver
    from .store import AionisStore, averify_namespace, verify_namespace
    from .tool_selection import (
        Rule,
        ToolSelectionState,
        create_agent_node,
        create_guarded_tool_node,
        create_tool_feedback_node,
        create_tool_selector,
    )
    from .verify import VerifyReport, averify_thread, verify_thread

_EXPORTS: dict[str, str] = {
    "AionisSaver": ".checkpoint",
    "AionisStore": ".store",
    "averify_namespace": ".store",
    "verify_namespace": ".store",
    "Rule": ".tool_selection",
    "ToolSelectionState": ".tool_selection",
    "create_agent_node": ".tool_selection",
    "create_guarded_tool_node": ".tool_selection",
    "create_tool_feedback_node": ".tool_selection",
    "create_tool_selector": ".tool_selection",
    "VerifyReport": ".verify",
    "averify_thread": ".verify",
    "verify_thread": ".verify",
}

__all__ = [
    "AionisSaver",
    "AionisStore",
    "Rule",
    "ToolSelectionState",
    "VerifyReport",
    "averify_namespace",
    "averify_thread",
    "create_agent_node",
    "create_guarded_tool_node",
    "create_tool_feedback_node",
    "create_tool_selector",
    "verify_namespace",
    "verify_thread",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
