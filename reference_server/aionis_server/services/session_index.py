"""The ``sessions`` bookkeeping table: last activity and event counts per session (§7.7).

Session and event nodes are the source of truth. Whatever wrote them (sessions, events, a raw
/write or a pack import), the table is refreshed from the nodes in the same transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Protocol


class _NodeLike(Protocol):
    id: str
    type: str
    client_id: str | None
    slots: dict[str, object]


def session_client_id(session_id: str) -> str:
    return "session:" + session_id


def event_prefix(session_id: str) -> str:
    return f"session_event:{session_id}:"


def event_range(session_id: str) -> tuple[str, str]:
    """Bounds selecting every event client_id of the session with the unique index."""
    prefix = event_prefix(session_id)
    return prefix, prefix[:-1] + ";"  # ';' sorts right after ':'


def _session_of(node: _NodeLike) -> tuple[str, str] | None:
    """(kind, session_id) for a session or session-event node, else ``None``."""
    kind = node.slots.get("system_kind")
    session_id = node.slots.get("session_id")
    if not isinstance(session_id, str) or node.client_id is None:
        return None
    if (
        kind == "session"
        and node.type == "topic"
        and node.client_id == session_client_id(session_id)
    ):
        return "session", session_id
    if kind == "session_event" and node.client_id.startswith(event_prefix(session_id)):
        return "event", session_id
    return None


def refresh_session(conn: sqlite3.Connection, scope_key: str, session_id: str) -> None:
    """Recompute one session's row from its nodes (no row while the session node is absent)."""
    session = conn.execute(
        "SELECT id, created_at FROM nodes WHERE scope_key = ? AND client_id = ?",
        (scope_key, session_client_id(session_id)),
    ).fetchone()
    if session is None:
        return
    low, high = event_range(session_id)
    stats = conn.execute(
        "SELECT COUNT(*), MAX(created_at) FROM nodes WHERE scope_key = ? AND client_id >= ?"
        " AND client_id < ?",
        (scope_key, low, high),
    ).fetchone()
    conn.execute(
        "INSERT INTO sessions (scope_key, session_id, node_id, last_event_at, event_count, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (scope_key, session_id) DO UPDATE SET"
        " last_event_at = excluded.last_event_at, event_count = excluded.event_count",
        (scope_key, session_id, session["id"], stats[1], stats[0], session["created_at"]),
    )


def update_session_index(
    conn: sqlite3.Connection, scope_key: str, inserted: Iterable[_NodeLike]
) -> None:
    touched = sorted({found[1] for node in inserted if (found := _session_of(node)) is not None})
    for session_id in touched:
        refresh_session(conn, scope_key, session_id)
