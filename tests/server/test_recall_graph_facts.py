"""The neighbourhood is built from cached immutable facts; results must not depend on them.

- Node facts (scope, tier, lane, owners, status, confidence, salience) are cached by node id;
  visibility, scope and tier are still decided per recall, and a fact of a node committed after
  the recall's snapshot began is not used in that snapshot.
- Edge facts (id, type, endpoints) are cached by ``edges.seq``; weight, confidence and commit_id
  are read on every recall, and edges written later are found.
- Full node rows are read only for the subgraph.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from recall_support import add_edge, add_node, axis, make_ctx, make_state, node_id

from aionis_server.context import ServerState
from aionis_server.schemas.recall import RecallBody
from aionis_server.services.recall import recall_service, resolve_knobs
from aionis_server.services.recall_cache import (
    Facts,
    GraphFact,
    edge_facts,
    graph_facts,
    node_cache,
)
from aionis_server.services.recall_graph import build_graph
from aionis_server.storage.db import Database

ONE_HOP = {"limit": 1, "neighborhood_hops": 1}


@pytest.fixture
def state() -> Iterator[ServerState]:
    db = Database(":memory:")
    yield make_state(db)
    db.close()


def _recall(state: ServerState, **body: Any) -> dict[str, Any]:
    return recall_service(make_ctx(state), {"query_embedding": axis(0), **body})


def _facts(db: Database) -> Facts[str, GraphFact]:
    facts = graph_facts(db)
    assert facts is not None
    return facts


def _node_ids(out: dict[str, Any]) -> set[str]:
    return {n["id"] for n in out["subgraph"]["nodes"]}


def _edges(out: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in out["subgraph"]["edges"]}


def test_edge_weight_confidence_and_commit_are_read_fresh(state: ServerState) -> None:
    seed = add_node(state.db, "seed", vector=axis(0))
    nb = add_node(state.db, "nb", vector=axis(1))
    eid = add_edge(state.db, seed, nb, weight=0.5, confidence=0.5)
    first = _edges(_recall(state, include_meta=True, **ONE_HOP))[eid]
    assert (first["weight"], first["confidence"]) == (0.5, 0.5)
    assert len(edge_facts(state.db) or ()) == 1  # type and endpoints are cached now

    new_commit = "00000000-0000-5000-8000-000000000002"
    with state.db.write() as conn:
        conn.execute(
            "UPDATE edges SET weight = 0.75, confidence = 0.625, commit_id = ? WHERE id = ?",
            (new_commit, eid),
        )
    second = _recall(state, include_meta=True, **ONE_HOP)
    edge = _edges(second)[eid]
    assert (edge["weight"], edge["confidence"], edge["commit_id"]) == (0.75, 0.625, new_commit)
    assert edge["commit_uri"].endswith("/commit/" + new_commit)
    activation = {r["id"]: r["activation"] for r in second["ranked"]}
    seed_act = activation[seed]
    assert activation[nb] == seed_act * (0.6 * 0.75 * 0.625 * 0.5)


def test_edges_and_nodes_written_later_are_found(state: ServerState) -> None:
    seed = add_node(state.db, "seed", vector=axis(0))
    first = add_node(state.db, "first", vector=axis(1))
    add_edge(state.db, seed, first)
    assert _node_ids(_recall(state, **ONE_HOP)) == {seed, first}

    later = add_node(state.db, "later", vector=axis(2))
    late_edge = add_edge(state.db, later, seed, type="part_of", weight=0.95, confidence=0.95)
    out = _recall(state, **ONE_HOP)
    assert _node_ids(out) == {seed, first, later}
    assert _edges(out)[late_edge]["from_id"] == later
    assert _edges(out)[late_edge]["type"] == "part_of"


def test_visibility_is_decided_per_consumer_from_cached_facts(state: ServerState) -> None:
    seed = add_node(state.db, "seed", vector=axis(0))
    mine = add_node(state.db, "mine", vector=axis(1), lane="private", owner_agent_id="agent-a")
    ours = add_node(state.db, "ours", vector=axis(2), lane="private", owner_team_id="team-x")
    add_edge(state.db, seed, mine)
    add_edge(state.db, seed, ours)

    assert _node_ids(_recall(state, consumer_agent_id="agent-a", **ONE_HOP)) == {seed, mine}
    assert _facts(state.db).get(mine) is not None
    assert _node_ids(_recall(state, consumer_agent_id="agent-b", **ONE_HOP)) == {seed}
    assert _node_ids(_recall(state, consumer_team_id="team-x", **ONE_HOP)) == {seed, ours}
    assert _node_ids(_recall(state, **ONE_HOP)) == {seed}


def test_cached_facts_of_another_scope_or_a_cold_tier_do_not_join(state: ServerState) -> None:
    seed = add_node(state.db, "seed", vector=axis(0))
    elsewhere = add_node(state.db, "elsewhere", vector=axis(0), scope_key="other")
    cold = add_node(state.db, "cold", vector=axis(1), tier="cold")
    add_edge(state.db, seed, elsewhere)
    add_edge(state.db, seed, cold)
    add_edge(state.db, elsewhere, seed, scope_key="other")
    other = recall_service(make_ctx(state, scope="other"), {"query_embedding": axis(0), **ONE_HOP})
    assert other["seeds"][0]["id"] == elsewhere
    for _ in range(2):  # cold caches, then warm ones
        out = _recall(state, **ONE_HOP)
        assert _node_ids(out) == {seed}
        assert out["observability"]["neighborhood_nodes"] == 1
    assert _facts(state.db).get(cold) is not None


def test_a_fact_cached_by_a_newer_snapshot_is_not_used_in_an_older_one(
    state: ServerState,
) -> None:
    seed = add_node(state.db, "seed", vector=axis(0))
    late = node_id("default/late")
    add_edge(state.db, seed, late)  # dangling until "late" is written
    parsed = RecallBody.model_validate({"query_embedding": axis(0), **ONE_HOP})
    query = np.asarray(axis(0), dtype=np.float32)

    def graph_nodes() -> set[str]:
        with state.db.read() as conn:
            graph = build_graph(
                conn, state.vectors, "default", query, resolve_knobs(parsed), None, None
            )
        return set(graph.nodes)

    with state.db.read() as conn:
        conn.execute("SELECT COUNT(*) FROM nodes").fetchone()  # the snapshot begins here
        add_node(state.db, "late", vector=axis(1))
        with ThreadPoolExecutor(1) as pool:  # another thread, another (newer) snapshot
            assert late in pool.submit(graph_nodes).result()
        assert _facts(state.db).get(late) is not None
        old = build_graph(conn, state.vectors, "default", query, resolve_knobs(parsed), None, None)
        assert set(old.nodes) == {seed}
        assert old.edges == {}
    assert graph_nodes() == {seed, late}


def test_full_rows_are_read_only_for_the_subgraph(state: ServerState) -> None:
    hub = add_node(state.db, "hub", vector=axis(0))
    # ready but without a vector: they join by spreading, never as seed candidates
    leaves = [add_node(state.db, f"leaf{i}", status="ready") for i in range(30)]
    for i, leaf in enumerate(leaves):
        add_edge(state.db, hub, leaf, weight=0.5 + i / 100)
    out = _recall(state, max_nodes=4, **ONE_HOP)
    assert out["observability"]["neighborhood_nodes"] == 31
    assert len(out["subgraph"]["nodes"]) == 4
    rows = node_cache(state.db)
    assert rows is not None
    cached_rows = {nid for nid in [hub, *leaves] if rows.get(nid) is not None}
    assert cached_rows == _node_ids(out)
    facts = _facts(state.db)
    assert all(facts.get(leaf) is not None for leaf in leaves)


def test_caches_are_per_database() -> None:
    first, second = Database(":memory:"), Database(":memory:")
    try:
        states = [make_state(first), make_state(second)]
        for st, tier, weight in zip(states, ("hot", "cold"), (0.5, 0.9), strict=True):
            seed = add_node(st.db, "seed", vector=axis(0))
            nb = add_node(st.db, "nb", vector=axis(1), tier=tier)
            add_edge(st.db, seed, nb, weight=weight)
        seen = [_node_ids(_recall(st, **ONE_HOP)) for st in states + states]
        assert seen == [{seed, nb}, {seed}, {seed, nb}, {seed}]
        assert graph_facts(first) is not graph_facts(second)
        assert edge_facts(first) is not edge_facts(second)
    finally:
        first.close()
        second.close()


def test_facts_drop_the_oldest_half_when_full() -> None:
    facts: Facts[int, tuple[str]] = Facts(capacity=4)
    facts.put_many((i, (f"v{i}",)) for i in range(4))
    assert len(facts) == 4
    facts.put_many([(4, ("v4",))])
    assert [facts.get(i) for i in range(5)] == [None, None, None, ("v3",), ("v4",)]
    empty: Facts[int, tuple[str]] = Facts(capacity=0)
    empty.put_many([(1, ("x",))])
    assert len(empty) == 0
