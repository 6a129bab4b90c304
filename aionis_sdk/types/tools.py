"""Tools: POST /v1/memory/tools/select, /decision, /run and /feedback (§7.10)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator
from typing_extensions import Self

from ._base import AionisModel, NonEmptyStr, Sha256Hex, UUIDStr
from .common import Outcome, ScopedRequest
from .rules import AppliedPolicy

__all__ = [
    "Decision",
    "DeniedTool",
    "FeedbackByOutcome",
    "FeedbackRecord",
    "RunFeedback",
    "RunLifecycle",
    "SelectionFallback",
    "SelectionRules",
    "SelectionSummary",
    "ToolSelection",
    "ToolsDecisionRequest",
    "ToolsDecisionResponse",
    "ToolsFeedbackRequest",
    "ToolsFeedbackResponse",
    "ToolsRunRequest",
    "ToolsRunResponse",
    "ToolsSelectRequest",
    "ToolsSelectResponse",
]

Candidates = list[str]


# --- tools/select ------------------------------------------------------------------------


class ToolsSelectRequest(ScopedRequest):
    """Policy-filtered tool choice. Persists a decision: **not idempotent** (§5.8)."""

    context: dict[str, Any] = Field(
        default_factory=dict, description="Caller context as in rules/evaluate; default {}."
    )
    candidates: Candidates = Field(min_length=1, max_length=200)
    run_id: NonEmptyStr | None = None
    include_shadow: bool | None = Field(None, description="Default false.")
    rules_limit: int | None = Field(None, ge=1, le=200, description="Default 50.")
    strict: bool | None = Field(
        None, description="Default true: nothing allowed raises 400 no_tools_allowed."
    )
    reorder_candidates: bool | None = Field(None, description="Default false.")
    execution_state_v1: Any = Field(None, description="Opaque; may be ignored.")
    execution_packet_v1: Any = Field(None, description="Opaque; may be ignored.")
    execution_transitions_v1: Any = Field(None, description="Opaque; may be ignored.")


class DeniedTool(AionisModel):
    name: str
    reason: str


class SelectionFallback(AionisModel):
    """``reason``: none, allowlist_filtered_all or deny_filtered_all."""

    applied: bool
    reason: str
    effective_mode: str | None = None
    note: str | None = None


class ToolSelection(AionisModel):
    candidates: list[str]
    allowed: list[str]
    denied: list[DeniedTool]
    preferred: list[str]
    ordered: list[str]
    selected: str | None
    fallback: SelectionFallback


class SelectionRules(AionisModel):
    """The ``rules`` block of tools/select: counts and the applied policy."""

    considered: int
    matched: int
    applied: AppliedPolicy


class Decision(AionisModel):
    """A persisted tools/select decision (tools/select, tools/decision, tools/run, resolve)."""

    decision_id: str
    decision_uri: str | None = None
    decision_kind: str | None = None
    run_id: str | None = None
    selected_tool: str | None = None
    candidates: list[str] | None = None
    context_sha256: str | None = None
    policy_sha256: str | None = None
    source_rule_ids: list[str] | None = None
    metadata: dict[str, Any] | None = None
    created_at: str | None = None
    commit_id: str | None = None
    commit_uri: str | None = None


class SelectionSummary(AionisModel):
    summary_version: str
    selected_tool: str | None = None
    candidate_count: int | None = None
    allowed_count: int | None = None
    denied_count: int | None = None
    preferred_count: int | None = None
    matched_rules: int | None = None
    fallback_applied: bool | None = None
    fallback_reason: str | None = None


class ToolsSelectResponse(AionisModel):
    scope: str
    tenant_id: str
    candidates: list[str]
    selection: ToolSelection
    rules: SelectionRules
    decision: Decision
    selection_summary: SelectionSummary
    execution_kernel: dict[str, Any] | None = None
    pattern_matches: dict[str, Any] | None = None

    @property
    def selected(self) -> str | None:
        """The selected tool, or ``None`` when every candidate was denied."""
        return self.selection.selected


# --- tools/decision and tools/run -------------------------------------------------------


class ToolsDecisionRequest(ScopedRequest):
    """Read a decision by id, else by URI, else the run's latest (at least one required)."""

    decision_id: UUIDStr | None = None
    decision_uri: NonEmptyStr | None = None
    run_id: NonEmptyStr | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if self.decision_id is None and self.decision_uri is None and self.run_id is None:
            raise ValueError("must set decision_id, decision_uri or run_id")
        return self


class ToolsDecisionResponse(AionisModel):
    tenant_id: str
    scope: str
    lookup_mode: str
    decision: Decision
    lifecycle_summary: dict[str, Any] | None = None


class ToolsRunRequest(ScopedRequest):
    run_id: NonEmptyStr
    decision_limit: int | None = Field(None, ge=1, le=200, description="Default 10.")
    include_feedback: bool | None = Field(None, description="Default true.")
    feedback_limit: int | None = Field(None, ge=1, le=200, description="Default 50.")


class RunLifecycle(AionisModel):
    """``status`` is ``decision_recorded`` or ``feedback_linked``."""

    status: str
    decision_count: int | None = None
    latest_decision_at: str | None = None
    latest_feedback_at: str | None = None


class FeedbackByOutcome(AionisModel):
    positive: int | None = None
    negative: int | None = None
    neutral: int | None = None


class FeedbackRecord(AionisModel):
    id: str
    rule_node_id: str | None = None
    outcome: Outcome | None = None
    note: str | None = None
    source: str | None = None
    decision_id: str | None = None
    commit_id: str | None = None
    created_at: str | None = None


class RunFeedback(AionisModel):
    total: int
    by_outcome: FeedbackByOutcome | None = None
    linked_decision_count: int | None = None
    tools_feedback_count: int | None = None
    recent: list[FeedbackRecord] | None = None


class ToolsRunResponse(AionisModel):
    tenant_id: str
    scope: str
    run_id: str
    lifecycle: RunLifecycle
    decisions: list[Decision]
    feedback: RunFeedback | None = None


# --- tools/feedback ------------------------------------------------------------------------


class ToolsFeedbackRequest(ScopedRequest):
    """Outcome feedback on a tool choice. **Not idempotent** (counters increment again)."""

    context: dict[str, Any] = Field(
        default_factory=dict, description="The selection context; default {}."
    )
    candidates: Candidates = Field(min_length=1, max_length=200)
    selected_tool: NonEmptyStr
    outcome: Outcome
    input_text: NonEmptyStr | None = None
    input_sha256: Sha256Hex | None = None
    run_id: NonEmptyStr | None = None
    decision_id: UUIDStr | None = None
    decision_uri: NonEmptyStr | None = None
    include_shadow: bool | None = Field(None, description="Default false.")
    rules_limit: int | None = Field(None, ge=1, le=200, description="Default 50.")
    target: Literal["tool", "all"] | None = Field(None, description="Default 'tool'.")
    note: str | None = None
    actor: NonEmptyStr | None = Field(None, description="Default 'system'.")

    @model_validator(mode="after")
    def _input_required(self) -> Self:
        if self.input_text is None and self.input_sha256 is None:
            raise ValueError("must set input_text or input_sha256")
        return self


class ToolsFeedbackResponse(AionisModel):
    ok: bool
    scope: str
    tenant_id: str
    updated_rules: int
    rule_node_ids: list[str]
    commit_id: str
    commit_uri: str
    commit_hash: str
    decision_id: str
    decision_uri: str
    decision_link_mode: str
    decision_policy_sha256: str | None
    pattern_anchor: Any = None
    governance_preview: Any = None
