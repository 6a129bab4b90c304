"""State keys written and read by the tool-selection nodes.

Mix :class:`ToolSelectionState` into a graph's state (it already carries ``messages``), or
declare the same keys yourself. Every node returns partial updates only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from langgraph.graph import MessagesState
from typing_extensions import NotRequired, TypedDict

__all__ = [
    "ALLOWED_TOOLS",
    "DECISION_ID",
    "EXPLANATION",
    "SELECTED_TOOL",
    "TOOL_DECISION",
    "TOOL_FEEDBACK",
    "ToolDecision",
    "ToolFeedbackRecord",
    "ToolSelectionExplanation",
    "ToolSelectionState",
    "merge_feedback",
]

ALLOWED_TOOLS = "allowed_tools"
SELECTED_TOOL = "selected_tool"
DECISION_ID = "decision_id"
EXPLANATION = "tool_selection_explanation"
TOOL_DECISION = "tool_decision"
TOOL_FEEDBACK = "tool_feedback"


class ToolDecision(TypedDict):
    """What the feedback node needs to report against the decision: exactly what was sent."""

    decision_id: str | None
    run_id: str | None
    candidates: list[str]
    context: dict[str, Any]
    selected_tool: str | None


class ToolFeedbackRecord(TypedDict):
    """One reported tool outcome; ``key`` is ``"<decision_id>:<tool_call_id>"``."""

    key: str
    tool_call_id: str
    tool: str
    outcome: str
    decision_id: str
    decision_link_mode: str
    commit_id: str
    rule_node_ids: list[str]


class ToolSelectionExplanation(TypedDict):
    """Why the allowed tools are what they are (see ``_explain.explain_selection``)."""

    summary: str
    selected_tool: str | None
    candidates: list[str]
    allowed: list[str]
    denied: list[dict[str, Any]]
    preferred: list[dict[str, Any]]
    matched_rules: list[dict[str, Any]]
    considered_rules: int
    fallback: dict[str, Any]
    conflicts: list[dict[str, Any]]
    shadow: NotRequired[dict[str, Any]]
    narrowing: NotRequired[dict[str, Any]]


def merge_feedback(
    left: Sequence[ToolFeedbackRecord] | None, right: Sequence[ToolFeedbackRecord] | None
) -> list[ToolFeedbackRecord]:
    """Append reports, keeping the first record per ``key`` (retries never duplicate)."""
    merged = list(left or [])
    seen = {r["key"] for r in merged}
    for record in right or []:
        if record["key"] not in seen:
            seen.add(record["key"])
            merged.append(record)
    return merged


class ToolSelectionState(MessagesState, total=False):
    """``messages`` plus the keys of the selector, the guard and the feedback node."""

    allowed_tools: list[str]
    selected_tool: str | None
    decision_id: str | None
    tool_selection_explanation: ToolSelectionExplanation
    tool_decision: ToolDecision
    tool_feedback: Annotated[list[ToolFeedbackRecord], merge_feedback]
