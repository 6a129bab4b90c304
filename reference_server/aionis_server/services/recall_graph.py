"""The graph half of recall (§7.4 steps 2–6): seeds, neighbourhood, spreading activation, ranking.

All SQL is batched: one query per batch of seed candidates, one edge query and one node query per
hop (chunked only to stay under SQLite's parameter limit), never one query per node.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..storage.visibility import is_visible, visibility_sql
from ..vectors import VectorIndex

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
    row: sqlite3.Row
    similarity: float


@dataclass
class RecallGraph:
    """What steps 2–6 produce; ``nodes`` holds every visible node reached (by id)."""

    seeds: list[Seed] = field(default_factory=list)
    nodes: dict[str, sqlite3.Row] = field(default_factory=dict)
    edges: dict[str, sqlite3.Row] = field(default_factory=dict)
    activation: dict[str, float] = field(default_factory=dict)
    ranked: list[tuple[str, float, float]] = field(default_factory=list)  # id, activation, score
    subgraph_nodes: list[str] = field(default_factory=list)
    subgraph_edges: list[sqlite3.Row] = field(default_factory=list)
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
) -> tuple[list[Seed], int]:
    """Step 2: the ``limit`` best eligible nodes, and how many candidates were examined."""
    vis, vis_params = visibility_sql(consumer_agent_id, consumer_team_id, "n.")
    type_marks = ",".join("?" * len(SEED_TYPES))
    rows_by_seq: dict[int, sqlite3.Row] = {}
    examined = 0

    def eligible(seqs: Sequence[int]) -> list[int]:
        nonlocal examined
        examined += len(seqs)
        accepted: list[int] = []
        for part in _chunks(seqs):
            marks = ",".join("?" * len(part))
            sql = (
                f"{NODE_SELECT} WHERE n.seq IN ({marks}) AND +n.scope_key = ?"
                " AND n.tier IN ('hot', 'warm') AND n.embedding_status = 'ready'"
                f" AND n.type IN ({type_marks}) AND {vis}"
                " AND (n.type <> 'rule' OR r.state IN ('shadow', 'active'))"
                " AND (n.type <> 'topic' OR json_extract(n.slots_json, '$.topic_state') IS NULL"
                "      OR json_extract(n.slots_json, '$.topic_state') = 'active')"
            )
            for row in conn.execute(sql, [*part, scope_key, *SEED_TYPES, *vis_params]):
                rows_by_seq[row["seq"]] = row
                accepted.append(row["seq"])
        return accepted

    hits = vectors.search(scope_key, query, limit + SEED_SLACK, accept_many=eligible)
    seeds = [Seed(rows_by_seq[seq], sim) for seq, sim in hits if seq in rows_by_seq]
    seeds.sort(key=lambda s: (-s.similarity, -float(s.row["confidence"]), s.row["id"]))
    return seeds[:limit], examined


def _fetch_nodes(conn: sqlite3.Connection, scope_key: str, ids: list[str]) -> list[sqlite3.Row]:
    rows: list[sqlite3.Row] = []
    for part in _chunks(ids):
        marks = ",".join("?" * len(part))
        rows.extend(
            conn.execute(
                f"{NODE_SELECT} WHERE n.id IN ({marks}) AND +n.scope_key = ?", [*part, scope_key]
            )
        )
    return rows


def _fetch_edges(
    conn: sqlite3.Connection, scope_key: str, ids: list[str], knobs: Knobs
) -> list[sqlite3.Row]:
    budget = edge_budget(knobs)
    found: dict[str, sqlite3.Row] = {}
    for part in _chunks(ids, 400):
        marks = ",".join("?" * len(part))
        # "+scope_key" filters on the scope without letting SQLite walk the scope's edge index.
        sql = (
            f"SELECT * FROM edges WHERE (src_id IN ({marks}) OR dst_id IN ({marks}))"
            " AND +scope_key = ?"
            " AND weight >= ? AND confidence >= ? ORDER BY weight * confidence DESC, id LIMIT ?"
        )
        params = [*part, *part, scope_key, knobs.min_edge_weight, knobs.min_edge_confidence]
        for row in conn.execute(sql, [*params, budget]):
            found[row["id"]] = row
    edges = sorted(found.values(), key=lambda e: (-e["weight"] * e["confidence"], e["id"]))
    return edges[:budget]


def edge_budget(knobs: Knobs) -> int:
    """How many edges one hop may fetch: the strongest (weight·confidence) first.

    Activation pushed over an edge is proportional to weight·confidence, so the strongest edges
    carry the nodes that can reach ``ranked`` and the subgraph; the budget keeps hub nodes
    (sessions with thousands of events) from making recall slow.
    """
    return max(MIN_EDGE_BUDGET, 2 * knobs.ranked_limit, 4 * knobs.max_edges)


def expand(
    conn: sqlite3.Connection,
    graph: RecallGraph,
    scope_key: str,
    knobs: Knobs,
    consumer_agent_id: str | None,
    consumer_team_id: str | None,
) -> None:
    """Step 3: edges within ``neighborhood_hops`` of the seeds whose endpoints are both visible."""
    rejected: set[str] = set()
    visited: set[str] = set()
    frontier = {seed.row["id"] for seed in graph.seeds}
    for _ in range(knobs.neighborhood_hops):
        if not frontier:
            break
        edges = _fetch_edges(conn, scope_key, sorted(frontier), knobs)
        unknown = {
            end
            for e in edges
            for end in (e["src_id"], e["dst_id"])
            if end not in graph.nodes and end not in rejected
        }
        fetched = {row["id"]: row for row in _fetch_nodes(conn, scope_key, sorted(unknown))}
        for node_id in unknown:
            row = fetched.get(node_id)
            if (
                row is not None
                and row["tier"] in RECALL_TIERS
                and is_visible(
                    row["memory_lane"],
                    row["owner_agent_id"],
                    row["owner_team_id"],
                    consumer_agent_id,
                    consumer_team_id,
                )
            ):
                graph.nodes[node_id] = row
            else:
                rejected.add(node_id)
        visited |= frontier
        reached: set[str] = set()
        for e in edges:
            if e["src_id"] in graph.nodes and e["dst_id"] in graph.nodes:
                graph.edges[e["id"]] = e
                reached.update((e["src_id"], e["dst_id"]))
        frontier = reached - visited


def spread(graph: RecallGraph, hops: int) -> None:
    """Step 4: seed activation, then ``hops`` synchronous rounds over the neighbourhood edges."""
    activation: dict[str, float] = {}
    for seed in graph.seeds:
        value = clamp01(0.75 * seed.similarity + 0.25 * float(seed.row["salience"]))
        activation[seed.row["id"]] = max(activation.get(seed.row["id"], 0.0), value)
    ready = {nid for nid, row in graph.nodes.items() if row["embedding_status"] == "ready"}
    links = [
        (
            e["src_id"],
            e["dst_id"],
            TYPE_WEIGHT.get(e["type"], 0.0) * e["weight"] * e["confidence"] * 0.5,
        )
        for e in graph.edges.values()
        if e["src_id"] in ready and e["dst_id"] in ready
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


def score_of(activation: float, row: sqlite3.Row) -> float:
    """Step 5: ``0.7·activation + 0.15·confidence + 0.15·salience``."""
    return 0.7 * activation + 0.15 * float(row["confidence"]) + 0.15 * float(row["salience"])


def rank_and_cut(graph: RecallGraph, knobs: Knobs) -> None:
    """Steps 5–6: ranked list, subgraph nodes (seeds, then ranked) and the strongest edges."""
    scored = [
        (nid, act, score_of(act, graph.nodes[nid]))
        for nid, act in graph.activation.items()
        if nid in graph.nodes
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
    between = [e for e in graph.edges.values() if e["src_id"] in members and e["dst_id"] in members]
    between.sort(key=lambda e: (-e["weight"] * e["confidence"], e["id"]))
    graph.subgraph_edges = between[: knobs.max_edges]


def build_graph(
    conn: sqlite3.Connection,
    vectors: VectorIndex,
    scope_key: str,
    query: npt.NDArray[np.float32],
    knobs: Knobs,
    consumer_agent_id: str | None,
    consumer_team_id: str | None,
) -> RecallGraph:
    """Steps 2–6 in one read snapshot."""
    seeds, examined = find_seeds(
        conn, vectors, scope_key, query, knobs.limit, consumer_agent_id, consumer_team_id
    )
    graph = RecallGraph(seeds=seeds, seed_candidates=examined)
    for seed in seeds:
        graph.nodes[seed.row["id"]] = seed.row
    expand(conn, graph, scope_key, knobs, consumer_agent_id, consumer_team_id)
    spread(graph, knobs.neighborhood_hops)
    rank_and_cut(graph, knobs)
    return graph
