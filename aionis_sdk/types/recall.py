"""POST /v1/memory/recall and /v1/memory/recall_text (§7.4)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator
from typing_extensions import Self

from ._base import AionisModel, NonEmptyStr, StrictRequestModel, Unit
from .common import (
    EdgeType,
    MemoryLayer,
    NodeDTO,
    NodeViewOptions,
    ReadIdentity,
    RecallStrategy,
    Tier,
)
from .rules import RulesEvaluateResponse

__all__ = [
    "Citation",
    "ContextItem",
    "MemoryLayerPreference",
    "RankedNode",
    "RecallContext",
    "RecallOptions",
    "RecallQuery",
    "RecallRequest",
    "RecallResponse",
    "RecallSeed",
    "RecallTextRequest",
    "RecallTextResponse",
    "Subgraph",
    "SubgraphEdge",
    "SubgraphNode",
]

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]


class MemoryLayerPreference(StrictRequestModel):
    """Strict on the server: unknown keys give 400."""

    allowed_layers: list[MemoryLayer] = Field(min_length=1, max_length=6)


class RecallOptions(ReadIdentity, NodeViewOptions):
    """Recall knobs shared by recall, recall_text, planning/context and context/assemble.

    Knob presets (§7.4): if no knob is set, ``recall_strategy`` picks the preset
    (server default ``balanced`` = limit 24, hops 2, max_nodes 60, max_edges 80,
    ranked_limit 140, min_edge_weight/confidence 0.2); any explicit knob disables it.
    """

    recall_strategy: RecallStrategy | None = Field(None, description="Default 'balanced'.")
    recall_mode: Literal["dense_edge"] | None = Field(None, description="= the global preset.")
    limit: int | None = Field(None, ge=1, le=200, description="Seeds; preset default.")
    neighborhood_hops: int | None = Field(None, ge=1, le=2)
    max_nodes: int | None = Field(None, ge=1, le=200)
    max_edges: int | None = Field(None, ge=1, le=100)
    ranked_limit: int | None = Field(None, ge=1, le=500)
    min_edge_weight: Unit | None = None
    min_edge_confidence: Unit | None = None
    context_token_budget: int | None = Field(None, ge=1, le=256000, description="Default none.")
    context_char_budget: int | None = Field(None, ge=1, le=1_000_000, description="Default none.")
    context_compaction_profile: Literal["balanced", "aggressive"] | None = Field(
        None, description="Default 'balanced'."
    )
    memory_layer_preference: MemoryLayerPreference | None = None


class _RecallExtras(RecallOptions):
    rules_context: Any = Field(
        None, description="Any JSON; when set the response carries evaluated `rules`."
    )
    rules_include_shadow: bool | None = Field(None, description="Default false.")
    rules_limit: int | None = Field(None, ge=1, le=200, description="Default 50.")
    return_debug: bool | None = Field(None, description="Default false.")
    include_embeddings: bool | None = Field(
        None, description="Needs return_debug, limit <= 20 and admin rights; default false."
    )

    @model_validator(mode="after")
    def _debug_rules(self) -> Self:
        if self.include_embeddings:
            if not self.return_debug:
                raise ValueError("include_embeddings requires return_debug")
            if self.limit is not None and self.limit > 20:
                raise ValueError("include_embeddings requires limit <= 20")
        return self


class RecallRequest(_RecallExtras):
    """Recall by a caller-supplied vector of exactly the server's dimension."""

    query_embedding: list[FiniteFloat] = Field(min_length=1)


class RecallTextRequest(_RecallExtras):
    """Recall by text; the server embeds ``query_text``."""

    query_text: NonEmptyStr
    recall_class_aware: bool | None = Field(None, description="May be ignored by the server.")


# --- responses -------------------------------------------------------------------------


class RecallSeed(AionisModel):
    id: str
    uri: str | None = None
    type: str | None = None
    title: str | None = None
    text_summary: str | None = None
    tier: Tier | None = None
    salience: float | None = None
    confidence: float | None = None
    similarity: float | None = None


class SubgraphNode(NodeDTO):
    """A subgraph node: NodeDTO base fields plus slots/meta according to the flags."""


class SubgraphEdge(AionisModel):
    """A recall subgraph edge. Note ``from_id``/``to_id`` (not ``src_id``/``dst_id``)."""

    id: str
    uri: str | None = None
    from_id: str
    to_id: str
    type: EdgeType
    weight: float | None = None
    confidence: float | None = None
    commit_id: str | None = None
    commit_uri: str | None = None


class Subgraph(AionisModel):
    nodes: list[SubgraphNode]
    edges: list[SubgraphEdge]


class RankedNode(AionisModel):
    id: str
    uri: str | None = None
    activation: float
    score: float


class ContextItem(AionisModel):
    kind: str
    node_id: str | None = None
    uri: str | None = None
    title: str | None = None
    summary: str | None = None
    commit_id: str | None = None
    tier: str | None = None
    salience: float | None = None


class Citation(AionisModel):
    node_id: str
    uri: str | None = None
    commit_id: str | None = None
    commit_uri: str | None = None
    raw_ref: str | None = None
    evidence_ref: str | None = None


class RecallContext(AionisModel):
    """The assembled context: markdown ``text`` plus structured items and citations."""

    text: str
    items: list[ContextItem]
    citations: list[Citation]
    selection_policy: dict[str, Any] | None = None
    selection_stats: dict[str, Any] | None = None


class RecallQuery(AionisModel):
    text: str
    embedding_provider: str | None


class RecallResponse(AionisModel):
    scope: str
    tenant_id: str
    seeds: list[RecallSeed]
    subgraph: Subgraph
    ranked: list[RankedNode]
    context: RecallContext
    rules: RulesEvaluateResponse | None = None
    runtime_tool_hints: list[Any] | None = None
    action_recall_packet: dict[str, Any] | None = None
    trajectory: dict[str, Any] | None = None
    observability: dict[str, Any] | None = None
    debug: dict[str, Any] | None = None


class RecallTextResponse(RecallResponse):
    query: RecallQuery
