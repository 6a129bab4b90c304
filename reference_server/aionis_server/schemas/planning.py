"""Request bodies of planning/context and context/assemble (§7.11).

Only the composite's own fields are declared here; the recall fields (knobs, consumer, include
flags, budgets, ``memory_layer_preference``) are validated by recall_text's own model.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StrictBool, StrictStr

from .rules import ApiBody, Limit, NonEmpty

ToolCandidates = Annotated[list[StrictStr], Field(max_length=200)]


class ContextLayersOptions(ApiBody):
    """``context_layers``: the layer order and whether to return the merge trace."""

    order: list[StrictStr] | None = None
    include_merge_trace: StrictBool = False


class PlanningContextBody(ApiBody):
    query_text: NonEmpty
    context: Any = None
    include_shadow: StrictBool = False
    rules_limit: Limit = 50
    run_id: NonEmpty | None = None
    tool_candidates: ToolCandidates | None = None
    tool_strict: StrictBool = True
    return_layered_context: StrictBool = False
    context_layers: ContextLayersOptions | None = None
    static_context_blocks: Annotated[list[Any], Field(max_length=100)] | None = None
    static_injection: Any = None
    context_optimization_profile: StrictStr | None = None


class ContextAssembleBody(PlanningContextBody):
    include_rules: StrictBool = True
