"""Packs (§7.8): POST /v1/memory/packs/export and /v1/memory/packs/import.

A pack round-trips byte-for-byte in meaning: ``manifest.sha256`` is the hash of the
``pack`` object exactly as returned, so ``PackImportRequest.to_body`` dumps the pack
with the keys it was parsed with (explicit ``null`` values included).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_serializer

from ._base import AionisModel, Sha256Hex
from .common import EmbeddingBackfill, ReadIdentity, WriteIdentity

__all__ = [
    "Pack",
    "PackCommit",
    "PackCounts",
    "PackDecision",
    "PackEdge",
    "PackExportRequest",
    "PackExportResponse",
    "PackImportPlan",
    "PackImportRequest",
    "PackImportResponse",
    "PackManifest",
    "PackNode",
    "PackTruncated",
]


class PackExportRequest(ReadIdentity):
    """Export a whole scope (lanes ignored). Needs the admin token when one is configured."""

    include_nodes: bool | None = Field(None, description="Default true.")
    include_edges: bool | None = Field(None, description="Default true.")
    include_commits: bool | None = Field(None, description="Default true.")
    include_decisions: bool | None = Field(None, description="Default false.")
    include_meta: bool | None = Field(None, description="Default true.")
    max_rows: int | None = Field(None, ge=1, le=50000, description="Per section; default 5000.")


class PackNode(AionisModel):
    id: str
    type: str
    client_id: str | None = None
    tier: str | None = None
    memory_lane: str | None = None
    producer_agent_id: str | None = None
    owner_agent_id: str | None = None
    owner_team_id: str | None = None
    title: str | None = None
    text_summary: str | None = None
    slots: dict[str, Any] | None = None
    raw_ref: str | None = None
    evidence_ref: str | None = None
    salience: float | None = None
    importance: float | None = None
    confidence: float | None = None
    created_at: str | None = None
    updated_at: str | None = None
    commit_id: str | None = None
    uri: str | None = None
    commit_uri: str | None = None


class PackEdge(AionisModel):
    id: str
    type: str
    src_id: str
    dst_id: str
    src_client_id: str | None = None
    dst_client_id: str | None = None
    weight: float | None = None
    confidence: float | None = None
    decay_rate: float | None = None
    created_at: str | None = None
    commit_id: str | None = None
    uri: str | None = None
    src_uri: str | None = None
    dst_uri: str | None = None
    commit_uri: str | None = None


class PackCommit(AionisModel):
    id: str
    parent_id: str | None = None
    input_sha256: str | None = None
    actor: str | None = None
    model_version: str | None = None
    prompt_version: str | None = None
    created_at: str | None = None
    commit_hash: str | None = None


class PackDecision(AionisModel):
    decision_id: str
    decision_kind: str | None = None
    run_id: str | None = None
    selected_tool: str | None = None
    candidates_json: Any = None
    context_sha256: str | None = None
    policy_sha256: str | None = None
    source_rule_ids: Any = None
    metadata_json: Any = None
    created_at: str | None = None
    commit_id: str | None = None


class Pack(AionisModel):
    """``version`` is ``aionis_pack_v1``. Existing embedded servers send ``decisions: []``."""

    version: str
    tenant_id: str
    scope: str
    nodes: list[PackNode]
    edges: list[PackEdge]
    commits: list[PackCommit] | None = None
    decisions: list[PackDecision] | None = None

    def to_wire(self) -> dict[str, Any]:
        """The pack as received (keys it was parsed with, explicit nulls kept)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class PackCounts(AionisModel):
    nodes: int | None = None
    edges: int | None = None
    commits: int | None = None
    decisions: int | None = None


class PackTruncated(AionisModel):
    nodes: bool | None = None
    edges: bool | None = None
    commits: bool | None = None
    decisions: bool | None = None


class PackManifest(AionisModel):
    """``sha256`` = sha256hex(canon(pack)) over the pack exactly as returned."""

    version: str
    sha256: str
    pack_version: str | None = None
    generated_at: str | None = None
    counts: PackCounts | None = None
    truncated: PackTruncated | None = None
    max_rows: int | None = None


class PackExportResponse(AionisModel):
    manifest: PackManifest
    pack: Pack


class PackImportRequest(WriteIdentity):
    """Verify and/or import a pack into its own tenant and scope.

    ``pack`` may be the ``Pack`` of an export response or a plain dict. To import
    elsewhere, rewrite ``pack.tenant_id``/``scope`` and drop ``manifest_sha256``.
    """

    pack: Pack | dict[str, Any]
    verify_only: bool | None = Field(None, description="Default false.")
    auto_embed: bool | None = Field(None, description="Default false.")
    manifest_sha256: Sha256Hex | None = Field(None, description="Checked against the pack.")

    @field_serializer("pack")
    def _pack_as_received(self, pack: Pack | dict[str, Any]) -> dict[str, Any]:
        # Serialised as a plain dict so that ``exclude_none`` (``to_body``) cannot drop
        # the pack's explicit nulls, which would change its hash.
        if isinstance(pack, Pack):
            return pack.to_wire()
        return dict(pack)


class PackImportPlan(AionisModel):
    nodes: int | None = None
    edges: int | None = None
    commits_in_pack: int | None = None
    decisions_in_pack: int | None = None


class PackImportResponse(AionisModel):
    """``verify_only`` gives ``planned``; an import gives commit fields and node/edge counts."""

    ok: bool
    verified: bool
    imported: bool
    tenant_id: str
    scope: str
    pack_sha256: str
    planned: PackImportPlan | None = None
    commit_id: str | None = None
    commit_hash: str | None = None
    nodes: int | None = None
    edges: int | None = None
    embedding_backfill: EmbeddingBackfill | None = None
