"""Embedding and storing a prepared write: one atomic transaction, vectors published after it."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..clock import now_iso
from ..context import RequestContext
from ..errors import ApiError, bad_request
from ..storage.commits import Commit, create_commit
from ..storage.slot_terms import insert_node_terms
from .write_prepare import NodeRow, PreparedWrite, slots_json

_CHUNK = 500


def chunks(items: list[str], size: int = _CHUNK) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _embedding_error(exc: Exception) -> ApiError:
    bad = bool(getattr(exc, "bad_response", False))
    if bad:
        return ApiError(
            502, "upstream_embedding_bad_response", "embedding provider returned garbage"
        )
    retry = max(1, int(getattr(exc, "retry_after_s", 1) or 1))
    return ApiError(
        503,
        "upstream_embedding_unavailable",
        "embedding provider unavailable",
        details={"retry_after_ms": retry * 1000},
        headers={"retry-after": str(retry)},
    )


def embed_texts(ctx: RequestContext, texts: list[str]) -> npt.NDArray[np.float32]:
    """Embed ``texts`` with the server's provider, mapping failures to 502/503 (§3.4)."""
    embedder = ctx.state.embedder
    dim = int(embedder.dim)
    try:
        matrix = np.asarray(embedder.embed(texts), dtype=np.float32)
    except ApiError:
        raise
    except Exception as exc:
        raise _embedding_error(exc) from exc
    if matrix.shape != (len(texts), dim) or not np.isfinite(matrix).all():
        raise ApiError(
            502, "upstream_embedding_bad_response", "embedding provider returned garbage"
        )
    return matrix


def existing_node_ids(ctx: RequestContext, ids: list[str]) -> set[str]:
    """Ids among ``ids`` already stored (any scope), read from a snapshot."""
    found: set[str] = set()
    with ctx.state.db.read() as conn:
        for part in chunks(ids):
            marks = ",".join("?" * len(part))
            found.update(
                r[0] for r in conn.execute(f"SELECT id FROM nodes WHERE id IN ({marks})", part)
            )
    return found


def embed_nodes(ctx: RequestContext, prepared: PreparedWrite, auto_embed: bool) -> None:
    """Attach vectors to the nodes that will be inserted: client vectors, else inline embeddings.

    Runs outside the write lock. Nodes that already exist are skipped (they are immutable).
    """
    if not any(
        n.client_vector is not None or (auto_embed and n.embed_text) for n in prepared.nodes
    ):
        return  # nothing to attach: skip the read of existing ids (small auto_embed=false writes)
    existing = existing_node_ids(ctx, [n.id for n in prepared.nodes])
    to_embed: list[NodeRow] = []
    for node in prepared.nodes:
        if node.id in existing:
            continue
        if node.client_vector is not None:
            node.vector = node.client_vector
            node.embedding_model = node.client_model or "client"
        elif auto_embed and node.embed_text:
            to_embed.append(node)
    if to_embed:
        matrix = embed_texts(ctx, [n.embed_text or "" for n in to_embed])
        for node, row in zip(to_embed, matrix, strict=True):
            if float(np.linalg.norm(row)) > 0:
                node.vector = row
                node.embedding_model = ctx.state.embedder.name


@dataclass
class AppliedWrite:
    commit: Commit
    node_results: list[dict[str, Any]]
    edge_results: list[dict[str, Any]]
    new_seqs: list[int] = field(default_factory=list)
    new_vectors: list[npt.NDArray[np.float32]] = field(default_factory=list)
    inserted_ids: set[str] = field(default_factory=set)


def _stored_scopes(
    conn: sqlite3.Connection, ctx: RequestContext, prepared: PreparedWrite
) -> dict[str, str]:
    """scope_key by id of the batch's nodes and outside edge endpoints already stored (one
    read for both checks), in index order."""
    ids = [n.id for n in prepared.nodes]
    listed = set(ids)
    for edge in prepared.edges:
        for node_id, in_batch in (
            (edge.src_id, edge.src_in_batch),
            (edge.dst_id, edge.dst_in_batch),
        ):
            if not in_batch and node_id not in listed:
                listed.add(node_id)
                ids.append(node_id)
    stored: dict[str, str] = {}
    for part in chunks(ids):
        marks = ",".join("?" * len(part))
        for row in conn.execute(f"SELECT id, scope_key FROM nodes WHERE id IN ({marks})", part):
            stored[row["id"]] = row["scope_key"]
    return stored


def _check_node_ids(ctx: RequestContext, nodes: list[NodeRow], stored: dict[str, str]) -> set[str]:
    """Ids already stored in this scope; 400 ``node_id_scope_collision`` for other scopes."""
    present: set[str] = set()
    index = {n.id: n for n in nodes}
    for node_id, scope_key in stored.items():
        if node_id not in index:
            continue
        if scope_key != ctx.scope_key:
            raise bad_request(
                "node_id_scope_collision",
                "node id already exists in another scope",
                node_index=index[node_id].index,
                id=node_id,
            )
        present.add(node_id)
    return present


def _check_endpoints(ctx: RequestContext, prepared: PreparedWrite, stored: dict[str, str]) -> None:
    for edge in prepared.edges:
        for side, node_id, in_batch in (
            ("src", edge.src_id, edge.src_in_batch),
            ("dst", edge.dst_id, edge.dst_in_batch),
        ):
            if not in_batch and stored.get(node_id) != ctx.scope_key:
                raise bad_request(
                    "edge_endpoint_not_found",
                    f"edge {side} id does not name a node in this batch or scope",
                    edge_index=edge.index,
                    side=side,
                    id=node_id,
                )


def _clamp(value: Any, low: float, high: float, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return default
    return min(high, max(low, float(value)))


def insert_rule_def(
    conn: sqlite3.Connection, ctx: RequestContext, node: NodeRow, commit_id: str, now: str
) -> None:
    """The rule definition of a newly written rule node (§7.9), in state ``draft``."""
    slots = node.slots
    meta = slots.get("rule_meta") if isinstance(slots.get("rule_meta"), dict) else {}
    assert isinstance(meta, dict)
    priority_raw = meta.get("priority", slots.get("priority"))
    weight_raw = meta.get("weight", slots.get("weight"))
    priority = int(_clamp(priority_raw, -100, 100, 0))  # int() truncates toward zero
    weight = _clamp(weight_raw, 0, 2, 1)
    scope_raw = slots.get("rule_scope")
    rule_scope = scope_raw.strip().lower() if isinstance(scope_raw, str) else "global"
    if rule_scope not in ("global", "team", "agent"):
        rule_scope = "global"

    def target(name: str) -> str | None:
        value = slots.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else None

    conn.execute(
        "INSERT OR IGNORE INTO rule_defs (node_id, scope_key, state, if_json, then_json, exceptions_json,"
        " rule_scope, target_agent_id, target_team_id, priority, weight, commit_id, updated_at, update_seq)"
        " VALUES (?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " (SELECT COALESCE(MAX(update_seq), 0) + 1 FROM rule_defs WHERE scope_key = ?))",
        (
            node.id,
            ctx.scope_key,
            json.dumps(slots.get("if", {}), ensure_ascii=False),
            json.dumps(slots.get("then", {}), ensure_ascii=False),
            json.dumps(slots.get("exceptions", []), ensure_ascii=False),
            rule_scope,
            target("target_agent_id"),
            target("target_team_id"),
            priority,
            weight,
            commit_id,
            now,
            ctx.scope_key,
        ),
    )


def _insert_nodes(
    conn: sqlite3.Connection,
    ctx: RequestContext,
    nodes: Iterable[NodeRow],
    commit_id: str,
    now: str,
    out: AppliedWrite,
) -> None:
    for node in nodes:
        cur = conn.execute(
            "INSERT INTO nodes (id, scope_key, client_id, type, tier, title, text_summary, slots_json,"
            " raw_ref, evidence_ref, memory_lane, producer_agent_id, owner_agent_id, owner_team_id,"
            " salience, importance, confidence, embedding_model, embedding_status, commit_id,"
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                node.id,
                ctx.scope_key,
                node.client_id,
                node.type,
                node.tier,
                node.title,
                node.text_summary,
                slots_json(node.slots),
                node.raw_ref,
                node.evidence_ref,
                node.memory_lane,
                node.producer_agent_id,
                node.owner_agent_id,
                node.owner_team_id,
                node.salience,
                node.importance,
                node.confidence,
                node.embedding_model if node.vector is not None else None,
                node.embedding_status,
                commit_id,
                now,
                now,
            ),
        )
        seq = int(cur.lastrowid or 0)
        insert_node_terms(conn, seq, ctx.scope_key, node.slots)
        out.inserted_ids.add(node.id)
        if node.vector is not None:
            vector = np.ascontiguousarray(node.vector, dtype="<f4")
            conn.execute(
                "INSERT INTO node_embeddings (node_seq, scope_key, vector) VALUES (?, ?, ?)",
                (seq, ctx.scope_key, vector.tobytes()),
            )
            out.new_seqs.append(seq)
            out.new_vectors.append(vector.astype(np.float32))
        if node.type == "rule":
            insert_rule_def(conn, ctx, node, commit_id, now)


_EDGE_LOOKUP = (
    "SELECT id, (scope_key = ? AND type = ? AND src_id = ? AND dst_id = ?) FROM edges"
    " WHERE (scope_key = ? AND type = ? AND src_id = ? AND dst_id = ?) OR id = ?"
)


def _upsert_edges(
    conn: sqlite3.Connection, ctx: RequestContext, prepared: PreparedWrite, commit_id: str, now: str
) -> list[dict[str, Any]]:
    from ..uris import make_uri

    results: list[dict[str, Any]] = []
    for edge in prepared.edges:
        key = (ctx.scope_key, edge.type, edge.src_id, edge.dst_id)
        # One read (two unique-index lookups): the edge with this key, and any edge using the id.
        rows = conn.execute(_EDGE_LOOKUP, (*key, *key, edge.id)).fetchall()
        same = next((r[0] for r in rows if r[1]), None)
        if same is not None:
            stored_id = same
            conn.execute(
                "UPDATE edges SET weight = MAX(weight, ?), confidence = MAX(confidence, ?), commit_id = ?"
                " WHERE id = ?",
                (edge.weight, edge.confidence, commit_id, stored_id),
            )
        else:
            if rows:  # no edge with this key, but the id is taken by another edge
                raise ApiError(
                    400,
                    "invalid_request",
                    "invalid request",
                    issues=[
                        {
                            "path": f"edges.{edge.index}.id",
                            "message": "edge id is already used by another edge",
                        }
                    ],
                )
            stored_id = edge.id
            conn.execute(
                "INSERT INTO edges (id, scope_key, type, src_id, dst_id, weight, confidence, decay_rate,"
                " commit_id, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (stored_id, *key, edge.weight, edge.confidence, edge.decay_rate, commit_id, now),
            )
        results.append(
            {
                "id": stored_id,
                "uri": make_uri(ctx.tenant_id, ctx.scope, "edge", stored_id),
                "type": edge.type,
                "src_id": edge.src_id,
                "dst_id": edge.dst_id,
            }
        )
    return results


def apply_write(
    conn: sqlite3.Connection, ctx: RequestContext, prepared: PreparedWrite
) -> AppliedWrite:
    """Store a prepared write inside the caller's write transaction (all or nothing)."""
    from ..uris import make_uri

    commit = create_commit(
        conn,
        scope_key=ctx.scope_key,
        input_sha256=prepared.input_sha256,
        diff=prepared.diff(),
        actor=prepared.actor,
        kind="write",
        parent_id=prepared.parent_commit_id,
        model_version=prepared.model_version,
        prompt_version=prepared.prompt_version,
    )
    stored = _stored_scopes(conn, ctx, prepared)
    present = _check_node_ids(ctx, prepared.nodes, stored)
    _check_endpoints(ctx, prepared, stored)
    now = now_iso()
    node_results = []
    for node in prepared.nodes:
        entry: dict[str, Any] = {
            "id": node.id,
            "uri": make_uri(ctx.tenant_id, ctx.scope, node.type, node.id),
        }
        if node.client_id is not None:
            entry["client_id"] = node.client_id
        entry["type"] = node.type
        node_results.append(entry)
    out = AppliedWrite(commit=commit, node_results=node_results, edge_results=[])
    _insert_nodes(
        conn, ctx, (n for n in prepared.nodes if n.id not in present), commit.id, now, out
    )
    out.edge_results = _upsert_edges(conn, ctx, prepared, commit.id, now)
    from .session_index import update_session_index

    update_session_index(
        conn, ctx.scope_key, [n for n in prepared.nodes if n.id in out.inserted_ids]
    )
    return out


def publish_vectors(ctx: RequestContext, applied: AppliedWrite) -> None:
    """Hand the committed vectors of newly inserted nodes to the vector index.

    The index inserts them in the background when its indexer runs (a search first catches up
    with everything committed, so recall still sees them); otherwise they are inserted now.
    """
    if not applied.new_seqs:
        return
    vectors = ctx.state.vectors
    publish = getattr(vectors, "publish", None)
    if callable(publish):
        publish(ctx.scope_key, applied.new_seqs, applied.new_vectors)
    else:
        vectors.add(ctx.scope_key, applied.new_seqs, np.vstack(applied.new_vectors))
