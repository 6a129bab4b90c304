"""``ext.store_index`` queries: heads of items, search under a namespace prefix, namespaces.

Every answer is computed from :class:`~.ext_store_index.StoreIndex` after a sync inside one read
snapshot, so it reflects every commit acknowledged before the request, and shows only what
``/find`` would show the same consumer in the same scope (lanes, §4.5).

Search returns the *latest live* version of each item under the prefix (a tombstone or an
expired head hides its item) whose value matches the filter:

* without a query, newest first (an item placed by its newest node, as ``/find`` orders nodes);
* with ``query_text`` (embedded by the server's provider, as ``/recall_text`` does) or
  ``query_embedding``, ranked by the best cosine between the query and the item's current texts
  (max pooling), ties to the item created first; items without a text vector follow unscored,
  newest first. The score is the cosine recall reports as ``similarity``, to float32
  rounding (see :func:`_scores`).
"""

from __future__ import annotations

import heapq
import logging
import re
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import numpy as np

from ..context import RequestContext
from ..errors import ApiError
from ..schemas.ext_store import ExtStoreHeadsBody, ExtStoreNamespacesBody, ExtStoreSearchBody
from ..validation import require
from .ext_store_index import F32, Item, Scope, StoreIndex, Version, unit_rows
from .ext_store_match import filter_problem, matches_filter
from .recall import embed_query, query_vector

log = logging.getLogger("aionis_server.ext_store")
_SPACES = re.compile(r"\s+")
_CREATE = threading.Lock()
SMALL = 8  # a prefix holding under 1/SMALL of a scope's items is sorted, not scanned for


def index_of(app_state: Any, dim: int) -> StoreIndex:
    """The app's store index, created on first use."""
    found: StoreIndex | None = getattr(app_state, "ext_store_index", None)
    if found is None:
        with _CREATE:
            found = getattr(app_state, "ext_store_index", None)
            if found is None:
                found = StoreIndex(dim)
                app_state.ext_store_index = found
    return found


def warm_up(app_state: Any, state: Any) -> threading.Thread:
    """Build the app's store index from the database on a background thread.

    The index lives in memory and catches up from ``nodes`` on each request; on a large
    database the first catch-up after a start reads every node once, so the server starts it
    at once instead of leaving it to the first store request (which then waits on the index
    lock only for what is left).
    """
    index = index_of(app_state, int(state.embedder.dim))

    def run() -> None:
        try:
            with index.lock, state.db.read() as conn:
                index.sync(conn)
        except Exception:  # the next request syncs again and reports its own error
            log.exception("ext.store_index warm-up failed")

    thread = threading.Thread(target=run, name="aionis-ext-store-warm-up", daemon=True)
    thread.start()
    return thread


def _consumer(body: Any) -> tuple[str | None, str | None]:
    return body.consumer_agent_id, body.consumer_team_id


def _now(moment: datetime | None) -> datetime:
    return moment if moment is not None else datetime.now(timezone.utc)


def _synced_scope(ctx: RequestContext, index: StoreIndex) -> Scope | None:
    """Sync the index (caller holds ``index.lock``) and return the request's scope, if any."""
    with ctx.state.db.read() as conn:
        index.sync(conn)
    return index.scopes.get(ctx.scope_key)


def _recency(item: Item) -> tuple[str, str]:
    return item.recency


def _heads_under(
    scope: Scope, prefix: tuple[str, ...], agent: str | None, team: str | None
) -> Iterator[Version]:
    """Visible heads (tombstones included) of the items under ``prefix``, newest first."""
    k = len(prefix)
    mixed: list[tuple[tuple[str, str], Version]] = []
    for name in scope.mixed:
        item = scope.items[name]
        head = item.head(agent, team)
        recency = item.visible_recency(agent, team)
        if item.ns[:k] == prefix and head is not None and recency is not None:
            mixed.append((recency, head))
    mixed.sort(key=lambda pair: pair[0], reverse=True)

    def uniform() -> Iterator[tuple[tuple[str, str], Version]]:
        names = scope.names_under(prefix)
        if names is not None and SMALL * len(names) < len(scope.items):
            # A small part of the scope: sort its items rather than walk the whole scope.
            ordered = sorted((scope.items[n] for n in names), key=_recency, reverse=True)
            for item in ordered:
                head = item.versions[-1]
                if item.uniform and head.owner.visible_to(agent, team):
                    yield item.recency, head
            return
        for created_at, node_id, name in reversed(scope.recency):
            item = scope.items[name]
            if not item.uniform or item.ns[:k] != prefix:
                continue
            head = item.versions[-1]
            if head.owner.visible_to(agent, team):
                yield (created_at, node_id), head

    if not mixed:
        for _, head in uniform():
            yield head
        return
    for _, head in heapq.merge(uniform(), mixed, key=lambda pair: pair[0], reverse=True):
        yield head


def heads(ctx: RequestContext, body: ExtStoreHeadsBody, index: StoreIndex) -> dict[str, Any]:
    agent, team = _consumer(body)
    with index.lock:
        scope = _synced_scope(ctx, index)
        out: list[dict[str, Any] | None] = []
        for name in body.items:
            item = scope.items.get(name) if scope is not None else None
            head = item.head(agent, team) if item is not None else None
            out.append(head.dto() if head is not None else None)
    return {"tenant_id": ctx.tenant_id, "scope": ctx.scope, "heads": out}


def _query(ctx: RequestContext, body: ExtStoreSearchBody) -> F32 | None:
    if body.query_text is not None and body.query_embedding is not None:
        raise ApiError(
            400,
            "invalid_request",
            "invalid request",
            issues=[{"path": "query_text", "message": "give query_text or query_embedding"}],
        )
    if body.query_embedding is not None:
        vector = query_vector(list(body.query_embedding), int(ctx.state.embedder.dim))
    elif body.query_text is not None:
        text = _SPACES.sub(" ", body.query_text).strip()
        require(bool(text), "query_text", "must not be empty after whitespace normalisation")
        vector = embed_query(ctx, text)
    else:
        return None
    unit: F32 = unit_rows(np.asarray(vector, dtype=np.float32))[0]
    return unit


def _scores(
    scope: Scope, hits: list[Version], q: F32, agent: str | None, team: str | None
) -> list[float | None]:
    """Best cosine of each hit's current visible texts (None: no text with a vector)."""
    rows: list[list[int]] = []
    for version in hits:
        key = version.texts_key()
        texts = scope.texts.get(key, []) if key is not None else []
        rows.append([t.row for t in texts if t.row >= 0 and t.owner.visible_to(agent, team)])
    flat = [r for group in rows for r in group]
    if not flat:
        return [None] * len(rows)
    # Exact cosines of the unit rows, accumulated in float64 and rounded to float32 (the type
    # recall reports), one row at a time: a vector's score does not depend on where its row
    # sits or how many rows are scored, so equal cosines tie and ties go to the item created
    # first. einsum casts the float32 rows while it reads them (no float64 copy of the
    # matrix). No BLAS call: OpenBLAS wakes its threads for a product this size, which costs
    # ~10 ms on a busy 2-core machine, more than the product itself.
    picked = scope.mat[np.asarray(flat, dtype=np.int64)]
    sims = np.einsum("ij,j->i", picked, q.astype(np.float64), dtype=np.float64)
    sizes = [len(group) for group in rows if group]
    starts = np.cumsum([0, *sizes[:-1]])
    best = iter(np.maximum.reduceat(sims.astype(np.float32), starts).tolist())
    return [next(best) if group else None for group in rows]


def search(ctx: RequestContext, body: ExtStoreSearchBody, index: StoreIndex) -> dict[str, Any]:
    problem = filter_problem(body.filter)
    if problem is not None:
        raise ApiError(
            400,
            "invalid_request",
            "invalid request",
            issues=[{"path": problem[0], "message": problem[1]}],
        )
    q = _query(ctx, body)
    agent, team = _consumer(body)
    now = _now(body.now)
    prefix = tuple(body.namespace_prefix)
    need = body.offset + body.limit + 1
    with index.lock:
        scope = _synced_scope(ctx, index)
        hits: list[Version] = []
        if scope is not None:
            for head in _heads_under(scope, prefix, agent, team):
                if head.live(now) and matches_filter(head.record.get("value"), body.filter):
                    hits.append(head)
                    if q is None and len(hits) >= need:
                        break
        scores: list[float | None] = [None] * len(hits)
        if q is not None and scope is not None and hits:
            scores = _scores(scope, hits, q, agent, team)
        ranked = list(zip(hits, scores, strict=True))
        if q is not None:
            scored = [pair for pair in ranked if pair[1] is not None]
            scored.sort(key=lambda p: (-(p[1] or 0.0), str(p[0].record.get("created_at"))))
            ranked = scored + [pair for pair in ranked if pair[1] is None]
        page = ranked[body.offset : body.offset + body.limit]
        items = [{"version": v.dto(), "score": s} for v, s in page]
    return {
        "tenant_id": ctx.tenant_id,
        "scope": ctx.scope,
        "items": items,
        "page": {
            "limit": body.limit,
            "offset": body.offset,
            "returned": len(items),
            "has_more": len(ranked) > body.offset + body.limit,
        },
    }


def namespaces(
    ctx: RequestContext, body: ExtStoreNamespacesBody, index: StoreIndex
) -> dict[str, Any]:
    agent, team = _consumer(body)
    now = _now(body.now)
    prefix = tuple(body.namespace_prefix)
    found: set[tuple[str, ...]] = set()
    with index.lock:
        scope = _synced_scope(ctx, index)
        if scope is not None:
            for head in _heads_under(scope, prefix, agent, team):
                if head.live(now):
                    found.add(head.ns)
    return {
        "tenant_id": ctx.tenant_id,
        "scope": ctx.scope,
        "namespaces": [list(ns) for ns in sorted(found)],
    }
