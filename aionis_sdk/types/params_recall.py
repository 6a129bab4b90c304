"""Keyword arguments of recall, recall_text and the composite routes (planning, assemble)."""

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from typing_extensions import Required, TypedDict

from .common import MemoryLayer, RecallStrategy
from .params_common import NodeViewParams, ReadIdentityParams, SequenceNotStr
from .recall import MemoryLayerPreference

__all__ = [
    "ContextAssembleParams",
    "MemoryLayerPreferenceParam",
    "PlanningContextParams",
    "RecallOptionsParams",
    "RecallParams",
    "RecallTextParams",
]


class MemoryLayerPreferenceParam(TypedDict, total=False):
    """:class:`~aionis_sdk.types.MemoryLayerPreference` as a plain dict."""

    allowed_layers: Required[Sequence[MemoryLayer]]


class RecallOptionsParams(ReadIdentityParams, NodeViewParams, total=False):
    """:class:`~aionis_sdk.types.RecallOptions`: the recall knobs."""

    recall_strategy: RecallStrategy | None
    recall_mode: Literal["dense_edge"] | None
    limit: int | None
    neighborhood_hops: int | None
    max_nodes: int | None
    max_edges: int | None
    ranked_limit: int | None
    min_edge_weight: float | None
    min_edge_confidence: float | None
    context_token_budget: int | None
    context_char_budget: int | None
    context_compaction_profile: Literal["balanced", "aggressive"] | None
    memory_layer_preference: MemoryLayerPreferenceParam | MemoryLayerPreference | None


class _RecallExtrasParams(RecallOptionsParams, total=False):
    rules_context: Any
    rules_include_shadow: bool | None
    rules_limit: int | None
    return_debug: bool | None
    include_embeddings: bool | None


class RecallParams(_RecallExtrasParams, total=False):
    """``client.memory.recall(...)`` (:class:`~aionis_sdk.types.RecallRequest`)."""

    query_embedding: Required[Sequence[float]]


class RecallTextParams(_RecallExtrasParams, total=False):
    """``client.memory.recall_text(...)`` (:class:`~aionis_sdk.types.RecallTextRequest`)."""

    query_text: Required[str]
    recall_class_aware: bool | None


class _CompositeParams(RecallOptionsParams, total=False):
    query_text: Required[str]
    recall_class_aware: bool | None
    include_shadow: bool | None
    rules_limit: int | None
    tool_candidates: SequenceNotStr[str] | None
    tool_strict: bool | None
    return_layered_context: bool | None
    context_layers: Any
    static_context_blocks: Any
    static_injection: Any
    context_optimization_profile: Any


class PlanningContextParams(_CompositeParams, total=False):
    """``client.planning.context(...)`` (:class:`~aionis_sdk.types.PlanningContextRequest`)."""

    context: Mapping[str, Any]
    run_id: str | None


class ContextAssembleParams(_CompositeParams, total=False):
    """``client.context.assemble(...)`` (:class:`~aionis_sdk.types.ContextAssembleRequest`)."""

    context: Mapping[str, Any] | None
    include_rules: bool | None
