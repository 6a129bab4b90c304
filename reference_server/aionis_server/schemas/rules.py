"""Request bodies of rules/state, rules/evaluate and feedback (§7.9).

Unknown keys are ignored (§2). ``tenant_id``/``scope`` are handled by ``api.begin``; they are
not part of these models.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, model_validator

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"

Uuid = Annotated[StrictStr, Field(pattern=UUID_PATTERN)]
NonEmpty = Annotated[StrictStr, Field(min_length=1)]
Sha256 = Annotated[StrictStr, Field(pattern=SHA256_PATTERN)]
Limit = Annotated[StrictInt, Field(ge=1, le=200)]
RuleState = Literal["draft", "shadow", "active", "disabled"]
Outcome = Literal["positive", "negative", "neutral"]


class ApiBody(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CommitInputBody(ApiBody):
    """A body that creates a commit: ``input_text`` or ``input_sha256`` is required."""

    input_text: NonEmpty | None = None
    input_sha256: Sha256 | None = None
    actor: NonEmpty | None = None

    @model_validator(mode="after")
    def _one_input(self) -> CommitInputBody:
        if self.input_text is None and self.input_sha256 is None:
            raise ValueError("must set input_text or input_sha256")
        return self


class RuleStateBody(CommitInputBody):
    rule_node_id: Uuid
    state: RuleState


class RulesEvaluateBody(ApiBody):
    context: Any = None
    include_shadow: StrictBool = True
    limit: Limit = 50


class RuleFeedbackBody(CommitInputBody):
    rule_node_id: Uuid
    outcome: Outcome
    run_id: NonEmpty | None = None
    note: StrictStr | None = None
