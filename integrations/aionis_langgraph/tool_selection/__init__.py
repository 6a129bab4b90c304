"""Rule-driven tool selection for LangGraph agents, with an outcome-feedback loop.

``create_tool_selector`` (node) → ``create_agent_node`` (model bound to the allowed tools) →
``create_guarded_tool_node`` (executes allowed calls only) → ``create_tool_feedback_node``
(reports outcomes to ``tools/feedback``). Rules are authored with :class:`Rule`,
:func:`write_rule` and :func:`promote`. See docs/langgraph.md, "Tool selection".
"""

from ._state import (
    ToolDecision,
    ToolFeedbackRecord,
    ToolSelectionExplanation,
    ToolSelectionState,
    merge_feedback,
)
from .feedback import create_tool_feedback_node, default_outcome
from .guard import (
    allowed_subset,
    bind_allowed_tools,
    create_agent_node,
    create_guarded_tool_node,
    guard_tool_calls,
)
from .index import aindex_tools, index_tools, tool_client_id
from .rules import (
    Rule,
    aexplain_rules,
    apromote,
    aset_rule_state,
    awrite_rule,
    describe_evaluation,
    explain_rules,
    promote,
    set_rule_state,
    write_rule,
)
from .selector import (
    NoToolsAllowedError,
    create_tool_selector,
    default_context,
    default_run_id,
)

__all__ = [
    "NoToolsAllowedError",
    "Rule",
    "ToolDecision",
    "ToolFeedbackRecord",
    "ToolSelectionExplanation",
    "ToolSelectionState",
    "aexplain_rules",
    "aindex_tools",
    "allowed_subset",
    "apromote",
    "aset_rule_state",
    "awrite_rule",
    "bind_allowed_tools",
    "create_agent_node",
    "create_guarded_tool_node",
    "create_tool_feedback_node",
    "create_tool_selector",
    "default_context",
    "default_outcome",
    "default_run_id",
    "describe_evaluation",
    "explain_rules",
    "guard_tool_calls",
    "index_tools",
    "merge_feedback",
    "promote",
    "set_rule_state",
    "tool_client_id",
    "write_rule",
]
