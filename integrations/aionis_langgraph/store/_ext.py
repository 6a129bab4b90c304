"""The fast path: plans over the reference server's optional ``ext.store_index`` extension.

A server that advertises ``ext.store_index`` in ``/health`` keeps a head table of the store's
versions and answers, in one request each (``client.ext_store``):

* ``heads``: the newest version of items (what :func:`._plans.latest_of` finds by probing);
* ``search``: the latest live versions under a namespace prefix, filtered, paged, newest
  first or ranked by meaning (what :mod:`._search` assembles from ``/find`` pages and recall);
* ``namespaces``: the namespaces holding live items (what ``list_namespaces`` scans for).

The answers are the same records the stock plans read, with the same visibility (the server
applies the consumer's lanes as ``/find`` does), liveness (``now`` is the store's clock, so a
test clock works) and filter semantics (LangGraph's). The store checks ``/health`` once and
uses these plans only when the capability is there, and only for requests the extension can
take (known filter operators, page bounds); everything else follows the stock plans.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ._calls import Call, Plan
from ._encoding import Version, format_time, version_from_node
from ._filters import OPERATORS

__all__ = [
    "CAPABILITY",
    "MAX_LIMIT",
    "ext_head",
    "ext_heads",
    "ext_namespaces",
    "ext_search",
    "filter_supported",
    "search_supported",
]

CAPABILITY = "ext.store_index"
MAX_LIMIT = 1000
MAX_OFFSET = 1_000_000
MAX_DEPTH = 64


def filter_supported(condition: Any) -> bool:
    """Whether every ``$`` operator in a filter is one the extension knows (the stock plan
    raises LangGraph's ``ValueError`` for the others, so those stay on it)."""
    if isinstance(condition, Mapping):
        return all(
            (not str(key).startswith("$") or key in OPERATORS) and filter_supported(value)
            for key, value in condition.items()
        )
    if isinstance(condition, (list, tuple)):
        return all(filter_supported(value) for value in condition)
    return True


def search_supported(
    prefix: tuple[str, ...], filter: Mapping[str, Any] | None, limit: int, offset: int
) -> bool:
    return (
        1 <= limit <= MAX_LIMIT
        and 0 <= offset <= MAX_OFFSET
        and len(prefix) <= MAX_DEPTH
        and all(prefix)
        and filter_supported(filter)
    )


def _version(node: Any) -> Version | None:
    return version_from_node(node) if isinstance(node, Mapping) else None


def ext_head(item: str) -> Plan[Version | None]:
    """The newest version of one item (tombstones included), in one request."""
    found = yield from ext_heads([item])
    return found.get(item)


def ext_heads(items: list[str]) -> Plan[dict[str, Version | None]]:
    """The newest version of each item (None: never written, or not visible), one request per
    :data:`MAX_LIMIT` items."""
    out: dict[str, Version | None] = {}
    unique = list(dict.fromkeys(items))
    for start in range(0, len(unique), MAX_LIMIT):
        part = unique[start : start + MAX_LIMIT]
        resp = yield Call("ext_heads", {"items": part})
        heads = list(resp.get("heads") or [])
        for i, item in enumerate(part):
            version = _version(heads[i]) if i < len(heads) else None
            out[item] = version if version is not None and version.item == item else None
    return out


def ext_search(
    prefix: tuple[str, ...],
    filter: Mapping[str, Any] | None,
    limit: int,
    offset: int,
    now: datetime,
    query: dict[str, Any] | None = None,
) -> Plan[list[tuple[Version, float | None]]]:
    """One page of live heads under ``prefix`` (``query``: ``query_text`` or
    ``query_embedding``, to rank by meaning)."""
    kwargs: dict[str, Any] = {
        "namespace_prefix": list(prefix),
        "limit": limit,
        "offset": offset,
        "now": format_time(now),
    }
    if filter:
        kwargs["filter"] = dict(filter)
    if query:
        kwargs.update(query)
    resp = yield Call("ext_search", kwargs)
    out: list[tuple[Version, float | None]] = []
    for entry in resp.get("items") or []:
        version = _version(entry.get("version"))
        if version is not None:
            score = entry.get("score")
            out.append((version, None if score is None else float(score)))
    return out


def ext_namespaces(prefix: tuple[str, ...], now: datetime) -> Plan[list[tuple[str, ...]]]:
    """Namespaces with at least one live item under ``prefix``."""
    resp = yield Call("ext_namespaces", {"namespace_prefix": list(prefix), "now": format_time(now)})
    return [tuple(ns) for ns in resp.get("namespaces") or []]
