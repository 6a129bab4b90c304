"""Request bodies of POST /v1/memory/find (§7.5) and /v1/memory/resolve (§7.6)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from .write import Lane, NodeType, Uuid


class NodeViewFlags(BaseModel):
    """The NodeDTO flags shared by reads (§7.1)."""

    model_config = ConfigDict(extra="ignore")

    consumer_agent_id: Annotated[str, Field(min_length=1)] | None = None
    consumer_team_id: Annotated[str, Field(min_length=1)] | None = None
    include_meta: bool = False
    include_slots: bool = False
    include_slots_preview: bool = False
    slots_preview_keys: Annotated[int, Field(ge=1, le=50)] = 10


class FindBody(NodeViewFlags):
    uri: str | None = None
    id: Uuid | None = None
    client_id: Annotated[str, Field(min_length=1)] | None = None
    type: NodeType | None = None
    title_contains: Annotated[str, Field(min_length=1)] | None = None
    text_contains: Annotated[str, Field(min_length=1)] | None = None
    memory_lane: Lane | None = None
    slots_contains: dict[str, Any] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 20
    offset: Annotated[int, Field(ge=0, le=200_000)] = 0


class ResolveBody(NodeViewFlags):
    uri: Annotated[str, Field(min_length=1)]
