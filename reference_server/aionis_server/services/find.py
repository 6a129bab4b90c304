"""POST /v1/memory/find (§7.5): filter nodes, newest first, with paging."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from ..context import RequestContext
from ..errors import bad_request
from ..schemas.read import FindBody
from ..storage.slot_terms import pattern_terms, rarest
from ..storage.visibility import visibility_sql
from ..uris import NODE_TYPES, parse_uri
from .dto import node_dto
from .slots_match import slots_contain
from .uri_scope import context_for_uri

FILTER_KEYS = (
    "uri",
    "id",
    "client_id",
    "type",
    "title_contains",
    "text_contains",
    "memory_lane",
    "slots_contains",
    "consumer_agent_id",
    "consumer_team_id",
)


def _apply_uri(
    ctx: RequestContext, body: FindBody
) -> tuple[RequestContext, str | None, str | None]:
    node_id = body.id.lower() if body.id else None
    node_type = body.type
    if body.uri is None:
        return ctx, node_id, node_type
    parsed = parse_uri(body.uri)
    if parsed.type not in NODE_TYPES:
        raise bad_request(
            "invalid_aionis_uri_type_for_endpoint",
            "find accepts node uris only",
            uri_type=parsed.type,
        )
    ctx = context_for_uri(ctx, parsed)
    for name, given, from_uri in (("id", node_id, parsed.id), ("type", node_type, parsed.type)):
        if given is not None and given != from_uri:
            raise bad_request(
                "conflicting_filters",
                f"{name} differs from the uri",
                field=name,
                provided=given,
                uri_value=from_uri,
            )
    return ctx, parsed.id, parsed.type


def _matcher(body: FindBody) -> Callable[[sqlite3.Row], bool]:
    """The filters SQL cannot apply (case-insensitive substrings, the slots pattern) as one
    predicate over a row holding ``title``, ``text_summary`` and, for a slots pattern,
    ``slots_json``."""
    title = body.title_contains.casefold() if body.title_contains is not None else None
    text = body.text_contains.casefold() if body.text_contains is not None else None
    pattern = body.slots_contains

    def match(row: sqlite3.Row) -> bool:
        if title is not None and title not in (row["title"] or "").casefold():
            return False
        if text is not None and text not in (row["text_summary"] or "").casefold():
            return False
        if pattern is not None:
            return slots_contain(pattern, json.loads(row["slots_json"] or "{}"))
        return True

    return match


def _by_seq(conn: sqlite3.Connection, seqs: list[int]) -> Iterator[sqlite3.Row]:
    """The full rows of ``seqs``, in that order (one snapshot: the caller's transaction)."""
    rows: dict[int, sqlite3.Row] = {}
    for start in range(0, len(seqs), 500):
        chunk = seqs[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(f"SELECT * FROM nodes WHERE seq IN ({marks})", chunk):
            rows[row["seq"]] = row
    for seq in seqs:
        yield rows[seq]


def _rows(
    conn: sqlite3.Connection,
    ctx: RequestContext,
    body: FindBody,
    node_id: str | None,
    node_type: str | None,
) -> Iterator[sqlite3.Row]:
    source = "nodes"
    where = ["scope_key = ?"]
    params: list[Any] = [ctx.scope_key]
    if body.slots_contains is not None:
        # Narrow to the nodes holding the pattern's rarest string slot (storage/slot_terms.py);
        # CROSS JOIN keeps those few rows the outer loop. The pattern is still checked below.
        term = rarest(conn, pattern_terms(ctx.scope_key, body.slots_contains))
        if term is not None:
            source = "node_slot_terms CROSS JOIN nodes ON nodes.seq = node_slot_terms.node_seq"
            where.insert(0, "node_slot_terms.term = ?")
            params.insert(0, term)
    for column, value in (
        ("id", node_id),
        ("client_id", body.client_id),
        ("type", node_type),
        ("memory_lane", body.memory_lane),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    visible, vparams = visibility_sql(body.consumer_agent_id, body.consumer_team_id)
    where.append(visible)
    params.extend(vparams)
    tail = f" FROM {source} WHERE {' AND '.join(where)} ORDER BY created_at DESC, id DESC"
    python_filters = (
        body.title_contains is not None
        or body.text_contains is not None
        or body.slots_contains is not None
    )
    if not python_filters:
        page = conn.execute(
            "SELECT nodes.*" + tail + " LIMIT ? OFFSET ?", [*params, body.limit + 1, body.offset]
        )
        yield from page
        return
    # Scan only the columns the filters read (a node's other columns, slots above all, can be
    # large), then fetch the page's full rows.
    columns = "nodes.seq, nodes.title, nodes.text_summary"
    if body.slots_contains is not None:
        columns += ", nodes.slots_json"
    match = _matcher(body)
    seqs: list[int] = []
    skipped = 0
    for row in conn.execute("SELECT " + columns + tail, params):
        if not match(row):
            continue
        if skipped < body.offset:
            skipped += 1
            continue
        seqs.append(row["seq"])
        if len(seqs) > body.limit:
            break
    yield from _by_seq(conn, seqs)


def find(ctx: RequestContext, body: FindBody) -> dict[str, Any]:
    ctx, node_id, node_type = _apply_uri(ctx, body)
    with ctx.state.db.read() as conn:
        rows = list(_rows(conn, ctx, body, node_id, node_type))
    has_more = len(rows) > body.limit
    rows = rows[: body.limit]
    nodes = [
        node_dto(
            row,
            tenant_id=ctx.tenant_id,
            scope=ctx.scope,
            include_slots=body.include_slots,
            include_slots_preview=body.include_slots_preview,
            slots_preview_keys=body.slots_preview_keys,
            include_meta=body.include_meta,
        )
        for row in rows
    ]
    filters: dict[str, Any] = {key: getattr(body, key) for key in FILTER_KEYS}
    filters["id"] = node_id
    filters["type"] = node_type
    slots_mode = (
        "full" if body.include_slots else "preview" if body.include_slots_preview else "none"
    )
    return {
        "tenant_id": ctx.tenant_id,
        "scope": ctx.scope,
        "mode": "find",
        "filters": filters,
        "nodes": nodes,
        "page": {
            "limit": body.limit,
            "offset": body.offset,
            "returned": len(nodes),
            "has_more": has_more,
        },
        "find_summary": {
            "summary_version": "find_summary_v1",
            "returned_nodes": len(nodes),
            "has_more": has_more,
            "type_counts": dict(Counter(r["type"] for r in rows)),
            "tier_counts": dict(Counter(r["tier"] for r in rows)),
            "memory_lane_counts": dict(Counter(r["memory_lane"] for r in rows)),
            "slots_mode": slots_mode,
            "meta_included": body.include_meta,
            "filters_applied": [key for key in FILTER_KEYS if filters[key] is not None],
        },
    }
