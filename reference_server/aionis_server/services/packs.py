"""Packs (§7.8): export a scope with a verifiable manifest; verify and import a pack."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from pydantic import ValidationError

from aionis_sdk.canonical import canon, sha256hex

from ..api import rescope
from ..clock import now_iso
from ..context import RequestContext
from ..errors import bad_request, invalid_request
from ..schemas.packs import ExportBody, ImportBody, PackWriteBody
from ..uris import make_uri
from ..validation import issues_from
from .write import write_nodes
from .write_prepare import prepare_write

PACK_VERSION = "aionis_pack_v1"
MANIFEST_VERSION = "aionis_pack_manifest_v1"
_NODE_COPY = (
    "type",
    "tier",
    "memory_lane",
    "producer_agent_id",
    "owner_agent_id",
    "owner_team_id",
    "title",
    "text_summary",
    "slots",
    "raw_ref",
    "evidence_ref",
    "salience",
    "importance",
    "confidence",
)


def _section(
    conn: sqlite3.Connection, sql: str, scope_key: str, max_rows: int
) -> tuple[list[sqlite3.Row], bool]:
    rows = conn.execute(sql + " LIMIT ?", (scope_key, max_rows + 1)).fetchall()
    return rows[:max_rows], len(rows) > max_rows


def _node_row(ctx: RequestContext, row: sqlite3.Row, meta: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row["id"],
        "client_id": row["client_id"],
        "type": row["type"],
        "tier": row["tier"],
        "memory_lane": row["memory_lane"],
        "producer_agent_id": row["producer_agent_id"],
        "owner_agent_id": row["owner_agent_id"],
        "owner_team_id": row["owner_team_id"],
        "title": row["title"],
        "text_summary": row["text_summary"],
        "slots": json.loads(row["slots_json"] or "{}"),
        "raw_ref": row["raw_ref"],
        "evidence_ref": row["evidence_ref"],
        "salience": row["salience"],
        "importance": row["importance"],
        "confidence": row["confidence"],
    }
    if meta:
        out.update(
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            commit_id=row["commit_id"],
            uri=make_uri(ctx.tenant_id, ctx.scope, row["type"], row["id"]),
            commit_uri=make_uri(ctx.tenant_id, ctx.scope, "commit", row["commit_id"]),
        )
    return out


def _edge_row(ctx: RequestContext, row: sqlite3.Row, meta: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row["id"],
        "type": row["type"],
        "src_id": row["src_id"],
        "dst_id": row["dst_id"],
        "src_client_id": row["src_client_id"],
        "dst_client_id": row["dst_client_id"],
        "weight": row["weight"],
        "confidence": row["confidence"],
        "decay_rate": row["decay_rate"],
    }
    if meta:
        t, s = ctx.tenant_id, ctx.scope
        out.update(
            created_at=row["created_at"],
            commit_id=row["commit_id"],
            uri=make_uri(t, s, "edge", row["id"]),
            src_uri=make_uri(t, s, row["src_type"] or "event", row["src_id"]),
            dst_uri=make_uri(t, s, row["dst_type"] or "event", row["dst_id"]),
            commit_uri=make_uri(t, s, "commit", row["commit_id"]),
        )
    return out


def _decision_row(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "decision_id": row["decision_id"],
        "decision_kind": row["decision_kind"],
        "run_id": row["run_id"],
        "selected_tool": row["selected_tool"],
        "candidates_json": json.loads(row["candidates_json"]),
        "context_sha256": row["context_sha256"],
        "policy_sha256": row["policy_sha256"],
        "source_rule_ids": json.loads(row["source_rule_ids_json"]),
        "metadata_json": json.loads(row["metadata_json"]),
        "created_at": row["created_at"],
        "commit_id": row["commit_id"],
    }


def export_pack(ctx: RequestContext, body: ExportBody) -> dict[str, Any]:
    key, n = ctx.scope_key, body.max_rows
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    commits: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    truncated = {"nodes": False, "edges": False, "commits": False, "decisions": False}
    with ctx.state.db.read() as conn:
        if body.include_nodes:
            rows, truncated["nodes"] = _section(
                conn,
                "SELECT * FROM nodes WHERE scope_key = ? ORDER BY created_at ASC, id ASC",
                key,
                n,
            )
            nodes = [_node_row(ctx, r, body.include_meta) for r in rows]
        if body.include_edges:
            rows, truncated["edges"] = _section(
                conn,
                "SELECT e.*, s.client_id AS src_client_id, s.type AS src_type, d.client_id AS dst_client_id,"
                " d.type AS dst_type FROM edges e LEFT JOIN nodes s ON s.id = e.src_id"
                " LEFT JOIN nodes d ON d.id = e.dst_id WHERE e.scope_key = ?"
                " ORDER BY e.created_at ASC, e.id ASC",
                key,
                n,
            )
            edges = [_edge_row(ctx, r, body.include_meta) for r in rows]
        if body.include_commits:
            rows, truncated["commits"] = _section(
                conn,
                "SELECT id, parent_id, input_sha256, actor, model_version, prompt_version, created_at,"
                " commit_hash FROM commits WHERE scope_key = ? ORDER BY created_at ASC, id ASC",
                key,
                n,
            )
            commits = [dict(r) for r in rows]
        if body.include_decisions:
            rows, truncated["decisions"] = _section(
                conn,
                "SELECT * FROM decisions WHERE scope_key = ? ORDER BY created_at ASC, decision_id ASC",
                key,
                n,
            )
            decisions = [_decision_row(r) for r in rows]
    pack = {
        "version": PACK_VERSION,
        "tenant_id": ctx.tenant_id,
        "scope": ctx.scope,
        "nodes": nodes,
        "edges": edges,
        "commits": commits,
        "decisions": decisions,
    }
    manifest = {
        "version": MANIFEST_VERSION,
        "pack_version": PACK_VERSION,
        "sha256": sha256hex(canon(pack)),
        "generated_at": now_iso(),
        "counts": {
            "nodes": len(nodes),
            "edges": len(edges),
            "commits": len(commits),
            "decisions": len(decisions),
        },
        "truncated": truncated,
        "max_rows": n,
    }
    return {"manifest": manifest, "pack": pack}


def _pack_write(
    ctx: RequestContext, body: ImportBody, raw_pack: dict[str, Any], pack_sha: str
) -> PackWriteBody:
    """The write batch of step 3: nodes keyed by client_id, edges mapped to those client_ids."""
    client_of: dict[str, str] = {}
    nodes: list[dict[str, Any]] = []
    for raw in raw_pack.get("nodes", []):
        cid = raw.get("client_id")
        client_id = (
            cid
            if isinstance(cid, str) and cid.strip()
            else f"pack:{pack_sha[:16]}:node:{raw['id']}"
        )
        client_of[str(raw["id"]).lower()] = client_id
        node = {k: raw[k] for k in _NODE_COPY if raw.get(k) is not None}
        node["client_id"] = client_id
        nodes.append(node)
    edges: list[dict[str, Any]] = []
    known_cids = set(client_of.values())
    for i, raw in enumerate(raw_pack.get("edges", [])):
        ends: dict[str, dict[str, str]] = {}
        for side in ("src", "dst"):
            given = raw.get(f"{side}_client_id")
            mapped = client_of.get(str(raw[f"{side}_id"]).lower())
            end_cid = given if isinstance(given, str) and given in known_cids else mapped
            if end_cid is None:
                raise bad_request(
                    "pack_edge_reference_missing",
                    f"pack edge {side} does not reference a node of the pack",
                    edge_index=i,
                    side=side,
                    node_id=raw[f"{side}_id"],
                )
            ends[side] = {"client_id": end_cid}
        edge = {"type": raw["type"], **ends}
        edge.update(
            {k: raw[k] for k in ("weight", "confidence", "decay_rate") if raw.get(k) is not None}
        )
        edges.append(edge)
    try:
        return PackWriteBody.model_validate(
            {
                "input_text": f"pack import {pack_sha}",
                "actor": body.actor or "pack_import",
                "producer_agent_id": body.producer_agent_id,
                "owner_agent_id": body.owner_agent_id,
                "owner_team_id": body.owner_team_id,
                "nodes": nodes,
                "edges": edges,
            }
        )
    except ValidationError as exc:
        raise invalid_request(
            [{**i, "path": "pack." + i["path"]} for i in issues_from(exc)]
        ) from None


def import_pack(ctx: RequestContext, body: ImportBody) -> dict[str, Any]:
    raw_pack = ctx.body["pack"]
    pack_sha = sha256hex(canon(raw_pack))
    if body.manifest_sha256 is not None and body.manifest_sha256 != pack_sha:
        raise bad_request(
            "pack_hash_mismatch",
            "pack does not match manifest_sha256",
            expected=body.manifest_sha256,
            actual=pack_sha,
        )
    pack = body.pack
    explicit_scope = ctx.body.get("scope") not in (None, "")
    if (ctx.tenant_explicit and ctx.tenant_id != pack.tenant_id) or (
        explicit_scope and ctx.scope != pack.scope
    ):
        raise bad_request(
            "pack_scope_mismatch",
            "target tenant/scope differs from the pack's; rewrite pack.tenant_id/scope to import elsewhere",
            pack_tenant_id=pack.tenant_id,
            pack_scope=pack.scope,
            tenant_id=ctx.tenant_id,
            scope=ctx.scope,
        )
    ctx = rescope(ctx, pack.tenant_id, pack.scope)
    write = _pack_write(ctx, body, raw_pack, pack_sha)
    prepared = prepare_write(ctx, write, [], check_node_identity=False)
    head = {
        "ok": True,
        "verified": True,
        "tenant_id": ctx.tenant_id,
        "scope": ctx.scope,
        "pack_sha256": pack_sha,
    }
    if body.verify_only:
        return {
            **head,
            "imported": False,
            "planned": {
                "nodes": len(prepared.nodes),
                "edges": len(prepared.edges),
                "commits_in_pack": len(pack.commits),
                "decisions_in_pack": len(pack.decisions),
            },
        }
    _, applied = write_nodes(ctx, write, auto_embed=body.auto_embed, prepared=prepared)
    return {
        **head,
        "imported": True,
        "commit_id": applied.commit.id,
        "commit_hash": applied.commit.commit_hash,
        "nodes": len(prepared.nodes),
        "edges": len(prepared.edges),
        "embedding_backfill": None,
    }
