"""The graph half of recall (§7.4 steps 2–6): seeds, neighbourhood, spreading activation, ranking.

All SQL is batched: one query per batch of seed candidates; per hop one index-only query for
the edge candidates (with their current weight and confidence), one read of the immutable
columns of the strongest edges not cached yet and one read of the node facts not cached yet;
then one read of the full rows of the subgraph's nodes (chunked only to stay under SQLite's
parameter limit), never one query per node.

Node rows are immutable once committed, so they are cached per database (:mod:`.recall_cache`):
full rows (for seeds and the subgraph), and the few columns the neighbourhood, spreading and
ranking need (:class:`~.recall_cache.GraphFact`) for every node reached. A rule's state is not
immutable, so it is read fresh on every recall. Of an edge only id, type and endpoints are
cached (by ``edges.seq``); a later write can raise weight and confidence and set commit_id, so
those are read on every recall.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from ..storage.visibility import is_visible
from ..vectors import VectorIndex
from .recall_cache import (
    EdgeFact,
    Facts,
    GraphFact,
    NodeCache,
    SeedFact,
    SeedFacts,
    edge_facts,
    graph_facts,
    interned,
    node_cache,
    seed_facts,
)

Row = dict[str, Any]

SEED_TYPES = ("event", "topic", "concept", "entity", "rule")
RECALL_TIERS = ("hot", "warm")
TYPE_WEIGHT = {"derived_from": 1.0, "part_of": 0.9, "related_to": 0.6}
MIN_EDGE_BUDGET = 200  # fetch budgets are unspecified; see edge_budget()
SEED_SLACK = 8  # extra candidates fetched so ties on similarity are broken by confidence and id
_CHUNK = 500

NODE_SELECT = (
    "SELECT n.*, r.state AS rule_state FROM nodes n LEFT JOIN rule_defs r ON r.node_id = n.id"
)


@dataclass(frozen=True)
class Knobs:
    """The seven recall knobs after preset resolution, plus the preset's name."""

    strategy: str
    limit: int
    neighborhood_hops: int
    max_nodes: int
    max_edges: int
    ranked_limit: int
    min_edge_weight: float
    min_edge_confidence: float


@dataclass(frozen=True)
class Seed:
    row: Row
    similarity: float


class Edge(NamedTuple):
    """An edge as this recall's snapshot holds it."""

    seq: int
    id: str
    type: str
    src_id: str
    dst_id: str
    weight: float
    confidence: float


@dataclass
class RecallGraph:
    """What steps 2–6 produce.

    ``nodes`` holds the facts of every visible node reached (by id), ``rows`` the full rows of
    the seeds and the subgraph nodes, ``edge_commits`` the current ``commit_id`` of each
    subgraph edge when asked for (``include_meta``).
    """

    seeds: list[Seed] = field(default_factory=list)
    nodes: dict[str, GraphFact] = field(default_factory=dict)
    rows: dict[str, Row] = field(default_factory=dict)
    edges: dict[str, Edge] = field(default_factory=dict)
    activation: dict[str, float] = field(default_factory=dict)
    ranked: list[tuple[str, float, float]] = field(default_factory=list)  # id, activation, score
    subgraph_nodes: list[str] = field(default_factory=list)
    subgraph_edges: list[Edge] = field(default_factory=list)
    edge_commits: dict[str, str] = field(default_factory=dict)
    seed_candidates: int = 0


def _chunks(items: Sequence[object], size: int = _CHUNK) -> Iterable[Sequence[object]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def clamp01(value: float) -> float:
    return 0.0 if value < 0.0 else 1.0 if value > 1.0 else value


def find_seeds(
    conn: sqlite3.Connection,
    vectors: VectorIndex,
    scope_key: str,
    query: npt.NDArray[np.float32],
    limit: int,
    consumer_agent_id: str | None,
    consumer_team_id: str | None,
    cache: NodeCache | None = None,
    facts: SeedFacts | None = None,
) -> tuple[list[Seed], int]:
    """Step 2: the ``limit`` best eligible nodes, and how many candidates were examined.

    Eligibility is decided from :class:`~.recall_cache.SeedFacts` (immutable columns, read once
    per seq with a narrow query) plus, for rules, their state read now; full rows are read only
    for the nodes that come back from the vector search.
    """
    facts = facts if facts is not None else SeedFacts(capacity=0)
    examined = 0
    newest: list[int] = []  # the snapshot's highest seq, read on first need
    fresh_facts: dict[int, SeedFact] = {}

    def fact_of(seq: int) -> SeedFact | None:
        return fresh_facts.get(seq) or facts.get(seq)

    def eligible(seqs: Sequence[int]) -> list[int]:
        nonlocal examined
        examined += len(seqs)
        found: dict[int, SeedFact] = {}
        unknown: list[int] = []
        for seq in seqs:
            fact = fact_of(seq)
            if fact is None:
                unknown.append(seq)
            else:
                found[seq] = fact
        for part in _chunks(unknown):
            marks = ",".join("?" * len(part))
            cur = _tuples(conn, _FACT_SELECT.format(marks=marks), [*SEED_TYPES, *part])
            for seq, node_id, skey, ok, lane, owner_agent, owner_team, ntype in cur:
                fact = SeedFact(
                    node_id, skey, bool(ok), lane, owner_agent, owner_team, ntype == "rule"
                )
                fresh_facts[seq] = found[seq] = fact
                facts.put(seq, fact)
        if not newest:
            newest.append(_newest(conn))
        accepted: list[int] = []
        rules: list[int] = []
        for seq in seqs:
            known = found.get(seq)
            if (
                known is None
                or seq > newest[0]  # committed after this snapshot began
                or not known.static_ok
                or known.scope_key != scope_key
                or not is_visible(
                    known.memory_lane,
                    known.owner_agent_id,
                    known.owner_team_id,
                    consumer_agent_id,
                    consumer_team_id,
                )
            ):
                continue
            (rules if known.is_rule else accepted).append(seq)
        for part in _chunks(rules):
            marks = ",".join("?" * len(part))
            accepted.extend(
                row[0]
                for row in conn.execute(
                    f"SELECT n.seq FROM nodes n JOIN rule_defs r ON r.node_id = n.id"
                    f" WHERE n.seq IN ({marks}) AND r.state IN ('shadow', 'active')",
                    part,
                )
            )
        return accepted

    hits = vectors.search(scope_key, query, limit + SEED_SLACK, accept_many=eligible)
    by_id: dict[str, int] = {}
    for seq, _ in hits:
        fact = fact_of(seq)
        if fact is not None:
            by_id[fact.node_id] = seq
    rows_by_seq = {
        by_id[row["id"]]: row for row in _fetch_nodes(conn, scope_key, sorted(by_id), cache)
    }
    seeds = [Seed(rows_by_seq[seq], sim) for seq, sim in hits if seq in rows_by_seq]
    seeds.sort(key=lambda s: (-s.similarity, -float(s.row["confidence"]), s.row["id"]))
    return seeds[:limit], examined


# The immutable seed-eligibility columns of nodes (rule state excepted), by seq.
_FACT_SELECT = (
    "SELECT n.seq, n.id, n.scope_key,"
    " n.tier IN ('hot', 'warm') AND n.embedding_status = 'ready' AND n.type IN (?, ?, ?, ?, ?)"
    " AND (n.type <> 'topic' OR json_extract(n.slots_json, '$.topic_state') IS NULL"
    "      OR json_extract(n.slots_json, '$.topic_state') = 'active'),"
    " n.memory_lane, n.owner_agent_id, n.owner_team_id, n.type"
    " FROM nodes n WHERE n.seq IN ({marks})"
)


def _dicts(cur: sqlite3.Cursor, cache: NodeCache | None = None) -> list[Row]:
    """The cursor's rows as dicts; node rows (with ``rule_state`` last) also fill ``cache``."""
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, values, strict=True)) for values in cur]
    if cache is not None:
        cache.put_many(rows)
    return rows


def _fetch_nodes(
    conn: sqlite3.Connection, scope_key: str, ids: list[str], cache: NodeCache | None = None
) -> list[Row]:
    """Node rows (with the current ``rule_state``) of ``ids`` in ``scope_key``.

    Cached node columns are reused; only the misses are read, and the state of cached rule
    nodes is read fresh (rule state changes, node rows do not).
    """
    rows: list[Row] = []
    missing = ids
    if cache is not None:
        missing = []
        rules: list[Row] = []
        for node_id in ids:
            cached = cache.get(node_id)
            if cached is None:
                missing.append(node_id)
            elif cached["scope_key"] == scope_key:
                if cached["type"] == "rule":
                    rules.append(cached)
                else:
                    rows.append(cached)
        if rules:
            rows.extend(_with_rule_state(conn, rules))
    for part in _chunks(missing):
        marks = ",".join("?" * len(part))
        cur = conn.execute(
            f"{NODE_SELECT} WHERE n.id IN ({marks}) AND +n.scope_key = ?", [*part, scope_key]
        )
        rows.extend(_dicts(cur, cache))
    return rows


def _with_rule_state(conn: sqlite3.Connection, cached: list[Row]) -> list[Row]:
    """Copies of cached rule rows with their current ``rule_state`` (as the join reads it)."""
    state: dict[str, str] = {}
    for part in _chunks([row["id"] for row in cached]):
        marks = ",".join("?" * len(part))
        state.update(
            conn.execute(f"SELECT node_id, state FROM rule_defs WHERE node_id IN ({marks})", part)
        )
    return [{**row, "rule_state": state.get(row["id"])} for row in cached]


def _tuples(conn: sqlite3.Connection, sql: str, params: Sequence[object]) -> sqlite3.Cursor:
    """``sql``'s rows as plain tuples (the connection's row factory builds heavier rows)."""
    cur = conn.cursor()
    cur.row_factory = None
    return cur.execute(sql, params)


def _absent(key: object) -> None:
    """The lookup of an absent cache: nothing is known."""


def _newest(conn: sqlite3.Connection) -> int:
    """The snapshot's highest ``nodes.seq`` (cached facts of later nodes are not in it)."""
    return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM nodes").fetchone()[0])


_GRAPH_FACT_SELECT = (
    "SELECT id, seq, scope_key, type, tier, memory_lane, owner_agent_id, owner_team_id,"
    " embedding_status, confidence, salience FROM nodes WHERE id IN ({marks})"
)


def _graph_facts(
    conn: sqlite3.Connection,
    ids: Iterable[str],
    newest: int,
    facts: Facts[str, GraphFact] | None = None,
) -> dict[str, GraphFact]:
    """The facts of the nodes ``ids`` that exist in this snapshot (any scope), by id."""
    out: dict[str, GraphFact] = {}
    missing: list[str] = []
    lookup = facts.getter() if facts is not None else _absent
    for node_id in ids:
        fact = lookup(node_id)
        if fact is None:
            missing.append(node_id)
        elif fact.seq <= newest:
            out[node_id] = fact
    fresh: list[tuple[str, GraphFact]] = []
    for part in _chunks(missing):
        marks = ",".join("?" * len(part))
        for node_id, seq, *strings, confidence, salience in _tuples(
            conn, _GRAPH_FACT_SELECT.format(marks=marks), part
        ):
            skey, ntype, tier, lane, owner_agent, owner_team, status = map(interned, strings)
            fact = GraphFact(
                seq, skey, ntype, tier, lane, owner_agent, owner_team, status, confidence, salience
            )
            fresh.append((node_id, fact))
            out[node_id] = fact
    if facts is not None:
        facts.put_many(fresh)
    return out


# An edge candidate as its sort key: the same IEEE double product ``weight * confidence`` as in
# Python (negated exactly), then id, then the values the hop needs.
_CANDIDATE = "-(weight * confidence), id, seq, weight, confidence"


def _fetch_edges(
    conn: sqlite3.Connection,
    scope_key: str,
    ids: Sequence[str],
    knobs: Knobs,
    facts: Facts[int, EdgeFact] | None = None,
) -> list[Edge]:
    """The ``edge_budget`` strongest qualifying edges incident to ``ids``, strongest first
    (weight·confidence desc, then id).

    The candidates, their weight, confidence and id come from the covering indexes
    ``edges_src_rank`` and ``edges_dst_rank`` without touching the table; the cut is made on
    those, and only the immutable columns (type, endpoints) of the edges that make it are read
    from the table, and only if not cached.
    """
    budget = edge_budget(knobs)
    # (-weight·confidence, id, seq, weight, confidence): sorted, the strongest first, then by id.
    # An edge between two frontier nodes comes back twice, as two equal (adjacent) tuples.
    candidates: list[tuple[float, str, int, float, float]] = []
    bounds = [scope_key, knobs.min_edge_weight, knobs.min_edge_confidence]
    for part in _chunks(ids, 400):
        marks = ",".join("?" * len(part))
        sql = (
            f"SELECT {_CANDIDATE} FROM edges WHERE src_id IN ({marks})"
            " AND scope_key = ? AND weight >= ? AND confidence >= ?"
            f" UNION ALL SELECT {_CANDIDATE} FROM edges WHERE dst_id IN ({marks})"
            " AND scope_key = ? AND weight >= ? AND confidence >= ?"
        )
        candidates += _tuples(conn, sql, [*part, *bounds, *part, *bounds]).fetchall()
    candidates.sort()
    order: list[tuple[float, str, int, float, float]] = []
    last = -1
    for item in candidates:
        if item[2] != last:
            last = item[2]
            order.append(item)
            if len(order) == budget:
                break
    lookup = facts.getter() if facts is not None else _absent
    known: dict[int, EdgeFact] = {}
    missing: list[int] = []
    for item in order:
        fact = lookup(item[2])
        if fact is None:
            missing.append(item[2])
        else:
            known[item[2]] = fact
    fresh: list[tuple[int, EdgeFact]] = []
    for part in _chunks(missing):
        marks = ",".join("?" * len(part))
        sql = f"SELECT seq, id, type, src_id, dst_id FROM edges WHERE seq IN ({marks})"
        for seq, edge_id, etype, src_id, dst_id in _tuples(conn, sql, part):
            fact = EdgeFact(edge_id, interned(etype), src_id, dst_id)
            fresh.append((seq, fact))
            known[seq] = fact
    if facts is not None:
        facts.put_many(fresh)
    edges: list[Edge] = []
    for _, _, seq, weight, confidence in order:
        fact = known[seq]
        edges.append(Edge(seq, fact.id, fact.type, fact.src_id, fact.dst_id, weight, confidence))
    return edges


def edge_budget(knobs: Knobs) -> int:
    """How many edges one hop may fetch: the strongest (weight·confidence) first.

    Activation pushed over an edge is proportional to weight·confidence, so the strongest edges
    carry the nodes that can reach ``ranked`` and the subgraph; the budget keeps hub nodes
    (sessions with thousands of events) from making recall slow.
    """
    return max(MIN_EDGE_BUDGET, 2 * knobs.ranked_limit, 4 * knobs.max_edges)


@dataclass(frozen=True)
class GraphCaches:
    """The per-database caches recall reads through (all optional: ``None`` reads SQL)."""

    rows: NodeCache | None = None
    seeds: SeedFacts | None = None
    nodes: Facts[str, GraphFact] | None = None
    edges: Facts[int, EdgeFact] | None = None

    @classmethod
    def of(cls, db: Any) -> GraphCaches:
        return cls(node_cache(db), seed_facts(db), graph_facts(db), edge_facts(db))


def expand(
    conn: sqlite3.Connection,
    graph: RecallGraph,
    scope_key: str,
    knobs: Knobs,
    consumer_agent_id: str | None,
    consumer_team_id: str | None,
    caches: GraphCaches | None = None,
) -> None:
    """Step 3: edges within ``neighborhood_hops`` of the seeds whose endpoints are both visible."""
    caches = caches if caches is not None else GraphCaches()
    newest = _newest(conn)
    nodes = graph.nodes
    rejected: set[str] = set()
    visited: set[str] = set()
    frontier = {seed.row["id"] for seed in graph.seeds}
    for _ in range(knobs.neighborhood_hops):
        if not frontier:
            break
        edges = _fetch_edges(conn, scope_key, list(frontier), knobs, caches.edges)
        unknown = {
            end
            for e in edges
            for end in (e.src_id, e.dst_id)
            if end not in nodes and end not in rejected
        }
        fetched = _graph_facts(conn, unknown, newest, caches.nodes)
        for node_id in unknown:
            fact = fetched.get(node_id)
            if (
                fact is not None
                and fact.scope_key == scope_key
                and fact.tier in RECALL_TIERS
                and is_visible(
                    fact.memory_lane,
                    fact.owner_agent_id,
                    fact.owner_team_id,
                    consumer_agent_id,
                    consumer_team_id,
                )
            ):
                nodes[node_id] = fact
            else:
                rejected.add(node_id)
        visited |= frontier
        reached: set[str] = set()
        for e in edges:
            if e.src_id in nodes and e.dst_id in nodes:
                graph.edges[e.id] = e
                reached.add(e.src_id)
                reached.add(e.dst_id)
        frontier = reached - visited


def spread(graph: RecallGraph, hops: int) -> None:
    """Step 4: seed activation, then ``hops`` synchronous rounds over the neighbourhood edges."""
    activation: dict[str, float] = {}
    for seed in graph.seeds:
        value = clamp01(0.75 * seed.similarity + 0.25 * float(seed.row["salience"]))
        activation[seed.row["id"]] = max(activation.get(seed.row["id"], 0.0), value)
    ready = {nid for nid, fact in graph.nodes.items() if fact.embedding_status == "ready"}
    links = [
        (e.src_id, e.dst_id, TYPE_WEIGHT.get(e.type, 0.0) * e.weight * e.confidence * 0.5)
        for e in graph.edges.values()
        if e.src_id in ready and e.dst_id in ready
    ]
    for _ in range(hops):
        previous = dict(activation)
        for src, dst, factor in links:
            for n, m in ((src, dst), (dst, src)):
                if n in previous:
                    pushed = previous[n] * factor
                    if m in activation:
                        activation[m] = max(activation[m], pushed)
                    elif pushed > 0.0:
                        activation[m] = pushed
    graph.activation = activation


def score_of(activation: float, confidence: float, salience: float) -> float:
    """Step 5: ``0.7·activation + 0.15·confidence + 0.15·salience``."""
    return 0.7 * activation + 0.15 * float(confidence) + 0.15 * float(salience)


def rank_and_cut(graph: RecallGraph, knobs: Knobs) -> None:
    """Steps 5–6: ranked list, subgraph nodes (seeds, then ranked) and the strongest edges."""
    nodes = graph.nodes
    scored = [
        (nid, act, score_of(act, nodes[nid].confidence, nodes[nid].salience))
        for nid, act in graph.activation.items()
        if nid in nodes
    ]
    scored.sort(key=lambda item: (-item[2], item[0]))
    graph.ranked = scored[: knobs.ranked_limit]
    chosen: list[str] = []
    seen: set[str] = set()
    for nid in [s.row["id"] for s in graph.seeds] + [r[0] for r in graph.ranked]:
        if nid not in seen:
            seen.add(nid)
            chosen.append(nid)
    graph.subgraph_nodes = chosen[: knobs.max_nodes]
    members = set(graph.subgraph_nodes)
    between = [e for e in graph.edges.values() if e.src_id in members and e.dst_id in members]
    between.sort(key=lambda e: (-e.weight * e.confidence, e.id))
    graph.subgraph_edges = between[: knobs.max_edges]


def _subgraph_rows(
    conn: sqlite3.Connection, graph: RecallGraph, scope_key: str, cache: NodeCache | None
) -> None:
    """Step 6's full rows: the seeds' rows, and the other subgraph nodes' rows read now."""
    rows = {seed.row["id"]: seed.row for seed in graph.seeds}
    need = [nid for nid in graph.subgraph_nodes if nid not in rows]
    for row in _fetch_nodes(conn, scope_key, need, cache):
        rows[row["id"]] = row
    graph.rows = rows


def _edge_commits(conn: sqlite3.Connection, graph: RecallGraph) -> None:
    """The current ``commit_id`` of every subgraph edge (a later write may have changed it)."""
    for part in _chunks([e.seq for e in graph.subgraph_edges]):
        marks = ",".join("?" * len(part))
        graph.edge_commits.update(
            _tuples(conn, f"SELECT id, commit_id FROM edges WHERE seq IN ({marks})", part)
        )


def build_graph(
    conn: sqlite3.Connection,
    vectors: VectorIndex,
    scope_key: str,
    query: npt.NDArray[np.float32],
    knobs: Knobs,
    consumer_agent_id: str | None,
    consumer_team_id: str | None,
    *,
    edge_commits: bool = False,
) -> RecallGraph:
    """Steps 2–6 in one read snapshot (``edge_commits``: also the subgraph edges' commit ids)."""
    caches = GraphCaches.of(getattr(vectors, "db", None))
    seeds, examined = find_seeds(
        conn,
        vectors,
        scope_key,
        query,
        knobs.limit,
        consumer_agent_id,
        consumer_team_id,
        caches.rows,
        caches.seeds,
    )
    graph = RecallGraph(seeds=seeds, seed_candidates=examined)
    for seed in seeds:
        graph.nodes[seed.row["id"]] = GraphFact.of_row(seed.row)
    expand(conn, graph, scope_key, knobs, consumer_agent_id, consumer_team_id, caches)
    spread(graph, knobs.neighborhood_hops)
    rank_and_cut(graph, knobs)
    _subgraph_rows(conn, graph, scope_key, caches.rows)
    if edge_commits:
        _edge_commits(conn, graph)
    return graph
