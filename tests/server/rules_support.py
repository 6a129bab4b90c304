"""Helpers for the rules/tools service tests: a request context and rule rows on a real database.

Rules are inserted directly (a ``rule`` node plus its ``rule_defs`` row, as /write stores them),
so these tests exercise evaluation and the tool services without the HTTP layer.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from aionis_sdk.canonical import scope_key as derive_scope_key
from aionis_server.clock import now_iso
from aionis_server.config import ServerConfig
from aionis_server.context import Principal, RequestContext, ServerState
from aionis_server.storage.db import Database

_seq = 0


def make_state(db: Database) -> ServerState:
    return ServerState(config=ServerConfig(), db=db, embedder=None, vectors=None)  # type: ignore[arg-type]


def make_ctx(
    state: ServerState,
    body: dict[str, Any] | None = None,
    *,
    tenant_id: str = "default",
    scope: str = "default",
) -> RequestContext:
    return RequestContext(
        state=state,
        request_id=str(uuid.uuid4()),
        principal=Principal(tenant_id=None),
        tenant_id=tenant_id,
        scope=scope,
        scope_key=derive_scope_key(tenant_id, scope),
        body=dict(body or {}),
    )


def insert_rule(
    db: Database,
    *,
    scope_key: str = "default",
    if_: Any = None,
    then: Any = None,
    exceptions: Any = None,
    state: str = "active",
    lane: str = "shared",
    owner_agent_id: str | None = None,
    owner_team_id: str | None = None,
    rule_scope: str = "global",
    target_agent_id: str | None = None,
    target_team_id: str | None = None,
    priority: int = 0,
    weight: float = 1.0,
    positive: int = 0,
    negative: int = 0,
    summary: str = "a rule",
    node_id: str | None = None,
) -> str:
    """Insert a rule node and its definition; later inserts count as more recently updated."""
    global _seq
    _seq += 1
    rule_id = node_id or str(uuid.uuid4())
    now = now_iso()
    commit_id = str(uuid.uuid4())
    with db.write() as conn:
        conn.execute(
            "INSERT INTO nodes (id, scope_key, type, text_summary, memory_lane, owner_agent_id,"
            " owner_team_id, embedding_status, commit_id, created_at, updated_at)"
            " VALUES (?, ?, 'rule', ?, ?, ?, ?, 'failed', ?, ?, ?)",
            (rule_id, scope_key, summary, lane, owner_agent_id, owner_team_id, commit_id, now, now),
        )
        conn.execute(
            "INSERT INTO rule_defs (node_id, scope_key, state, if_json, then_json, exceptions_json,"
            " rule_scope, target_agent_id, target_team_id, priority, weight, positive_count,"
            " negative_count, commit_id, updated_at, update_seq)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                rule_id,
                scope_key,
                state,
                json.dumps({} if if_ is None else if_),
                json.dumps({} if then is None else then),
                json.dumps([] if exceptions is None else exceptions),
                rule_scope,
                target_agent_id,
                target_team_id,
                priority,
                weight,
                positive,
                negative,
                commit_id,
                now,
                _seq,
            ),
        )
    return rule_id


def rule_row(db: Database, rule_id: str) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute("SELECT * FROM rule_defs WHERE node_id = ?", (rule_id,)).fetchone()
    return dict(row)


def count_rows(db: Database, table: str) -> int:
    with db.read() as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def post(client: Any, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    """POST ``body`` to ``/v1/memory/<path>`` and check the status; the JSON response."""
    response = client.post(f"/v1/memory/{path}", json=body)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def write_rule(
    client: Any,
    scope: str,
    client_id: str,
    slots: dict[str, Any],
    *,
    summary: str = "rule",
    activate: str | None = "active",
    **node: Any,
) -> str:
    """Write a rule node through /write (shared unless told otherwise) and set its state."""
    node_body = {
        "client_id": client_id,
        "type": "rule",
        "text_summary": summary,
        "slots": slots,
        **node,
    }
    node_body.setdefault("memory_lane", "shared")
    written = post(
        client, "write", {"scope": scope, "input_text": f"rule {client_id}", "nodes": [node_body]}
    )
    rule_id: str = written["nodes"][0]["id"]
    if activate is not None:
        actor = node.get("owner_agent_id") or "system"
        body = {
            "scope": scope,
            "rule_node_id": rule_id,
            "state": activate,
            "input_text": "on",
            "actor": actor,
        }
        post(client, "rules/state", body)
    return rule_id
