"""Request bodies of POST /v1/memory/packs/export and /v1/memory/packs/import (§7.8)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .write import NonEmpty, Sha256, Uuid, WriteBody, WriteEdge, WriteNode


class ExportBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    include_nodes: bool = True
    include_edges: bool = True
    include_commits: bool = True
    include_decisions: bool = False
    include_meta: bool = True
    max_rows: Annotated[int, Field(ge=1, le=50_000)] = 5000


class PackNode(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: Uuid
    type: str


class PackEdge(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: Uuid
    type: str
    src_id: Uuid
    dst_id: Uuid
    src_client_id: str | None = None
    dst_client_id: str | None = None


class Pack(BaseModel):
    model_config = ConfigDict(extra="allow")

    version: Literal["aionis_pack_v1"]
    tenant_id: NonEmpty
    scope: NonEmpty
    nodes: list[PackNode] = Field(default_factory=list)
    edges: list[PackEdge] = Field(default_factory=list)
    commits: list[Any] = Field(default_factory=list)
    decisions: list[Any] = Field(default_factory=list)


class ImportBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    pack: Pack
    verify_only: bool = False
    auto_embed: bool = False
    manifest_sha256: Sha256 | None = None
    actor: NonEmpty | None = None
    producer_agent_id: NonEmpty | None = None
    owner_agent_id: NonEmpty | None = None
    owner_team_id: NonEmpty | None = None


class PackWriteBody(WriteBody):
    """A write batch built from a pack: no per-request node/edge count limits."""

    nodes: list[WriteNode] = Field(default_factory=list)
    edges: list[WriteEdge] = Field(default_factory=list)
