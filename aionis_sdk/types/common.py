"""Enumerations, shared response shapes and request mixins used by several routes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from ._base import AionisModel, NonEmptyStr, RequestModel

__all__ = [
    "APIWarning",
    "AuthMode",
    "EdgeType",
    "EmbeddingBackfill",
    "EmbeddingStatus",
    "Issue",
    "MemoryLane",
    "MemoryLayer",
    "NodeDTO",
    "NodeType",
    "NodeViewOptions",
    "Outcome",
    "Page",
    "ReadIdentity",
    "RecallStrategy",
    "RuleState",
    "ScopedRequest",
    "Tier",
    "WriteIdentity",
]

# --- enumerations (§5.1) -------------------------------------------------------------

NodeType = Literal[
    "event", "entity", "topic", "rule", "evidence", "concept", "procedure", "self_model"
]
EdgeType = Literal["part_of", "related_to", "derived_from"]
Tier = Literal["hot", "warm", "cold", "archive"]
MemoryLane = Literal["private", "shared"]
RuleState = Literal["draft", "shadow", "active", "disabled"]
Outcome = Literal["positive", "negative", "neutral"]
MemoryLayer = Literal["L0", "L1", "L2", "L3", "L4", "L5"]
RecallStrategy = Literal["local", "balanced", "global"]
EmbeddingStatus = Literal["ready", "pending", "failed"]
AuthMode = Literal["off", "api_key", "jwt", "api_key_or_jwt"]

# --- shared response shapes ----------------------------------------------------------


class Page(AionisModel):
    """Offset pagination block; ``has_more`` is computed by looking one row beyond."""

    limit: int
    offset: int
    returned: int
    has_more: bool


class Issue(AionisModel):
    """One validation failure: a dotted ``path`` into the request (``""`` = whole body)."""

    path: str
    message: str


class APIWarning(AionisModel):
    """A non-fatal warning returned by a write-like route (e.g. ``write_no_nodes``)."""

    code: str
    message: str | None = None
    details: dict[str, Any] | None = None


class EmbeddingBackfill(AionisModel):
    """Existing servers embed asynchronously and report what they queued."""

    enqueued: bool | None = None
    pending_nodes: int | None = None


class NodeDTO(AionisModel):
    """A node as returned by find, resolve and session events (§7.1).

    Base fields are always present on the reference server; ``slots`` appears with
    ``include_slots``, ``slots_preview`` with ``include_slots_preview`` and the meta
    block with ``include_meta``.
    """

    id: str
    uri: str | None = None
    client_id: str | None = None
    type: NodeType | None = None
    title: str | None = None
    text_summary: str | None = None
    # include_slots / include_slots_preview
    slots: dict[str, Any] | None = None
    slots_preview: dict[str, Any] | None = None
    # include_meta
    tier: Tier | None = None
    memory_lane: MemoryLane | None = None
    producer_agent_id: str | None = None
    owner_agent_id: str | None = None
    owner_team_id: str | None = None
    embedding_status: EmbeddingStatus | None = None
    embedding_model: str | None = None
    raw_ref: str | None = None
    evidence_ref: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    last_activated: str | None = None
    salience: float | None = None
    importance: float | None = None
    confidence: float | None = None
    commit_id: str | None = None
    commit_uri: str | None = None


# --- request mixins ------------------------------------------------------------------


class ScopedRequest(RequestModel):
    """Every body accepts ``tenant_id`` and ``scope`` (§4.4); unset means server default."""

    tenant_id: str | None = Field(
        None,
        pattern=r"^\s*[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}\s*$",
        description="Tenant; default: X-Tenant-Id header, else the server default tenant.",
    )
    scope: str | None = Field(
        None,
        description="Scope inside the tenant; default 'default'. Must not start with 'tenant:'.",
    )

    @field_validator("scope")
    @classmethod
    def _check_scope(cls, value: str | None) -> str | None:
        if value is not None:
            trimmed = value.strip()
            if not trimmed or trimmed.startswith("tenant:"):
                raise ValueError("scope must be non-empty and must not start with 'tenant:'")
        return value


class ReadIdentity(ScopedRequest):
    """Reader identity for lane visibility (§4.5). Unset: private nodes are invisible."""

    consumer_agent_id: NonEmptyStr | None = Field(
        None, description="Reading agent; the client fills it from its agent identity."
    )
    consumer_team_id: NonEmptyStr | None = Field(
        None, description="Reading team; the client fills it from its team identity."
    )


class WriteIdentity(ScopedRequest):
    """Writer identity (§4.2/§4.3). Unset fields are filled by the server."""

    actor: NonEmptyStr | None = Field(
        None,
        description="Free-form commit actor; default: the local id in mode off, else 'system'.",
    )
    producer_agent_id: NonEmptyStr | None = Field(
        None, description="Producing agent; default: principal agent / local id."
    )
    owner_agent_id: NonEmptyStr | None = Field(
        None, description="Owning agent; default: producer_agent_id when no owner is given."
    )
    owner_team_id: NonEmptyStr | None = Field(None, description="Owning team.")
    memory_lane: MemoryLane | None = Field(
        None, description="Lane for nodes that do not set their own; default 'private'."
    )


class NodeViewOptions(RequestModel):
    """NodeDTO flags (§7.1): what optional blocks returned nodes carry."""

    include_meta: bool | None = Field(None, description="Add the meta block; default false.")
    include_slots: bool | None = Field(None, description="Add full slots; default false.")
    include_slots_preview: bool | None = Field(
        None, description="Add slots_preview (ignored with include_slots); default false."
    )
    slots_preview_keys: int | None = Field(
        None, ge=1, le=50, description="Keys in slots_preview, sorted order; default 10."
    )
