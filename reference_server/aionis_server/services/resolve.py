"""POST /v1/memory/resolve (§7.6): nodes, edges, commits and decisions by ``aionis://`` URI."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ..context import RequestContext
from ..errors import not_found
from ..schemas.read import ResolveBody
from ..storage.visibility import is_visible
from ..uris import NODE_TYPES, make_uri, parse_uri
from .dto import node_dto
from .uri_scope import context_for_uri


def _visible(row: sqlite3.Row | None, body: ResolveBody) -> bool:
    return row is not None and is_visible(
        row["memory_lane"],
        row["owner_agent_id"],
        row["owner_team_id"],
        body.consumer_agent_id,
        body.consumer_team_id,
    )


def _node(
    conn: sqlite3.Connection, ctx: RequestContext, body: ResolveBody, kind: str, node_id: str
) -> dict[str, Any]:
    row = conn.execute(
        "SELECT * FROM nodes WHERE id = ? AND scope_key = ? AND type = ?",
        (node_id, ctx.scope_key, kind),
    ).fetchone()
    if row is None or not _visible(row, body):
        raise not_found(
            "node_not_found_in_scope_or_visibility",
            "node not found in scope or not visible",
            id=node_id,
        )
    dto = node_dto(
        row,
        tenant_id=ctx.tenant_id,
        scope=ctx.scope,
        include_slots=body.include_slots,
        include_slots_preview=body.include_slots_preview,
        slots_preview_keys=body.slots_preview_keys,
        include_meta=body.include_meta,
    )
    related = [make_uri(ctx.tenant_id, ctx.scope, "commit", row["commit_id"])]
    return {"node": dto, "_related": related}


def _node_ref(conn: sqlite3.Connection, ctx: RequestContext, node_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT id, type, memory_lane, owner_agent_id, owner_team_id FROM nodes WHERE id = ? AND scope_key = ?",
        (node_id, ctx.scope_key),
    ).fetchone()
    return row


def _edge(
    conn: sqlite3.Connection, ctx: RequestContext, body: ResolveBody, edge_id: str
) -> dict[str, Any]:
    row = conn.execute(
        "SELECT * FROM edges WHERE id = ? AND scope_key = ?", (edge_id, ctx.scope_key)
    ).fetchone()
    src = _node_ref(conn, ctx, row["src_id"]) if row is not None else None
    dst = _node_ref(conn, ctx, row["dst_id"]) if row is not None else None
    if row is None or not _visible(src, body) or not _visible(dst, body):
        raise not_found(
            "edge_not_found_in_scope", "edge not found in scope or not visible", id=edge_id
        )
    assert src is not None
    assert dst is not None
    t, s = ctx.tenant_id, ctx.scope
    edge = {
        "id": row["id"],
        "uri": make_uri(t, s, "edge", row["id"]),
        "type": row["type"],
        "src_id": row["src_id"],
        "src_uri": make_uri(t, s, src["type"], row["src_id"]),
        "dst_id": row["dst_id"],
        "dst_uri": make_uri(t, s, dst["type"], row["dst_id"]),
        "weight": row["weight"],
        "confidence": row["confidence"],
        "decay_rate": row["decay_rate"],
        "last_activated": row["last_activated"],
        "created_at": row["created_at"],
        "commit_id": row["commit_id"],
        "commit_uri": make_uri(t, s, "commit", row["commit_id"]),
    }
    return {"edge": edge, "_related": [edge["src_uri"], edge["dst_uri"], edge["commit_uri"]]}


def _commit(
    conn: sqlite3.Connection, ctx: RequestContext, body: ResolveBody, commit_id: str
) -> dict[str, Any]:
    row = conn.execute(
        "SELECT * FROM commits WHERE id = ? AND scope_key = ?", (commit_id, ctx.scope_key)
    ).fetchone()
    nodes = conn.execute(
        "SELECT id, type, memory_lane, owner_agent_id, owner_team_id FROM nodes WHERE commit_id = ? AND scope_key = ?",
        (commit_id, ctx.scope_key),
    ).fetchall()
    if row is None or not all(_visible(n, body) for n in nodes):
        raise not_found(
            "commit_not_found_in_scope", "commit not found in scope or not visible", id=commit_id
        )
    edges = conn.execute(
        "SELECT COUNT(*) FROM edges WHERE commit_id = ? AND scope_key = ?",
        (commit_id, ctx.scope_key),
    ).fetchone()[0]
    decisions = conn.execute(
        "SELECT COUNT(*) FROM decisions WHERE commit_id = ? AND scope_key = ?",
        (commit_id, ctx.scope_key),
    ).fetchone()[0]
    t, s = ctx.tenant_id, ctx.scope
    parent = row["parent_id"]
    commit = {
        "id": row["id"],
        "uri": make_uri(t, s, "commit", row["id"]),
        "parent_id": parent,
        "parent_uri": make_uri(t, s, "commit", parent) if parent else None,
        "input_sha256": row["input_sha256"],
        "diff_json": json.loads(row["diff_json"]),
        "actor": row["actor"],
        "model_version": row["model_version"],
        "prompt_version": row["prompt_version"],
        "kind": row["kind"],
        "commit_hash": row["commit_hash"],
        "created_at": row["created_at"],
        "linked_object_counts": {
            "nodes": len(nodes),
            "edges": edges,
            "decisions": decisions,
            "total": len(nodes) + edges + decisions,
        },
    }
    related = [make_uri(t, s, n["type"], n["id"]) for n in nodes]
    if commit["parent_uri"]:
        related.append(commit["parent_uri"])
    return {"commit": commit, "_related": related}


def _decision(
    conn: sqlite3.Connection, ctx: RequestContext, body: ResolveBody, decision_id: str
) -> dict[str, Any]:
    from .decision_store import resolve_decision

    payload = resolve_decision(
        conn, ctx, decision_id, body.consumer_agent_id, body.consumer_team_id
    )
    if payload is None:
        raise not_found(
            "decision_not_found_in_scope",
            "decision not found in scope or not visible",
            id=decision_id,
        )
    related = [u for u in (payload.get("commit_uri"),) if isinstance(u, str)]
    return {"decision": payload, "_related": related}


def resolve(ctx: RequestContext, body: ResolveBody) -> dict[str, Any]:
    parsed = parse_uri(body.uri)
    ctx = context_for_uri(ctx, parsed)
    with ctx.state.db.read() as conn:
        if parsed.type in NODE_TYPES:
            result, payload_kind = _node(conn, ctx, body, parsed.type, parsed.id), "node"
        elif parsed.type == "edge":
            result, payload_kind = _edge(conn, ctx, body, parsed.id), "edge"
        elif parsed.type == "commit":
            result, payload_kind = _commit(conn, ctx, body, parsed.id), "commit"
        else:
            result, payload_kind = _decision(conn, ctx, body, parsed.id), "decision"
    related = sorted(set(result.pop("_related")))
    uri = make_uri(ctx.tenant_id, ctx.scope, parsed.type, parsed.id)
    return {
        "tenant_id": ctx.tenant_id,
        "scope": ctx.scope,
        "uri": uri,
        "type": parsed.type,
        **result,
        "resolve_summary": {
            "summary_version": "resolve_summary_v1",
            "resolved_type": parsed.type,
            "payload_kind": payload_kind,
            "related_uris": related,
        },
    }
