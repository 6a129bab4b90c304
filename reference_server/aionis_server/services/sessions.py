"""Sessions and events (§7.7), written through the /write machinery."""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

from aionis_sdk.canonical import stable_uuid

from ..context import RequestContext
from ..errors import ApiError
from ..schemas.sessions import AppendEventBody, CreateSessionBody
from ..schemas.write import WriteBody
from ..storage.visibility import is_visible
from ..uris import make_uri
from ..validation import require
from .session_index import session_client_id
from .write import commit_fields, write_nodes

_MAX_RACE_RETRIES = 3


class _SessionChanged(Exception):
    """The session appeared between preparing and storing an event; prepare again."""


def _owner_fields(body: CreateSessionBody | AppendEventBody) -> dict[str, Any]:
    return {
        "actor": body.actor,
        "memory_lane": body.memory_lane,
        "producer_agent_id": body.producer_agent_id,
        "owner_agent_id": body.owner_agent_id,
        "owner_team_id": body.owner_team_id,
    }


def _session_node(body: CreateSessionBody | AppendEventBody, session_id: str) -> dict[str, Any]:
    if isinstance(body, CreateSessionBody):
        title = body.title or f"Session {session_id}"
        summary = body.text_summary or title
        metadata = body.metadata or {}
    else:
        title, summary, metadata = f"Session {session_id}", f"Session {session_id}", {}
    return {
        "client_id": session_client_id(session_id),
        "type": "topic",
        "title": title,
        "text_summary": summary,
        "slots": {**metadata, "system_kind": "session", "session_id": session_id},
    }


def _result_head(ctx: RequestContext, session_id: str) -> dict[str, Any]:
    node_id = stable_uuid(ctx.scope_key + ":node:" + session_client_id(session_id))
    return {
        "tenant_id": ctx.tenant_id,
        "scope": ctx.scope,
        "session_id": session_id,
        "session_node_id": node_id,
        "session_uri": make_uri(ctx.tenant_id, ctx.scope, "topic", node_id),
    }


def create_session(ctx: RequestContext, body: CreateSessionBody) -> dict[str, Any]:
    session_id = body.session_id
    write = WriteBody.model_validate(
        {
            **_owner_fields(body),
            "input_text": body.input_text or f"create session {session_id}",
            "nodes": [_session_node(body, session_id)],
        }
    )
    _, applied = write_nodes(ctx, write, auto_embed=body.auto_embed)
    return {
        **_result_head(ctx, session_id),
        **commit_fields(ctx, applied),
        "nodes": applied.node_results,
        "edges": applied.edge_results,
        "embedding_backfill": None,
    }


def _load_session(
    conn: sqlite3.Connection, ctx: RequestContext, session_id: str
) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT id, memory_lane, owner_agent_id, owner_team_id FROM nodes WHERE scope_key = ? AND client_id = ?",
        (ctx.scope_key, session_client_id(session_id)),
    ).fetchone()
    return row


def _check_owner(session: sqlite3.Row, body: AppendEventBody) -> None:
    if session["memory_lane"] != "private":
        return
    writer = body.owner_agent_id or body.producer_agent_id
    if writer and writer == session["owner_agent_id"]:
        return
    if body.owner_team_id and body.owner_team_id == session["owner_team_id"]:
        return
    raise ApiError(
        403,
        "session_owner_mismatch",
        "the session is private to another owner",
        details={
            "session_id": body.session_id,
            "writer": writer,
            "owner_agent_id": session["owner_agent_id"],
        },
    )


def _event_write(
    body: AppendEventBody,
    event_id: str,
    session: sqlite3.Row | None,
    *,
    include_session_node: bool = False,
) -> WriteBody:
    session_id = body.session_id
    text_summary = body.text_summary or body.input_text or body.title or f"session event {event_id}"
    slots: dict[str, Any] = {
        **(body.metadata or {}),
        "system_kind": "session_event",
        "session_id": session_id,
        "event_id": event_id,
    }
    for name in ("execution_state_v1", "execution_packet_v1", "execution_transitions_v1"):
        if getattr(body, name) is not None:
            slots[name] = getattr(body, name)
    owners = _owner_fields(body)
    if session is not None:  # events inherit the session's lane and owners
        owners.update(
            memory_lane=session["memory_lane"],
            owner_agent_id=session["owner_agent_id"],
            owner_team_id=session["owner_team_id"],
        )
    event_cid = f"session_event:{session_id}:{event_id}"
    nodes: list[dict[str, Any]] = []
    if session is None or include_session_node:
        nodes.append(_session_node(body, session_id))
        dst: dict[str, str] = {"client_id": session_client_id(session_id)}
    else:
        dst = {"id": session["id"]}
    event_node: dict[str, Any] = {
        "client_id": event_cid,
        "type": "event",
        "text_summary": text_summary,
        "slots": slots,
    }
    if body.title:
        event_node["title"] = body.title
    nodes.append(event_node)
    edge = {
        "type": "part_of",
        "src": {"client_id": event_cid},
        "dst": dst,
        "weight": 1.0 if body.edge_weight is None else body.edge_weight,
        "confidence": 1.0 if body.edge_confidence is None else body.edge_confidence,
    }
    return WriteBody.model_validate(
        {**owners, "input_text": body.input_text or text_summary, "nodes": nodes, "edges": [edge]}
    )


def _event_created_session(
    conn: sqlite3.Connection, ctx: RequestContext, session_id: str, event_id: str
) -> bool:
    """Whether this event already exists and its first write also created the session.

    A replay must then write the same nodes again (re-writing a node is a no-op, §5.8) so that
    its diff, and therefore its commit, is identical to the first call's.
    """
    row = conn.execute(
        "SELECT c.diff_json FROM nodes n JOIN commits c ON c.id = n.commit_id"
        " WHERE n.scope_key = ? AND n.client_id = ?",
        (ctx.scope_key, f"session_event:{session_id}:{event_id}"),
    ).fetchone()
    if row is None:
        return False
    session_node_id = stable_uuid(ctx.scope_key + ":node:" + session_client_id(session_id))
    diff = json.loads(row["diff_json"])
    return any(node.get("id") == session_node_id for node in diff.get("nodes", []))


def append_event(ctx: RequestContext, body: AppendEventBody) -> dict[str, Any]:
    require(
        any((body.title, body.text_summary, body.input_text)),
        "",
        "must set title, text_summary or input_text",
    )
    event_id = body.event_id or str(uuid.uuid4())
    for _ in range(_MAX_RACE_RETRIES):
        with ctx.state.db.read() as conn:
            session = _load_session(conn, ctx, body.session_id)
            replay_with_session = _event_created_session(conn, ctx, body.session_id, event_id)
        if session is not None:
            _check_owner(session, body)
        expected = session["id"] if session is not None else None

        def precheck(conn: sqlite3.Connection, expected: str | None = expected) -> None:
            current = _load_session(conn, ctx, body.session_id)
            if (current["id"] if current is not None else None) != expected:
                raise _SessionChanged

        try:
            _, applied = write_nodes(
                ctx,
                _event_write(body, event_id, session, include_session_node=replay_with_session),
                auto_embed=body.auto_embed,
                precheck=precheck,
            )
        except _SessionChanged:
            continue
        event_node_id = stable_uuid(
            ctx.scope_key + ":node:" + f"session_event:{body.session_id}:{event_id}"
        )
        return {
            **_result_head(ctx, body.session_id),
            "event_id": event_id,
            "event_node_id": event_node_id,
            "event_uri": make_uri(ctx.tenant_id, ctx.scope, "event", event_node_id),
            **commit_fields(ctx, applied),
            "nodes": applied.node_results,
            "edges": applied.edge_results,
            "embedding_backfill": None,
        }
    raise ApiError(429, "write_backpressure", "session changed concurrently; retry")


def session_visible(
    row: sqlite3.Row, consumer_agent_id: str | None, consumer_team_id: str | None
) -> bool:
    return is_visible(
        row["memory_lane"],
        row["owner_agent_id"],
        row["owner_team_id"],
        consumer_agent_id,
        consumer_team_id,
    )
