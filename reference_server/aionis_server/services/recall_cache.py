"""A bounded cache of node rows for recall, one per database.

Node rows are append-only and never updated (§5), so once a row is committed its columns can be
reused by every later recall on the same database. Only ``rule_defs.state`` (joined in as
``rule_state``) changes after the fact: callers must re-read it for rule nodes, and must not
cache anything else (edges' weight and confidence can be raised by later writes).

The cache is keyed by node id and bound to one :class:`~aionis_server.storage.db.Database`
object, so two databases in one process (tests, notebooks) never see each other's rows, and it
goes away with its database. Cached rows are shared between requests: treat them as read-only.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

__all__ = ["NODE_CACHE_ROWS", "NodeCache", "node_cache"]

NODE_CACHE_ROWS = 20_000  # about 2 KiB each with the bench's short texts

Row = dict[str, Any]


class NodeCache:
    """A thread-safe LRU of node rows by id (at most ``capacity`` rows)."""

    def __init__(self, capacity: int = NODE_CACHE_ROWS) -> None:
        self.capacity = capacity
        self._rows: OrderedDict[str, Row] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, node_id: str) -> Row | None:
        with self._lock:
            row = self._rows.get(node_id)
            if row is None:
                self.misses += 1
                return None
            self._rows.move_to_end(node_id)
            self.hits += 1
            return row

    def put_many(self, rows: Iterable[Row]) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            for row in rows:
                self._rows[row["id"]] = row
                self._rows.move_to_end(row["id"])
            while len(self._rows) > self.capacity:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


_CACHES: weakref.WeakKeyDictionary[Any, NodeCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def node_cache(db: Any) -> NodeCache | None:
    """The node cache of ``db`` (created on first use); ``None`` without a database."""
    if db is None:
        return None
    with _CACHES_LOCK:
        cache = _CACHES.get(db)
        if cache is None:
            cache = NodeCache()
            _CACHES[db] = cache
        return cache
