"""Helpers for the recall tests: a server state on a real database and hand-built graphs.

Nodes, embeddings, edges and rule definitions are inserted directly (as /write stores them), so
the tests pin the pipeline's numbers without depending on the write path.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import numpy as np

from aionis_sdk.canonical import scope_key as derive_scope_key
from aionis_server.clock import now_iso
from aionis_server.config import ServerConfig
from aionis_server.context import Principal, RequestContext, ServerState
from aionis_server.embeddings import EmbeddingProvider, HashingEmbedder
from aionis_server.storage.db import Database
from aionis_server.vectors import VectorIndex, unit_rows

DIM = 16
COMMIT = "00000000-0000-5000-8000-000000000001"


def make_state(
    db: Database,
    *,
    dim: int = DIM,
    embedder: EmbeddingProvider | None = None,
    admin_token: str | None = None,
) -> ServerState:
    return ServerState(
        config=ServerConfig(embedding_dim=dim, admin_token=admin_token),
        db=db,
        embedder=embedder or HashingEmbedder(dim),
        vectors=VectorIndex(db, dim),
    )


def make_ctx(
    state: ServerState,
    *,
    tenant_id: str = "default",
    scope: str = "default",
    admin_token: str | None = None,
) -> RequestContext:
    return RequestContext(
        state=state,
        request_id=str(uuid.uuid4()),
        principal=Principal(tenant_id=None),
        tenant_id=tenant_id,
        scope=scope,
        scope_key=derive_scope_key(tenant_id, scope),
        admin_token=admin_token,
    )


def axis(i: int, dim: int = DIM) -> list[float]:
    """A unit vector along dimension ``i``."""
    vec = [0.0] * dim
    vec[i] = 1.0
    return vec


def node_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def add_node(
    db: Database,
    name: str,
    *,
    vector: Any = None,
    type: str = "event",
    scope_key: str = "default",
    title: str | None = None,
    text_summary: str | None = None,
    lane: str = "shared",
    owner_agent_id: str | None = None,
    owner_team_id: str | None = None,
    tier: str = "hot",
    salience: float = 0.5,
    confidence: float = 0.5,
    slots: dict[str, Any] | None = None,
    status: str | None = None,
    rule_state: str | None = None,
    raw_ref: str | None = None,
) -> str:
    """Insert a node (and its embedding when ``vector`` is given); returns its id."""
    nid = node_id(f"{scope_key}/{name}")
    ts = now_iso()
    with db.write() as conn:
        cur = conn.execute(
            "INSERT INTO nodes (id, scope_key, client_id, type, tier, title, text_summary,"
            " slots_json, raw_ref, memory_lane, producer_agent_id, owner_agent_id, owner_team_id,"
            " salience, importance, confidence, embedding_model, embedding_status, commit_id,"
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                nid,
                scope_key,
                name,
                type,
                tier,
                title if title is not None else name,
                text_summary,
                json.dumps(slots or {}),
                raw_ref,
                lane,
                owner_agent_id,
                owner_agent_id,
                owner_team_id,
                salience,
                0.5,
                confidence,
                "client" if vector is not None else None,
                status or ("ready" if vector is not None else "failed"),
                COMMIT,
                ts,
                ts,
            ),
        )
        if vector is not None:
            row = unit_rows(np.asarray(vector, dtype=np.float32), len(vector))[0]
            conn.execute(
                "INSERT INTO node_embeddings (node_seq, scope_key, vector) VALUES (?, ?, ?)",
                (cur.lastrowid, scope_key, row.astype("<f4").tobytes()),
            )
        if type == "rule":
            conn.execute(
                "INSERT INTO rule_defs (node_id, scope_key, state, if_json, then_json,"
                " exceptions_json, commit_id, updated_at) VALUES (?,?,?,?,?,?,?,?)",
                (nid, scope_key, rule_state or "active", "{}", "{}", "[]", COMMIT, ts),
            )
    return nid


def add_edge(
    db: Database,
    src: str,
    dst: str,
    *,
    type: str = "related_to",
    weight: float = 0.9,
    confidence: float = 0.9,
    scope_key: str = "default",
) -> str:
    eid = node_id(f"edge/{type}/{src}/{dst}")
    with db.write() as conn:
        conn.execute(
            "INSERT INTO edges (id, scope_key, type, src_id, dst_id, weight, confidence,"
            " commit_id, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (eid, scope_key, type, src, dst, weight, confidence, COMMIT, now_iso()),
        )
    return eid
