"""POST /v1/memory/write (§7.3) and the write machinery sessions, events and packs reuse."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import Any

from ..context import RequestContext
from ..schemas.write import WriteBody
from ..uris import make_uri
from .write_apply import AppliedWrite, apply_write, embed_nodes, publish_vectors
from .write_prepare import PreparedWrite, prepare_write

log = logging.getLogger("aionis_server.write")

Precheck = Callable[[sqlite3.Connection], None]
AfterHook = Callable[[sqlite3.Connection, AppliedWrite], None]


def commit_fields(ctx: RequestContext, applied: AppliedWrite) -> dict[str, Any]:
    return {
        "commit_id": applied.commit.id,
        "commit_uri": make_uri(ctx.tenant_id, ctx.scope, "commit", applied.commit.id),
        "commit_hash": applied.commit.commit_hash,
    }


def write_nodes(
    ctx: RequestContext,
    body: WriteBody,
    *,
    raw_nodes: list[Any] | None = None,
    auto_embed: bool | None = None,
    precheck: Precheck | None = None,
    after: AfterHook | None = None,
    prepared: PreparedWrite | None = None,
) -> tuple[PreparedWrite, AppliedWrite]:
    """Prepare, embed (outside the lock), store atomically, then hand vectors to the index.

    ``precheck`` runs first inside the write transaction (e.g. a session ownership check); if
    it raises, nothing is stored. ``after`` runs last in the same transaction. ``auto_embed`` overrides the body's and the server's default.
    """
    if prepared is None:
        prepared = prepare_write(ctx, body, raw_nodes if raw_nodes is not None else [])
    embed = auto_embed if auto_embed is not None else body.auto_embed
    if embed is None:
        embed = ctx.state.config.auto_embed
    embed_nodes(ctx, prepared, embed)
    ready: PreparedWrite = prepared

    def store(conn: sqlite3.Connection) -> AppliedWrite:
        if precheck is not None:
            precheck(conn)
        applied = apply_write(conn, ctx, ready)
        if after is not None:
            after(conn, applied)
        return applied

    # Grouped with other waiting writes into one transaction (one fdatasync); returns after
    # the COMMIT that holds this write.
    applied = ctx.state.db.run_write(store)
    try:
        publish_vectors(ctx, applied)
    except Exception:  # the index catches up from SQLite on its next sync
        log.exception("vector index update failed; it will resync from the database")
    return prepared, applied


def write(ctx: RequestContext, body: WriteBody) -> dict[str, Any]:
    raw = ctx.body.get("nodes")
    prepared, applied = write_nodes(ctx, body, raw_nodes=raw if isinstance(raw, list) else [])
    return {
        "tenant_id": ctx.tenant_id,
        "scope": ctx.scope,
        **commit_fields(ctx, applied),
        "nodes": applied.node_results,
        "edges": applied.edge_results,
        "embedding_backfill": None,
        "warnings": prepared.warnings,
    }
