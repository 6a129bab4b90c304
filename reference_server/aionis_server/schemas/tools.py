"""Request bodies of tools/select, tools/decision, tools/run and tools/feedback (§7.10)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictStr, model_validator

from .rules import ApiBody, CommitInputBody, Limit, NonEmpty, Outcome, Uuid

Candidates = Annotated[list[StrictStr], Field(min_length=1, max_length=200)]


class ToolsSelectBody(ApiBody):
    context: Any = None
    candidates: Candidates
    run_id: NonEmpty | None = None
    include_shadow: StrictBool = False
    rules_limit: Limit = 50
    strict: StrictBool = True
    reorder_candidates: StrictBool = False


class ToolsDecisionBody(ApiBody):
    decision_id: Uuid | None = None
    decision_uri: NonEmpty | None = None
    run_id: NonEmpty | None = None

    @model_validator(mode="after")
    def _one_key(self) -> ToolsDecisionBody:
        if self.decision_id is None and self.decision_uri is None and self.run_id is None:
            raise ValueError("must set decision_id, decision_uri or run_id")
        return self


class ToolsRunBody(ApiBody):
    run_id: NonEmpty
    decision_limit: Limit = 10
    include_feedback: StrictBool = True
    feedback_limit: Limit = 50


class ToolsFeedbackBody(CommitInputBody):
    context: Any = None
    candidates: Candidates
    selected_tool: NonEmpty
    outcome: Outcome
    run_id: NonEmpty | None = None
    decision_id: Uuid | None = None
    decision_uri: NonEmpty | None = None
    include_shadow: StrictBool = False
    rules_limit: Limit = 50
    target: Literal["tool", "all"] = "tool"
    note: StrictStr | None = None
