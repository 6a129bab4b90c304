"""Request bodies of POST /v1/memory/write (§7.3)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Uuid = Annotated[
    str,
    Field(pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
NonEmpty = Annotated[str, Field(min_length=1, max_length=1024)]
Unit = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NodeType = Literal[
    "event", "entity", "topic", "rule", "evidence", "concept", "procedure", "self_model"
]
EdgeType = Literal["part_of", "related_to", "derived_from"]
Tier = Literal["hot", "warm", "cold", "archive"]
Lane = Literal["private", "shared"]

MAX_WRITE_NODES = 10_000
MAX_WRITE_EDGES = 20_000


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class WriteNode(_Lenient):
    id: Uuid | None = None
    client_id: Annotated[str, Field(max_length=1024)] | None = None
    scope: str | None = None
    type: NodeType
    tier: Tier | None = None
    memory_lane: Lane | None = None
    producer_agent_id: NonEmpty | None = None
    owner_agent_id: NonEmpty | None = None
    owner_team_id: NonEmpty | None = None
    title: str | None = None
    text_summary: str | None = None
    slots: dict[str, Any] | None = None
    raw_ref: str | None = None
    evidence_ref: str | None = None
    embedding: list[float] | None = None
    embedding_model: NonEmpty | None = None
    salience: Unit | None = None
    importance: Unit | None = None
    confidence: Unit | None = None


class EdgeEndpoint(_Lenient):
    id: Uuid | None = None
    client_id: Annotated[str, Field(min_length=1, max_length=1024)] | None = None


class WriteEdge(_Lenient):
    id: Uuid | None = None
    scope: str | None = None
    type: EdgeType
    src: EdgeEndpoint
    dst: EdgeEndpoint
    weight: Unit | None = None
    confidence: Unit | None = None
    decay_rate: Unit | None = None


class WriteBody(_Lenient):
    """A write batch. ``tenant_id``/``scope`` are handled by the request context."""

    input_text: str | None = None
    input_sha256: Sha256 | None = None
    parent_commit_id: Uuid | None = None
    actor: NonEmpty | None = None
    model_version: NonEmpty | None = None
    prompt_version: NonEmpty | None = None
    auto_embed: bool | None = None
    memory_lane: Lane | None = None
    producer_agent_id: NonEmpty | None = None
    owner_agent_id: NonEmpty | None = None
    owner_team_id: NonEmpty | None = None
    nodes: Annotated[list[WriteNode], Field(max_length=MAX_WRITE_NODES)] = Field(
        default_factory=list
    )
    edges: Annotated[list[WriteEdge], Field(max_length=MAX_WRITE_EDGES)] = Field(
        default_factory=list
    )
    force_reembed: Any = None
    trigger_topic_cluster: Any = None
    topic_cluster_async: Any = None
    distill: Any = None
