"""Search as a sans-I/O plan: listing by namespace prefix and filter, or ranking by meaning.

Listing pages ``/find`` (newest version first) under the namespace prefix, keeps the latest live
version of each item, applies the filter client-side and stops as soon as ``offset + limit``
items are known. The first page asks for a little more than ``offset + limit`` versions and
each further page doubles, up to 200: the server scans rows until it has filled a page, so a
small first page under a small namespace stops early. (Filters stay client-side: a filter on
*versions* cannot tell whether the matching version is still its item's latest.)

Ranking by meaning asks the server for the nearest text nodes (``/recall_text`` with the query,
or ``/recall`` with a client-side query vector when the index config has ``embed``), then keeps
only text nodes of the *current* version of items under the prefix that match the filter. The
score of an item is the best similarity among its texts (max pooling, as ``InMemoryStore``).
Recall looks at the whole scope and returns at most 200 seeds, so:

* if the prefix holds at most one ``/find`` page of versions (200), all its items are known and
  the ranking is exact for every item among the seeds;
* otherwise each recalled candidate is checked with one lookup, in order of similarity.

With the server's optional ``ext.store_index`` (``Settings.ext``) either kind of search is one
request (see ``._ext``), ranked over *every* live item under the prefix by exact cosine (the
same similarity recall reports), so it equals the plans below wherever they are exact.

Items with no text (``index=False``), or whose texts fell outside the 200 seeds, follow the
ranked ones unscored (``score=None``), newest first — as ``InMemoryStore`` does for items
without vectors.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from langgraph.store.base import SearchItem, SearchOp

from ._calls import Call, Plan
from ._encoding import Version, is_text_slots, to_search_item
from ._ext import ext_search, search_supported
from ._filters import matches_filter
from ._plans import PAGE, Settings, fit_dimension, latest_of, live_latest, scan_page, touch_plan

__all__ = ["search_plan"]

RECALL_LIMIT = 200


def _wanted(version: Version, op: SearchOp) -> bool:
    ns = version.namespace
    prefix = op.namespace_prefix
    return ns[: len(prefix)] == prefix and matches_filter(
        version.record.get("value") or {}, op.filter
    )


def first_page(need: int) -> int:
    return min(PAGE, max(20, need + need // 2 + 5))


def listing(
    op: SearchOp, settings: Settings, now: datetime
) -> Plan[list[tuple[Version, float | None]]]:
    need = op.offset + op.limit
    seen: list[Version] = []
    offset = 0
    size = first_page(need)
    while True:
        page, has_more = yield from scan_page(op.namespace_prefix, offset, settings, size)
        seen.extend(page)
        offset += size
        size = min(PAGE, size * 2)
        hits = [v for v in live_latest(seen, now) if _wanted(v, op)]
        if len(hits) >= need or not has_more:
            return [(v, None) for v in hits]


def _recall_call(query: str, settings: Settings) -> Plan[dict[str, Any]]:
    knobs: dict[str, Any] = {
        "limit": RECALL_LIMIT,
        "max_nodes": RECALL_LIMIT,
        "ranked_limit": RECALL_LIMIT,
        "neighborhood_hops": 1,
        "include_slots": True,
    }
    if settings.client_embed:
        vector = yield Call("embed_query", {"text": query})
        resp: dict[str, Any] = yield Call(
            "recall", {"query_embedding": fit_dimension(vector, settings.dim), **knobs}
        )
    else:
        resp = yield Call("recall_text", {"query_text": query, **knobs})
    return resp


def candidates_from(
    resp: Mapping[str, Any], prefix: tuple[str, ...]
) -> dict[tuple[str, str], float]:
    """Best similarity per ``(item, version that wrote the text)`` among recalled text nodes."""
    sims = {str(s.get("id")): float(s.get("similarity") or 0.0) for s in resp.get("seeds") or []}
    best: dict[tuple[str, str], float] = {}
    for node in (resp.get("subgraph") or {}).get("nodes") or []:
        slots = node.get("slots")
        node_id = str(node.get("id"))
        if not is_text_slots(slots) or node_id not in sims:
            continue
        if tuple(slots.get("ns") or ())[: len(prefix)] != prefix:
            continue
        key = (str(slots.get("item")), str(slots.get("of")))
        best[key] = max(best.get(key, float("-inf")), sims[node_id])
    return best


def _rank(
    hits: list[Version], cands: dict[tuple[str, str], float]
) -> list[tuple[Version, float | None]]:
    scored: list[tuple[Version, float | None]] = []
    unscored: list[tuple[Version, float | None]] = []
    for version in hits:
        score = cands.get((version.item, version.texts_of or ""))
        (unscored if score is None else scored).append((version, score))
    # Ties go to the item created first, as in InMemoryStore (whose dict keeps first-put order).
    scored.sort(key=lambda pair: (-(pair[1] or 0.0), str(pair[0].record.get("created_at"))))
    return scored + unscored


def semantic(
    op: SearchOp, settings: Settings, now: datetime
) -> Plan[list[tuple[Version, float | None]]]:
    assert op.query
    resp = yield from _recall_call(op.query, settings)
    cands = candidates_from(resp, op.namespace_prefix)
    page, has_more = yield from scan_page(op.namespace_prefix, 0, settings)
    if not has_more:
        hits = [v for v in live_latest(page, now) if _wanted(v, op)]
        return _rank(hits, cands)
    need = op.offset + op.limit
    ranked: list[tuple[Version, float | None]] = []
    taken: set[str] = set()
    for (item, of), score in sorted(cands.items(), key=lambda kv: -kv[1]):
        if len(ranked) >= need:
            return ranked
        if item in taken:
            continue
        current = yield from latest_of(item, settings)
        if current is None or current.texts_of != of:
            continue
        taken.add(item)
        if current in live_latest([current], now) and _wanted(current, op):
            ranked.append((current, score))
    seen = list(page)
    offset = PAGE
    while len(ranked) < need:
        fill = [v for v in live_latest(seen, now) if v.item not in taken and _wanted(v, op)]
        if len(ranked) + len(fill) >= need or not has_more:
            return ranked + [(v, None) for v in fill]
        page, has_more = yield from scan_page(op.namespace_prefix, offset, settings)
        seen.extend(page)
        offset += PAGE
    return ranked


def _ext_query(query: str, settings: Settings) -> Plan[dict[str, Any]]:
    if settings.client_embed:
        vector = yield Call("embed_query", {"text": query})
        return {"query_embedding": fit_dimension(vector, settings.dim)}
    return {"query_text": query}


def search_plan(op: SearchOp, settings: Settings) -> Plan[list[SearchItem]]:
    now = settings.clock()
    by_meaning = bool(op.query) and settings.indexed
    if settings.ext and search_supported(op.namespace_prefix, op.filter, op.limit, op.offset):
        query = (yield from _ext_query(op.query or "", settings)) if by_meaning else None
        page = yield from ext_search(
            op.namespace_prefix, op.filter, op.limit, op.offset, now, query
        )
    else:
        if by_meaning:
            ranked = yield from semantic(op, settings, now)
        else:
            ranked = yield from listing(op, settings, now)
        page = ranked[op.offset : op.offset + op.limit]
    out: list[SearchItem] = []
    for version, score in page:
        if op.refresh_ttl and version.record.get("ttl_ms") is not None:
            version = yield from touch_plan(version, settings)
        out.append(to_search_item(version, score))
    return out
