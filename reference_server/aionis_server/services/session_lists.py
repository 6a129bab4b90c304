"""GET /v1/memory/sessions and GET /v1/memory/sessions/{session_id}/events (§7.7)."""

from __future__ import annotations

import json
from typing import Any

from ..context import RequestContext
from ..schemas.sessions import query_bool, query_int, query_text
from ..storage.visibility import visibility_sql
from ..uris import make_uri
from .dto import node_dto
from .session_index import event_range, session_client_id
from .sessions import session_visible


def list_sessions(ctx: RequestContext) -> dict[str, Any]:
    q = ctx.query
    include_meta = query_bool(q, "include_meta")
    limit = query_int(q, "limit", 20, 1, 200)
    offset = query_int(q, "offset", 0, 0, 200_000)
    consumer_agent, consumer_team = (
        query_text(q, "consumer_agent_id"),
        query_text(q, "consumer_team_id"),
    )
    visible, params = visibility_sql(consumer_agent, consumer_team, alias="n.")
    where = ["s.scope_key = ?", visible]
    args: list[Any] = [ctx.scope_key, *params]
    for name in ("owner_agent_id", "owner_team_id"):
        value = query_text(q, name)
        if value is not None:
            where.append(f"n.{name} = ?")
            args.append(value)
    sql = (
        "SELECT n.*, s.session_id, s.last_event_at, s.event_count FROM sessions s"
        " JOIN nodes n ON n.id = s.node_id"
        f" WHERE {' AND '.join(where)}"
        " ORDER BY COALESCE(s.last_event_at, s.created_at) DESC, n.id DESC LIMIT ? OFFSET ?"
    )
    with ctx.state.db.read() as conn:
        rows = conn.execute(sql, [*args, limit + 1, offset]).fetchall()
    has_more = len(rows) > limit
    sessions = []
    for row in rows[:limit]:
        item: dict[str, Any] = {
            "session_id": row["session_id"],
            "node_id": row["id"],
            "title": row["title"],
            "text_summary": row["text_summary"],
            "uri": make_uri(ctx.tenant_id, ctx.scope, "topic", row["id"]),
            "last_event_at": row["last_event_at"],
            "event_count": row["event_count"],
        }
        if include_meta:
            for name in (
                "memory_lane",
                "owner_agent_id",
                "owner_team_id",
                "created_at",
                "updated_at",
                "client_id",
            ):
                item[name] = row[name]
        sessions.append(item)
    return {
        "tenant_id": ctx.tenant_id,
        "scope": ctx.scope,
        "sessions": sessions,
        "page": {"limit": limit, "offset": offset, "returned": len(sessions), "has_more": has_more},
    }


def list_events(ctx: RequestContext, session_id: str) -> dict[str, Any]:
    q = ctx.query
    flags: dict[str, Any] = {
        "include_meta": query_bool(q, "include_meta"),
        "include_slots": query_bool(q, "include_slots"),
        "include_slots_preview": query_bool(q, "include_slots_preview"),
        "slots_preview_keys": query_int(q, "slots_preview_keys", 10, 1, 50),
    }
    limit = query_int(q, "limit", 20, 1, 200)
    offset = query_int(q, "offset", 0, 0, 200_000)
    consumer_agent, consumer_team = (
        query_text(q, "consumer_agent_id"),
        query_text(q, "consumer_team_id"),
    )
    page: dict[str, Any] = {"limit": limit, "offset": offset, "returned": 0, "has_more": False}
    empty: dict[str, Any] = {
        "tenant_id": ctx.tenant_id,
        "scope": ctx.scope,
        "session": None,
        "events": [],
        "page": page,
    }
    with ctx.state.db.read() as conn:
        session = conn.execute(
            "SELECT * FROM nodes WHERE scope_key = ? AND client_id = ?",
            (ctx.scope_key, session_client_id(session_id)),
        ).fetchone()
        if session is None or not session_visible(session, consumer_agent, consumer_team):
            return empty
        low, high = event_range(session_id)
        visible, params = visibility_sql(consumer_agent, consumer_team, alias="n.")
        rows = conn.execute(
            "SELECT n.*, e.weight AS edge_weight, e.confidence AS edge_confidence FROM nodes n"
            " LEFT JOIN edges e ON e.scope_key = n.scope_key AND e.type = 'part_of' AND e.src_id = n.id"
            " AND e.dst_id = ?"
            f" WHERE n.scope_key = ? AND n.client_id >= ? AND n.client_id < ? AND {visible}"
            " ORDER BY n.created_at DESC, n.id DESC LIMIT ? OFFSET ?",
            [session["id"], ctx.scope_key, low, high, *params, limit + 1, offset],
        ).fetchall()
    has_more = len(rows) > limit
    events = []
    for row in rows[:limit]:
        dto = node_dto(row, tenant_id=ctx.tenant_id, scope=ctx.scope, **flags)
        slots = json.loads(row["slots_json"] or "{}")
        event_id = slots.get("event_id") if isinstance(slots, dict) else None
        events.append(
            {
                **dto,
                "event_id": event_id,
                "edge_weight": row["edge_weight"],
                "edge_confidence": row["edge_confidence"],
            }
        )
    page.update(returned=len(events), has_more=has_more)
    return {
        "tenant_id": ctx.tenant_id,
        "scope": ctx.scope,
        "session": {
            "session_id": session_id,
            "node_id": session["id"],
            "title": session["title"],
            "text_summary": session["text_summary"],
            "uri": make_uri(ctx.tenant_id, ctx.scope, "topic", session["id"]),
        },
        "events": events,
        "page": page,
    }
