"""LangGraph integrations on the Aionis memory: checkpointer, store, history verification,
tool selection."""

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
