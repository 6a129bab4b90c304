"""Recall's performance paths must not change results: the node-row cache and the edge cut.

- Node rows are cached per database; a rule's state is not part of what is cached.
- Two databases in one process never share cached rows (node ids are deterministic, so the
  same id can name different rows in different files).
- The per-hop edge budget keeps the strongest edges by weight·confidence, ties by id, and edges
  are read fresh (a later write may raise their weight).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from recall_support import add_edge, add_node, axis, make_ctx, make_state

from aionis_server.context import ServerState
from aionis_server.schemas.recall import RecallBody
from aionis_server.services.recall import recall_service, resolve_knobs
from aionis_server.services.recall_cache import NodeCache, node_cache
from aionis_server.services.recall_graph import MIN_EDGE_BUDGET, build_graph
from aionis_server.storage.db import Database


@pytest.fixture
def state() -> Iterator[ServerState]:
    db = Database(":memory:")
    yield make_state(db)
    db.close()


def _recall(state: ServerState, vector: list[float], **body: object) -> dict:
    return recall_service(make_ctx(state), {"query_embedding": vector, **body})


def _context_rules(out: dict) -> list[tuple[str, str]]:
    return [(i["node_id"], i["rule_state"]) for i in out["context"]["items"] if i["kind"] == "rule"]


def test_rule_state_changes_are_seen_although_the_rule_row_is_cached(state: ServerState) -> None:
    seed = add_node(state.db, "seed", vector=axis(0))
    rule = add_node(state.db, "rule", vector=axis(5), type="rule", rule_state="disabled")
    add_edge(state.db, seed, rule, type="derived_from")
    body = {"limit": 1, "neighborhood_hops": 1}

    first = _recall(state, axis(0), **body)
    assert rule in {n["id"] for n in first["subgraph"]["nodes"]}
    assert _context_rules(first) == []
    assert first["context"]["selection_stats"]["dropped_rule_state"] == 1
    assert node_cache(state.db).get(rule) is not None  # the rule's row is now cached

    with state.db.write() as conn:
        conn.execute("UPDATE rule_defs SET state = 'active' WHERE node_id = ?", (rule,))
    second = _recall(state, axis(0), **body)
    assert _context_rules(second) == [(rule, "active")]

    with state.db.write() as conn:
        conn.execute("UPDATE rule_defs SET state = 'draft' WHERE node_id = ?", (rule,))
    third = _recall(state, axis(0), **body)
    assert _context_rules(third) == []
    assert third["context"]["selection_stats"]["dropped_rule_state"] == 1


def test_cached_rows_are_per_database() -> None:
    first, second = Database(":memory:"), Database(":memory:")
    try:
        states = [make_state(first), make_state(second)]
        for st, label in zip(states, ("one", "two"), strict=True):
            seed = add_node(st.db, "seed", vector=axis(0))
            nb = add_node(st.db, "nb", vector=axis(1), title=f"title {label}", lane="shared")
            add_edge(st.db, seed, nb)
        titles = []
        for st in states + states:  # twice each, so the second round runs on warm caches
            out = _recall(st, axis(0), limit=1, neighborhood_hops=1)
            titles.append({n["id"]: n["title"] for n in out["subgraph"]["nodes"]}[nb])
        assert titles == ["title one", "title two", "title one", "title two"]
        assert node_cache(first) is not node_cache(second)
    finally:
        first.close()
        second.close()


def test_edge_budget_keeps_the_strongest_then_smallest_ids(state: ServerState) -> None:
    hub = add_node(state.db, "hub", vector=axis(0))
    strength: dict[str, float] = {}
    for i in range(MIN_EDGE_BUDGET + 30):
        leaf = add_node(state.db, f"leaf{i}", vector=axis(1))
        # Equal strength for all but a few weaker ones, so the cut falls inside a tie.
        weight = 0.5 if i % 40 == 0 else 0.8
        strength[add_edge(state.db, hub, leaf, weight=weight, confidence=0.5)] = weight * 0.5
    ranked = sorted(strength, key=lambda eid: (-strength[eid], eid))
    body = {"limit": 1, "neighborhood_hops": 1, "ranked_limit": 1, "max_edges": 1, "max_nodes": 1}

    out = _recall(state, axis(0), **body)
    assert out["observability"]["neighborhood_edges"] == MIN_EDGE_BUDGET
    assert out["observability"]["neighborhood_nodes"] == MIN_EDGE_BUDGET + 1
    assert _reached_edges(state, body) == set(ranked[:MIN_EDGE_BUDGET])

    # Edges are not cached: raising the weakest, highest-id edge puts it into the cut.
    loser = ranked[-1]
    with state.db.write() as conn:
        conn.execute("UPDATE edges SET weight = 1.0, confidence = 1.0 WHERE id = ?", (loser,))
    assert loser in _reached_edges(state, body)


def _reached_edges(state: ServerState, body: dict) -> set[str]:
    parsed = RecallBody.model_validate({"query_embedding": axis(0), **body})
    with state.db.read() as conn:
        graph = build_graph(
            conn,
            state.vectors,
            "default",
            np.asarray(axis(0), dtype=np.float32),
            resolve_knobs(parsed),
            None,
            None,
        )
    return set(graph.edges)


def test_node_cache_is_a_bounded_lru() -> None:
    cache = NodeCache(capacity=3)
    cache.put_many({"id": name} for name in "abc")
    assert cache.get("a") == {"id": "a"}  # a is now the most recently used
    cache.put_many([{"id": "d"}])
    assert cache.get("b") is None
    assert [cache.get(k) is not None for k in "acd"] == [True, True, True]
    assert len(cache) == 3
    NodeCache(capacity=0).put_many([{"id": "x"}])
