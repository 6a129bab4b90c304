"""POST /v1/memory/write, /find and /resolve (§7.3, §7.5, §7.6)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator
from typing_extensions import Self

from ._base import AionisModel, NonEmptyStr, RequestModel, Sha256Hex, Unit, UUIDStr
from .common import (
    APIWarning,
    EdgeType,
    EmbeddingBackfill,
    MemoryLane,
    NodeDTO,
    NodeType,
    NodeViewOptions,
    Page,
    ReadIdentity,
    Tier,
    WriteIdentity,
)
from .tools import Decision

__all__ = [
    "EdgeEndpoint",
    "FindFilters",
    "FindRequest",
    "FindResponse",
    "LinkedObjectCounts",
    "ResolveRequest",
    "ResolveResponse",
    "ResolvedCommit",
    "ResolvedEdge",
    "WriteEdge",
    "WriteNode",
    "WriteRequest",
    "WriteResponse",
    "WrittenEdge",
    "WrittenNode",
]

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]


def _require_input(text: str | None, sha: str | None) -> None:
    if text is None and sha is None:
        raise ValueError("must set input_text or input_sha256")


# --- write ---------------------------------------------------------------------------


class WriteNode(RequestModel):
    """One node of a write batch. Send ``client_id`` to make the write idempotent (§5.6)."""

    id: UUIDStr | None = Field(None, description="Explicit node id; must match client_id's.")
    client_id: NonEmptyStr | None = Field(None, description="Stable id within the scope.")
    scope: NonEmptyStr | None = Field(None, description="Must equal the request scope.")
    type: NodeType
    tier: Tier | None = Field(None, description="Default 'hot'.")
    memory_lane: MemoryLane | None = Field(None, description="Default: the request's lane.")
    producer_agent_id: NonEmptyStr | None = None
    owner_agent_id: NonEmptyStr | None = None
    owner_team_id: NonEmptyStr | None = None
    title: str | None = None
    text_summary: str | None = None
    slots: dict[str, Any] | None = Field(None, description="Free JSON object; default {}.")
    raw_ref: str | None = None
    evidence_ref: str | None = None
    embedding: list[FiniteFloat] | None = Field(
        None, description="Client vector; exactly the server's dimension (/health)."
    )
    embedding_model: NonEmptyStr | None = Field(None, description="Default 'client'.")
    salience: Unit | None = Field(None, description="Default 0.5.")
    importance: Unit | None = Field(None, description="Default 0.5.")
    confidence: Unit | None = Field(None, description="Default 0.5.")


class EdgeEndpoint(RequestModel):
    """An edge end: a node ``id`` (batch or stored) or a ``client_id`` in the same batch."""

    id: UUIDStr | None = None
    client_id: NonEmptyStr | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if self.id is None and self.client_id is None:
            raise ValueError("an edge endpoint needs id or client_id")
        return self


class WriteEdge(RequestModel):
    """One edge of a write batch; upserted on (type, src, dst) (§5.8)."""

    id: UUIDStr | None = None
    scope: NonEmptyStr | None = Field(None, description="Must equal the request scope.")
    type: EdgeType
    src: EdgeEndpoint
    dst: EdgeEndpoint
    weight: Unit | None = Field(None, description="Default 0.5.")
    confidence: Unit | None = Field(None, description="Default 0.5.")
    decay_rate: Unit | None = Field(None, description="Default 0.01.")


class WriteRequest(WriteIdentity):
    """Commit a batch of nodes and edges. One of ``input_text``/``input_sha256`` is required."""

    input_text: NonEmptyStr | None = Field(None, description="Normalised server-side (§5.4).")
    input_sha256: Sha256Hex | None = None
    parent_commit_id: NonEmptyStr | None = Field(
        None, description="Chain to this commit; default: no parent."
    )
    model_version: NonEmptyStr | None = None
    prompt_version: NonEmptyStr | None = None
    auto_embed: bool | None = Field(None, description="Default: server default (true).")
    nodes: list[WriteNode] | None = Field(None, description="Default []; empty warns.")
    edges: list[WriteEdge] | None = Field(None, description="Default [].")
    force_reembed: bool | None = Field(None, description="Accepted; ignored by the reference.")
    trigger_topic_cluster: bool | None = Field(None, description="Accepted; may be ignored.")
    topic_cluster_async: bool | None = Field(None, description="Accepted; may be ignored.")
    distill: dict[str, Any] | None = Field(None, description="Accepted; may be ignored.")

    @model_validator(mode="after")
    def _input_required(self) -> Self:
        _require_input(self.input_text, self.input_sha256)
        return self


class WrittenNode(AionisModel):
    id: str
    uri: str
    client_id: str | None = None
    type: NodeType


class WrittenEdge(AionisModel):
    id: str
    uri: str
    type: EdgeType
    src_id: str
    dst_id: str


class WriteResponse(AionisModel):
    tenant_id: str
    scope: str
    commit_id: str
    commit_uri: str
    commit_hash: str
    nodes: list[WrittenNode]
    edges: list[WrittenEdge]
    embedding_backfill: EmbeddingBackfill | None = None
    warnings: list[APIWarning] | None = None

    def node_id(self, client_id: str) -> str | None:
        """The id of the written node with this ``client_id``, if any."""
        for node in self.nodes:
            if node.client_id == client_id:
                return node.id
        return None


# --- find ----------------------------------------------------------------------------


class FindRequest(ReadIdentity, NodeViewOptions):
    """Filter nodes (AND of all filters); newest first; every tier; lane-filtered."""

    uri: NonEmptyStr | None = Field(None, description="A node URI; fills tenant/scope/type/id.")
    id: UUIDStr | None = None
    client_id: NonEmptyStr | None = None
    type: NodeType | None = None
    title_contains: NonEmptyStr | None = Field(None, description="Case-insensitive.")
    text_contains: NonEmptyStr | None = Field(None, description="Case-insensitive.")
    memory_lane: MemoryLane | None = None
    slots_contains: dict[str, Any] | None = Field(
        None, description="Structural containment; arrays compared index by index."
    )
    limit: int | None = Field(None, ge=1, le=200, description="Default 20.")
    offset: int | None = Field(None, ge=0, le=200000, description="Default 0.")


class FindFilters(AionisModel):
    """The filters the server applied (null when unset; a URI fills id and type)."""

    uri: str | None = None
    id: str | None = None
    client_id: str | None = None
    type: str | None = None
    title_contains: str | None = None
    text_contains: str | None = None
    memory_lane: str | None = None
    slots_contains: dict[str, Any] | None = None
    consumer_agent_id: str | None = None
    consumer_team_id: str | None = None


class FindResponse(AionisModel):
    tenant_id: str
    scope: str
    mode: str
    filters: FindFilters
    nodes: list[NodeDTO]
    page: Page
    find_summary: dict[str, Any] | None = None


# --- resolve -------------------------------------------------------------------------


class ResolveRequest(ReadIdentity, NodeViewOptions):
    """Resolve an ``aionis://tenant/scope/type/id`` URI; tenant and scope come from it."""

    uri: Annotated[str, Field(pattern=r"^aionis://")]


class ResolvedEdge(AionisModel):
    id: str
    uri: str | None = None
    type: EdgeType
    src_id: str
    src_uri: str | None = None
    dst_id: str
    dst_uri: str | None = None
    weight: float | None = None
    confidence: float | None = None
    decay_rate: float | None = None
    last_activated: str | None = None
    created_at: str | None = None
    commit_id: str | None = None
    commit_uri: str | None = None


class LinkedObjectCounts(AionisModel):
    nodes: int | None = None
    edges: int | None = None
    decisions: int | None = None
    total: int | None = None


class ResolvedCommit(AionisModel):
    id: str
    uri: str | None = None
    parent_id: str | None = None
    parent_uri: str | None = None
    input_sha256: str | None = None
    diff_json: Any = None
    actor: str | None = None
    model_version: str | None = None
    prompt_version: str | None = None
    commit_hash: str
    created_at: str | None = None
    linked_object_counts: LinkedObjectCounts | None = None


class ResolveResponse(AionisModel):
    """Exactly one of ``node``/``edge``/``commit``/``decision`` is set, per ``type``."""

    tenant_id: str
    scope: str
    uri: str
    type: str
    node: NodeDTO | None = None
    edge: ResolvedEdge | None = None
    commit: ResolvedCommit | None = None
    decision: Decision | None = None
    resolve_summary: dict[str, Any] | None = None
