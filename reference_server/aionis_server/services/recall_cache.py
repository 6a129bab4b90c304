"""Bounded caches for recall, one set per database: node rows and immutable node/edge facts.

Node rows are append-only and never updated (§5), so once a row is committed its columns can be
reused by every later recall on the same database. Only ``rule_defs.state`` (joined in as
``rule_state``) changes after the fact: callers must re-read it for rule nodes, and must not
cache anything else (edges' weight and confidence can be raised by later writes).

The cache is keyed by node id and bound to one :class:`~aionis_server.storage.db.Database`
object, so two databases in one process (tests, notebooks) never see each other's rows, and it
goes away with its database. Cached rows are shared between requests: treat them as read-only.
"""

from __future__ import annotations

import itertools
import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, NamedTuple, TypeVar

__all__ = [
    "EDGE_FACTS_MAX",
    "GRAPH_FACTS_MAX",
    "NODE_CACHE_ROWS",
    "SEED_FACTS_MAX",
    "EdgeFact",
    "Facts",
    "GraphFact",
    "NodeCache",
    "SeedFact",
    "SeedFacts",
    "edge_facts",
    "graph_facts",
    "interned",
    "node_cache",
    "seed_facts",
]

NODE_CACHE_ROWS = 20_000  # about 2 KiB each with the bench's short texts
SEED_FACTS_MAX = 250_000  # about 200 bytes each: ~50 MB per database at most
GRAPH_FACTS_MAX = 400_000  # node facts by id, about 330 bytes each: ~130 MB at most
EDGE_FACTS_MAX = 400_000  # edge facts by seq, about 420 bytes each: ~170 MB at most

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


class SeedFact(NamedTuple):
    """What decides whether a node may seed a recall, apart from a rule's state.

    ``static_ok``: tier ``hot|warm``, embedding ``ready``, a seed type, and for topics a
    ``slots.topic_state`` that is absent or ``"active"`` — all columns of the immutable node row.
    Visibility is decided per consumer from ``memory_lane`` and the owners; a rule's state is
    read fresh on every recall (it is the one mutable input).
    """

    node_id: str
    scope_key: str
    static_ok: bool
    memory_lane: str
    owner_agent_id: str | None
    owner_team_id: str | None
    is_rule: bool


class SeedFacts:
    """Seed-eligibility facts by ``nodes.seq`` for one database (at most ``capacity``).

    Only rows read from a committed snapshot are stored, and a ``seq`` names one row forever
    (nodes are never updated or deleted), so an entry never goes stale. When full, the oldest
    half is dropped (insertion order).
    """

    def __init__(self, capacity: int = SEED_FACTS_MAX) -> None:
        self.capacity = capacity
        self._facts: dict[int, SeedFact] = {}
        self._scopes: dict[str, str] = {}  # one string object per scope_key
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._facts)

    def get(self, seq: int) -> SeedFact | None:
        return self._facts.get(seq)

    def put(self, seq: int, fact: SeedFact) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            scope = self._scopes.setdefault(fact.scope_key, fact.scope_key)
            self._facts[seq] = fact._replace(scope_key=scope)
            if len(self._facts) > self.capacity:
                drop = len(self._facts) - self.capacity // 2
                for old in list(itertools.islice(self._facts, drop)):
                    del self._facts[old]

    def clear(self) -> None:
        with self._lock:
            self._facts.clear()


class GraphFact(NamedTuple):
    """What the neighbourhood, spreading and ranking read of a node: its immutable columns that
    decide whether it joins (scope, tier, visibility), takes part (embedding status) and how it
    scores. Full rows are read only for the nodes that make the subgraph."""

    seq: int
    scope_key: str
    type: str
    tier: str
    memory_lane: str
    owner_agent_id: str | None
    owner_team_id: str | None
    embedding_status: str
    confidence: float
    salience: float

    @classmethod
    def of_row(cls, row: Row) -> GraphFact:
        """The facts of a full node row."""
        return cls(
            row["seq"],
            row["scope_key"],
            row["type"],
            row["tier"],
            row["memory_lane"],
            row["owner_agent_id"],
            row["owner_team_id"],
            row["embedding_status"],
            row["confidence"],
            row["salience"],
        )


class EdgeFact(NamedTuple):
    """The immutable columns of an edge (weight, confidence and commit_id can change)."""

    id: str
    type: str
    src_id: str
    dst_id: str


K = TypeVar("K", bound=Hashable)
V = TypeVar("V", bound=tuple[Any, ...])


class Facts(Generic[K, V]):
    """Immutable facts by key for one database (at most ``capacity``; thread-safe writes).

    Only values read from a committed snapshot may be stored, under a key that names one row
    forever (``nodes.id``, ``edges.seq``: rows are never deleted, and the immutable columns
    never change). When full, the oldest half is dropped (insertion order). String fields are
    interned on the way in, so the few distinct scopes, types and states are stored once.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._facts: dict[K, V] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._facts)

    def get(self, key: K) -> V | None:
        return self._facts.get(key)

    def getter(self) -> Callable[[K], V | None]:
        """``get`` without the method call (for loops over hundreds of keys)."""
        return self._facts.get

    def put_many(self, items: Iterable[tuple[K, V]]) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            facts = self._facts
            for key, value in items:
                facts[key] = value
            if len(facts) > self.capacity:
                drop = len(facts) - self.capacity // 2
                for old in list(itertools.islice(facts, drop)):
                    del facts[old]

    def clear(self) -> None:
        with self._lock:
            self._facts.clear()


def interned(value: Any) -> Any:
    """``value``, interned if it is a string (for the repeated columns of cached facts)."""
    return sys.intern(value) if type(value) is str else value


_CACHES: weakref.WeakKeyDictionary[Any, NodeCache] = weakref.WeakKeyDictionary()
_FACTS: weakref.WeakKeyDictionary[Any, SeedFacts] = weakref.WeakKeyDictionary()
_GRAPH: weakref.WeakKeyDictionary[Any, Facts[str, GraphFact]] = weakref.WeakKeyDictionary()
_EDGES: weakref.WeakKeyDictionary[Any, Facts[int, EdgeFact]] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def seed_facts(db: Any) -> SeedFacts | None:
    """The seed-eligibility facts of ``db`` (created on first use); ``None`` without one."""
    if db is None:
        return None
    with _CACHES_LOCK:
        facts = _FACTS.get(db)
        if facts is None:
            facts = SeedFacts()
            _FACTS[db] = facts
        return facts


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


def _facts_of(
    registry: weakref.WeakKeyDictionary[Any, Facts[K, V]], db: Any, capacity: int
) -> Facts[K, V] | None:
    if db is None:
        return None
    with _CACHES_LOCK:
        facts = registry.get(db)
        if facts is None:
            facts = registry[db] = Facts(capacity)
        return facts


def graph_facts(db: Any) -> Facts[str, GraphFact] | None:
    """The node facts of ``db`` by node id (created on first use); ``None`` without one."""
    return _facts_of(_GRAPH, db, GRAPH_FACTS_MAX)


def edge_facts(db: Any) -> Facts[int, EdgeFact] | None:
    """The immutable edge columns of ``db`` by ``edges.seq`` (created on first use)."""
    return _facts_of(_EDGES, db, EDGE_FACTS_MAX)
