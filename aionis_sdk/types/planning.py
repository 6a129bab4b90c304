"""Composite routes (§7.11): POST /v1/memory/planning/context and /v1/memory/context/assemble.

Both run recall_text + rules/evaluate (+ tools/select when ``tool_candidates`` is set,
which persists a decision and makes the call non-idempotent).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import AionisModel, NonEmptyStr
from .recall import RecallOptions, RecallQuery, RecallTextResponse
from .rules import RulesEvaluateResponse
from .tools import ToolsSelectResponse

__all__ = [
    "AssemblySummary",
    "ContextAssembleRequest",
    "ContextAssembleResponse",
    "CostSignals",
    "LayeredContext",
    "PlannerPacket",
    "PlannerSections",
    "PlanningContextRequest",
    "PlanningContextResponse",
    "PlanningSummary",
]


class _CompositeRequest(RecallOptions):
    """Fields shared by the two composite routes (recall options come from recall_text)."""

    query_text: NonEmptyStr
    recall_class_aware: bool | None = Field(None, description="May be ignored by the server.")
    include_shadow: bool | None = Field(None, description="Default false.")
    rules_limit: int | None = Field(None, ge=1, le=200, description="Default 50.")
    tool_candidates: list[str] | None = Field(
        None, max_length=200, description="Absent: no tool selection (and no decision)."
    )
    tool_strict: bool | None = Field(None, description="Default true.")
    return_layered_context: bool | None = Field(None, description="Default false.")
    context_layers: Any = Field(None, description="Accepted; layer configuration.")
    static_context_blocks: Any = Field(None, description="Accepted.")
    static_injection: Any = Field(None, description="Accepted.")
    context_optimization_profile: Any = Field(None, description="Accepted.")


class PlanningContextRequest(_CompositeRequest):
    """The consumer defaults to the local identity in mode off (unlike recall_text)."""

    context: dict[str, Any] = Field(
        default_factory=dict, description="Rules/tools context; default {}."
    )
    run_id: NonEmptyStr | None = None


class ContextAssembleRequest(_CompositeRequest):
    context: dict[str, Any] | None = Field(None, description="Rules/tools context; default {}.")
    include_rules: bool | None = Field(None, description="Default true.")


class PlannerSections(AionisModel):
    """Arrays of strings; the reference server fills only ``supporting_knowledge``."""

    recommended_workflows: list[str] | None = None
    candidate_workflows: list[str] | None = None
    candidate_patterns: list[str] | None = None
    trusted_patterns: list[str] | None = None
    contested_patterns: list[str] | None = None
    rehydration_candidates: list[str] | None = None
    supporting_knowledge: list[str] | None = None


class PlannerPacket(AionisModel):
    packet_version: str
    sections: PlannerSections
    merged_text: str


class CostSignals(AionisModel):
    summary_version: str
    context_est_tokens: int | None = None
    context_token_budget: int | None = None
    context_char_budget: int | None = None
    within_token_budget: bool | None = None
    within_char_budget: bool | None = None


class PlanningSummary(AionisModel):
    summary_version: str
    planner_explanation: str | None = None
    selected_tool: str | None = None
    decision_id: str | None = None
    rules_considered: int | None = None
    rules_matched: int | None = None
    context_est_tokens: int | None = None


class AssemblySummary(PlanningSummary):
    include_rules: bool | None = None


class LayeredContext(AionisModel):
    """Layered assembly (``return_layered_context``); budgets and layers are open blocks."""

    version: str | None = None
    mode: str | None = None
    order: list[str] | None = None
    budget: dict[str, Any] | None = None
    layers: dict[str, Any] | None = None
    merged_text: str | None = None
    merge_trace: Any = None
    dropped_reasons: Any = None


class _CompositeResponse(AionisModel):
    tenant_id: str
    scope: str
    query: RecallQuery
    recall: RecallTextResponse
    tools: ToolsSelectResponse | None = None
    planner_packet: PlannerPacket
    cost_signals: CostSignals
    layered_context: LayeredContext | None = None
    execution_kernel: dict[str, Any] | None = None
    runtime_tool_hints: list[Any] | None = None
    pattern_signals: list[Any] | None = None
    workflow_signals: list[Any] | None = None


class PlanningContextResponse(_CompositeResponse):
    rules: RulesEvaluateResponse
    planning_summary: PlanningSummary


class ContextAssembleResponse(_CompositeResponse):
    rules: RulesEvaluateResponse | None = None
    assembly_summary: AssemblySummary
