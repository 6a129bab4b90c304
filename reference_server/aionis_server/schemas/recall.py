"""Request bodies of /v1/memory/recall and /v1/memory/recall_text (§7.4).

Unknown keys are ignored (§2); ``memory_layer_preference`` is the one strict sub-object. Whether
a knob or ``rules_context`` was *sent* matters (preset precedence, the ``rules`` block), so the
services look at ``model_fields_set`` rather than at default values.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NonEmpty = Annotated[str, Field(min_length=1)]
Unit = Annotated[float, Field(ge=0, le=1)]
Layer = Literal["L0", "L1", "L2", "L3", "L4", "L5"]

KNOBS = (
    "limit",
    "neighborhood_hops",
    "max_nodes",
    "max_edges",
    "ranked_limit",
    "min_edge_weight",
    "min_edge_confidence",
)


class MemoryLayerPreference(BaseModel):
    """Which compression layers (``slots.compression_layer``) the context may draw from."""

    model_config = ConfigDict(extra="forbid")

    allowed_layers: Annotated[list[Layer], Field(min_length=1, max_length=6)]


class RecallOptions(BaseModel):
    """Everything recall and recall_text share; planning/context builds one of its subclasses."""

    model_config = ConfigDict(extra="ignore")

    tenant_id: NonEmpty | None = None
    scope: NonEmpty | None = None
    consumer_agent_id: NonEmpty | None = None
    consumer_team_id: NonEmpty | None = None
    recall_strategy: Literal["local", "balanced", "global"] | None = None
    recall_mode: Literal["dense_edge"] | None = None
    recall_class_aware: bool | None = None
    limit: Annotated[int, Field(ge=1, le=200)] | None = None
    neighborhood_hops: Annotated[int, Field(ge=1, le=2)] | None = None
    max_nodes: Annotated[int, Field(ge=1, le=200)] | None = None
    max_edges: Annotated[int, Field(ge=1, le=100)] | None = None
    ranked_limit: Annotated[int, Field(ge=1, le=500)] | None = None
    min_edge_weight: Unit | None = None
    min_edge_confidence: Unit | None = None
    include_meta: bool = False
    include_slots: bool = False
    include_slots_preview: bool = False
    slots_preview_keys: Annotated[int, Field(ge=1, le=50)] = 10
    context_token_budget: Annotated[int, Field(ge=1, le=256_000)] | None = None
    context_char_budget: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    context_compaction_profile: Literal["balanced", "aggressive"] = "balanced"
    memory_layer_preference: MemoryLayerPreference | None = None
    rules_context: Any = None
    rules_include_shadow: bool = False
    rules_limit: Annotated[int, Field(ge=1, le=200)] = 50
    return_debug: bool = False
    include_embeddings: bool = False


class RecallBody(RecallOptions):
    """POST /v1/memory/recall. The vector's length and values are checked by the service
    (400 ``invalid_embedding_dimension``), not here."""

    query_embedding: list[Any]


class RecallTextBody(RecallOptions):
    """POST /v1/memory/recall_text (also built by planning/context and context/assemble)."""

    query_text: NonEmpty
