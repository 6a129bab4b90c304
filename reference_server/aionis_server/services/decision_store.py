"""Persisted tools/select decisions (§5.2): insert, look up, and render as the API payload."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aionis_sdk.canonical import canon

from ..clock import now_iso
from ..storage.visibility import is_visible
from ..uris import make_uri

if TYPE_CHECKING:
    from ..context import RequestContext

__all__ = [
    "decision_payload",
    "get_decision_row",
    "insert_decision",
    "latest_decision_for_run",
    "recent_decisions",
    "resolve_decision",
    "set_decision_commit",
    "set_decision_run",
]


def insert_decision(
    conn: sqlite3.Connection,
    *,
    scope_key: str,
    run_id: str | None,
    selected_tool: str | None,
    candidates: Sequence[str],
    context_sha256: str,
    policy_sha256: str,
    source_rule_ids: Sequence[str],
    metadata: dict[str, Any],
) -> sqlite3.Row:
    """Insert a new decision with a random v4 id; must run inside ``Database.write()``."""
    decision_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO decisions (decision_id, scope_key, decision_kind, run_id, selected_tool,"
        " candidates_json, context_sha256, policy_sha256, source_rule_ids_json, metadata_json,"
        " created_at, commit_id) VALUES (?, ?, 'tools_select', ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        (
            decision_id,
            scope_key,
            run_id,
            selected_tool,
            canon(list(candidates)),
            context_sha256,
            policy_sha256,
            canon(list(source_rule_ids)),
            canon(metadata),
            now_iso(),
        ),
    )
    row = get_decision_row(conn, scope_key, decision_id)
    assert row is not None
    return row


def get_decision_row(
    conn: sqlite3.Connection, scope_key: str, decision_id: str
) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM decisions WHERE decision_id = ? AND scope_key = ?",
        (decision_id.lower(), scope_key),
    ).fetchone()
    return row


def latest_decision_for_run(
    conn: sqlite3.Connection, scope_key: str, run_id: str
) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM decisions WHERE scope_key = ? AND run_id = ? ORDER BY seq DESC LIMIT 1",
        (scope_key, run_id),
    ).fetchone()
    return row


def recent_decisions(conn: sqlite3.Connection, scope_key: str, limit: int) -> list[sqlite3.Row]:
    """The scope's most recent decisions, newest first."""
    return conn.execute(
        "SELECT * FROM decisions WHERE scope_key = ? ORDER BY seq DESC LIMIT ?", (scope_key, limit)
    ).fetchall()


def set_decision_commit(conn: sqlite3.Connection, decision_id: str, commit_id: str) -> None:
    conn.execute(
        "UPDATE decisions SET commit_id = ? WHERE decision_id = ?", (commit_id, decision_id)
    )


def set_decision_run(conn: sqlite3.Connection, decision_id: str, run_id: str) -> None:
    conn.execute("UPDATE decisions SET run_id = ? WHERE decision_id = ?", (run_id, decision_id))


def decision_payload(row: sqlite3.Row, tenant_id: str, scope: str) -> dict[str, Any]:
    """The decision as tools/decision, tools/run and /resolve return it."""
    commit_id = row["commit_id"]
    return {
        "decision_id": row["decision_id"],
        "decision_uri": make_uri(tenant_id, scope, "decision", row["decision_id"]),
        "decision_kind": row["decision_kind"],
        "run_id": row["run_id"],
        "selected_tool": row["selected_tool"],
        "candidates": json.loads(row["candidates_json"]),
        "context_sha256": row["context_sha256"],
        "policy_sha256": row["policy_sha256"],
        "source_rule_ids": json.loads(row["source_rule_ids_json"]),
        "metadata": json.loads(row["metadata_json"]),
        "created_at": row["created_at"],
        "commit_id": commit_id,
        "commit_uri": make_uri(tenant_id, scope, "commit", commit_id) if commit_id else None,
    }


def _rules_visible(
    conn: sqlite3.Connection,
    scope_key: str,
    rule_ids: Sequence[str],
    consumer_agent_id: str | None,
    consumer_team_id: str | None,
) -> bool:
    if not rule_ids:
        return True
    marks = ",".join("?" for _ in rule_ids)
    rows = conn.execute(
        f"SELECT id, memory_lane, owner_agent_id, owner_team_id FROM nodes"
        f" WHERE scope_key = ? AND id IN ({marks})",
        (scope_key, *rule_ids),
    ).fetchall()
    found = {row["id"]: row for row in rows}
    return all(
        rule_id in found
        and is_visible(
            found[rule_id]["memory_lane"],
            found[rule_id]["owner_agent_id"],
            found[rule_id]["owner_team_id"],
            consumer_agent_id,
            consumer_team_id,
        )
        for rule_id in rule_ids
    )


def resolve_decision(
    conn: sqlite3.Connection,
    ctx: RequestContext,
    decision_id: str,
    consumer_agent_id: str | None,
    consumer_team_id: str | None,
) -> dict[str, Any] | None:
    """The decision payload for /resolve, or ``None`` when it is absent from the scope or one
    of its source rules is not visible to the consumer (§7.6)."""
    row = get_decision_row(conn, ctx.scope_key, decision_id)
    if row is None:
        return None
    rule_ids = [str(r) for r in json.loads(row["source_rule_ids_json"])]
    if not _rules_visible(conn, ctx.scope_key, rule_ids, consumer_agent_id, consumer_team_id):
        return None
    return decision_payload(row, ctx.tenant_id, ctx.scope)
