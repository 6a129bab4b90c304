"""Sessions and events (§7.7): POST/GET /v1/memory/sessions, POST /v1/memory/events,
GET /v1/memory/sessions/{session_id}/events."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field, model_validator
from typing_extensions import Self

from ._base import AionisModel, NonEmptyStr, Unit
from .common import (
    EmbeddingBackfill,
    NodeDTO,
    NodeViewOptions,
    Page,
    ReadIdentity,
    WriteIdentity,
)
from .memory import WrittenEdge, WrittenNode

__all__ = [
    "AppendEventRequest",
    "AppendEventResponse",
    "CreateSessionRequest",
    "CreateSessionResponse",
    "ListEventsRequest",
    "ListEventsResponse",
    "ListSessionsRequest",
    "ListSessionsResponse",
    "SessionEvent",
    "SessionRef",
    "SessionSummary",
]

SessionId = Annotated[str, Field(min_length=1, max_length=128)]
Title = Annotated[str, Field(max_length=512)]
Summary = Annotated[str, Field(max_length=4000)]


class CreateSessionRequest(WriteIdentity):
    """Create (or re-find) a session: a ``topic`` node with ``client_id = session:<id>``."""

    session_id: SessionId
    title: Title | None = Field(None, description="Default 'Session <id>'.")
    text_summary: Summary | None = Field(None, description="Default: the title.")
    input_text: NonEmptyStr | None = Field(None, description="Default 'create session <id>'.")
    metadata: dict[str, Any] | None = Field(None, description="Stored in the session's slots.")
    auto_embed: bool | None = Field(None, description="Default false.")


class CreateSessionResponse(AionisModel):
    tenant_id: str
    scope: str
    session_id: str
    session_node_id: str
    session_uri: str
    commit_id: str
    commit_uri: str
    commit_hash: str
    nodes: list[WrittenNode]
    edges: list[WrittenEdge]
    embedding_backfill: EmbeddingBackfill | None = None


class ListSessionsRequest(ReadIdentity):
    """Query of GET /v1/memory/sessions (use ``to_query()``); last activity first."""

    owner_agent_id: NonEmptyStr | None = Field(None, description="Exact owner filter.")
    owner_team_id: NonEmptyStr | None = Field(None, description="Exact owner filter.")
    include_meta: bool | None = Field(None, description="Default false.")
    limit: int | None = Field(None, ge=1, le=200, description="Default 20.")
    offset: int | None = Field(None, ge=0, description="Default 0.")


class SessionSummary(AionisModel):
    session_id: str
    node_id: str
    title: str | None = None
    text_summary: str | None = None
    uri: str | None = None
    last_event_at: str | None = None
    event_count: int | None = None
    # include_meta
    memory_lane: str | None = None
    owner_agent_id: str | None = None
    owner_team_id: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    client_id: str | None = None


class ListSessionsResponse(AionisModel):
    tenant_id: str
    scope: str
    sessions: list[SessionSummary]
    page: Page


class AppendEventRequest(WriteIdentity):
    """Append an event. Idempotent only when ``event_id`` is set (the idempotency key).

    At least one of ``title``, ``text_summary``, ``input_text`` is required. The session
    is created if absent; an existing session's lane and owners are inherited.
    """

    session_id: SessionId
    event_id: SessionId | None = Field(None, description="Default: a random UUID (server).")
    title: Title | None = None
    text_summary: Summary | None = Field(
        None, description="Default: input_text, then title, then 'session event <id>'."
    )
    input_text: NonEmptyStr | None = Field(None, description="Default: text_summary.")
    metadata: dict[str, Any] | None = Field(None, description="Stored in the event's slots.")
    auto_embed: bool | None = Field(None, description="Default true.")
    edge_weight: Unit | None = Field(None, description="part_of edge weight; default 1.")
    edge_confidence: Unit | None = Field(None, description="part_of edge confidence; default 1.")
    execution_state_v1: Any = Field(None, description="Opaque; stored in slots.")
    execution_packet_v1: Any = Field(None, description="Opaque; stored in slots.")
    execution_transitions_v1: Any = Field(None, description="Opaque; stored in slots.")

    @model_validator(mode="after")
    def _some_text(self) -> Self:
        if self.title is None and self.text_summary is None and self.input_text is None:
            raise ValueError("must set one of title, text_summary or input_text")
        return self


class AppendEventResponse(AionisModel):
    tenant_id: str
    scope: str
    session_id: str
    event_id: str
    event_node_id: str
    session_node_id: str
    event_uri: str
    session_uri: str
    commit_id: str
    commit_uri: str
    commit_hash: str
    nodes: list[WrittenNode]
    edges: list[WrittenEdge]
    embedding_backfill: EmbeddingBackfill | None = None


class ListEventsRequest(ReadIdentity, NodeViewOptions):
    """GET /v1/memory/sessions/{session_id}/events: ``session_id`` is the (percent-encoded)
    path parameter (listed in ``path_params``, left out of ``to_query()``). Newest first."""

    path_params: ClassVar[frozenset[str]] = frozenset({"session_id"})

    session_id: NonEmptyStr
    limit: int | None = Field(None, ge=1, description="Default 20.")
    offset: int | None = Field(None, ge=0, description="Default 0.")


class SessionRef(AionisModel):
    session_id: str
    node_id: str | None = None
    title: str | None = None
    text_summary: str | None = None
    uri: str | None = None


class SessionEvent(NodeDTO):
    """An event node (NodeDTO) with its event id and the part_of edge's weights."""

    event_id: str | None = None
    edge_weight: float | None = None
    edge_confidence: float | None = None


class ListEventsResponse(AionisModel):
    """An unknown or invisible session gives ``session=None`` and no events (not a 404)."""

    tenant_id: str
    scope: str
    session: SessionRef | None
    events: list[SessionEvent]
    page: Page
