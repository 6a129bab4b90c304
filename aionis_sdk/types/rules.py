"""Rules: PolicyPatch, POST /v1/memory/rules/state, /rules/evaluate and /feedback (§7.9)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator
from typing_extensions import Self

from ._base import AionisModel, NonEmptyStr, Sha256Hex, StrictRequestModel, UUIDStr
from .common import Outcome, RuleState, ScopedRequest

__all__ = [
    "AppliedPolicy",
    "MatchDetail",
    "OutputPolicy",
    "OutputPolicyPatch",
    "PolicyConflict",
    "PolicyPatch",
    "RuleFeedbackRequest",
    "RuleFeedbackResponse",
    "RuleMatch",
    "RulePolicy",
    "RuleRank",
    "RuleSource",
    "RuleStateRequest",
    "RuleStateResponse",
    "RuleStats",
    "RulesEvaluateRequest",
    "RulesEvaluateResponse",
    "ToolPolicy",
    "ToolPolicyPatch",
]

ToolList = list[str]


def _require_input(text: str | None, sha: str | None) -> None:
    if text is None and sha is None:
        raise ValueError("must set input_text or input_sha256")


# --- PolicyPatch: a rule's ``then`` (strict: the server rejects unknown keys) ----------


class OutputPolicyPatch(StrictRequestModel):
    format: Literal["json", "text", "markdown"] | None = None
    strict: bool | None = None


class ToolPolicyPatch(StrictRequestModel):
    allow: ToolList | None = Field(None, max_length=100)
    deny: ToolList | None = Field(None, max_length=100)
    prefer: ToolList | None = Field(None, max_length=100)


class PolicyPatch(StrictRequestModel):
    """A rule's ``then``. Put ``patch.to_body()`` into the rule node's ``slots["then"]``."""

    output: OutputPolicyPatch | None = None
    tool: ToolPolicyPatch | None = None
    extensions: dict[str, Any] | None = None


# --- evaluation results ----------------------------------------------------------------


class ToolPolicy(AionisModel):
    """The merged tool policy: ``allow`` (intersection), ``deny`` (union), ``prefer``."""

    allow: list[str] | None = None
    deny: list[str] | None = None
    prefer: list[str] | None = None


class OutputPolicy(AionisModel):
    format: str | None = None
    strict: bool | None = None


class RulePolicy(AionisModel):
    """The deep-merged ``then`` of the matching rules (``policy.tool`` is ``{}`` if unset)."""

    output: OutputPolicy | None = None
    tool: ToolPolicy | None = None
    extensions: dict[str, Any] | None = None


class RuleRank(AionisModel):
    score: float | None = None
    evidence_score: float | None = None
    priority: float | None = None
    weight: float | None = None
    specificity: float | None = None


class RuleStats(AionisModel):
    positive: int | None = None
    negative: int | None = None


class MatchDetail(AionisModel):
    condition_paths: list[str] | None = None
    condition_path_count: int | None = None


class RuleMatch(AionisModel):
    rule_node_id: str
    state: RuleState | None = None
    rule_scope: str | None = None
    target_agent_id: str | None = None
    target_team_id: str | None = None
    summary: str | None = None
    if_json: Any = None
    then_json: Any = None
    exceptions_json: Any = None
    stats: RuleStats | None = None
    rank: RuleRank | None = None
    match_detail: MatchDetail | None = None
    commit_id: str | None = None


class RuleSource(AionisModel):
    """A rule that contributed to the applied policy, with the leaf paths it touched."""

    rule_node_id: str
    state: RuleState | None = None
    commit_id: str | None = None
    touched_paths: list[str] | None = None
    rank: RuleRank | None = None


class PolicyConflict(AionisModel):
    path: str | None = None
    winner_rule_node_id: str | None = None


class AppliedPolicy(AionisModel):
    """The ``applied`` block: merged policy, its sources and the merge conflicts."""

    policy: RulePolicy
    sources: list[RuleSource]
    conflicts: list[PolicyConflict]
    conflict_explain: list[Any] | None = None
    tool_explain: dict[str, Any] | None = None
    shadow_policy: RulePolicy | None = None
    shadow_sources: list[RuleSource] | None = None
    shadow_conflicts: list[PolicyConflict] | None = None


# --- rules/evaluate --------------------------------------------------------------------


class RulesEvaluateRequest(ScopedRequest):
    """Evaluate shadow/active rules against ``context`` (always sent, default ``{}``)."""

    context: dict[str, Any] = Field(
        default_factory=dict,
        description="Caller context; the client injects agent.id/team_id. Default {}.",
    )
    include_shadow: bool | None = Field(None, description="Default true.")
    limit: int | None = Field(None, ge=1, le=200, description="Rules considered; default 50.")


class RulesEvaluateResponse(AionisModel):
    scope: str
    tenant_id: str
    considered: int
    matched: int
    skipped_invalid_then: int
    invalid_then_sample: list[Any]
    active: list[RuleMatch]
    shadow: list[RuleMatch]
    applied: AppliedPolicy
    agent_visibility_summary: dict[str, Any] | None = None
    evaluation_summary: dict[str, Any] | None = None


# --- rules/state and feedback ------------------------------------------------------------


class RuleStateRequest(ScopedRequest):
    """Set a rule's state. For a private rule send ``actor`` = its owner (§4.5)."""

    rule_node_id: UUIDStr
    state: RuleState
    input_text: NonEmptyStr | None = None
    input_sha256: Sha256Hex | None = None
    actor: NonEmptyStr | None = Field(
        None, description="Also the lookup agent for private rules; default 'system'."
    )

    @model_validator(mode="after")
    def _input_required(self) -> Self:
        _require_input(self.input_text, self.input_sha256)
        return self


class RuleStateResponse(AionisModel):
    tenant_id: str
    scope: str
    commit_id: str
    commit_hash: str
    commit_uri: str | None = None


class RuleFeedbackRequest(ScopedRequest):
    """Outcome feedback on one rule. Not idempotent: each call increments a counter."""

    rule_node_id: UUIDStr
    outcome: Outcome
    run_id: NonEmptyStr | None = None
    note: str | None = None
    input_text: NonEmptyStr | None = None
    input_sha256: Sha256Hex | None = None
    actor: NonEmptyStr | None = Field(None, description="Default 'system'.")

    @model_validator(mode="after")
    def _input_required(self) -> Self:
        _require_input(self.input_text, self.input_sha256)
        return self


class RuleFeedbackResponse(AionisModel):
    tenant_id: str
    scope: str
    commit_id: str
    commit_hash: str
    feedback_id: str
    commit_uri: str | None = None
