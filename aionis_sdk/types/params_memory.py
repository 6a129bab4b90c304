"""Keyword arguments of ``client.memory.write``, ``find`` and ``resolve``."""

from collections.abc import Mapping, Sequence
from typing import Any

from typing_extensions import Required, TypedDict

from .common import EdgeType, MemoryLane, NodeType, Tier
from .memory import EdgeEndpoint, WriteEdge, WriteNode
from .params_common import NodeViewParams, ReadIdentityParams, WriteIdentityParams

__all__ = [
    "EdgeEndpointParam",
    "FindParams",
    "ResolveParams",
    "WriteEdgeParam",
    "WriteNodeParam",
    "WriteParams",
]


class WriteNodeParam(TypedDict, total=False):
    """One node of a write, as a plain dict (:class:`~aionis_sdk.types.WriteNode`)."""

    id: str | None
    client_id: str | None
    scope: str | None
    type: Required[NodeType]
    tier: Tier | None
    memory_lane: MemoryLane | None
    producer_agent_id: str | None
    owner_agent_id: str | None
    owner_team_id: str | None
    title: str | None
    text_summary: str | None
    slots: Mapping[str, Any] | None
    raw_ref: str | None
    evidence_ref: str | None
    embedding: Sequence[float] | None
    embedding_model: str | None
    salience: float | None
    importance: float | None
    confidence: float | None


class EdgeEndpointParam(TypedDict, total=False):
    """An edge end (:class:`~aionis_sdk.types.EdgeEndpoint`): ``id`` or ``client_id``."""

    id: str | None
    client_id: str | None


class WriteEdgeParam(TypedDict, total=False):
    """One edge of a write, as a plain dict (:class:`~aionis_sdk.types.WriteEdge`)."""

    id: str | None
    scope: str | None
    type: Required[EdgeType]
    src: Required[EdgeEndpointParam | EdgeEndpoint]
    dst: Required[EdgeEndpointParam | EdgeEndpoint]
    weight: float | None
    confidence: float | None
    decay_rate: float | None


class WriteParams(WriteIdentityParams, total=False):
    """``client.memory.write(...)`` (:class:`~aionis_sdk.types.WriteRequest`)."""

    input_text: str | None
    input_sha256: str | None
    parent_commit_id: str | None
    model_version: str | None
    prompt_version: str | None
    auto_embed: bool | None
    nodes: Sequence[WriteNodeParam | WriteNode] | None
    edges: Sequence[WriteEdgeParam | WriteEdge] | None
    force_reembed: bool | None
    trigger_topic_cluster: bool | None
    topic_cluster_async: bool | None
    distill: Mapping[str, Any] | None


class FindParams(ReadIdentityParams, NodeViewParams, total=False):
    """``client.memory.find(...)`` / ``find_all`` (:class:`~aionis_sdk.types.FindRequest`)."""

    uri: str | None
    id: str | None
    client_id: str | None
    type: NodeType | None
    title_contains: str | None
    text_contains: str | None
    memory_lane: MemoryLane | None
    slots_contains: Mapping[str, Any] | None
    limit: int | None
    offset: int | None


class ResolveParams(ReadIdentityParams, NodeViewParams, total=False):
    """``client.memory.resolve(...)`` (:class:`~aionis_sdk.types.ResolveRequest`)."""

    uri: Required[str]
