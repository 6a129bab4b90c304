"""Recall steps 2–6 (§7.4) on hand-built graphs: seeds, neighbourhood, activation, score, cuts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from recall_support import DIM, add_edge, add_node, axis, make_ctx, make_state

from aionis_server.context import ServerState
from aionis_server.schemas.recall import RecallBody
from aionis_server.services.recall import recall_service, resolve_knobs
from aionis_server.storage.db import Database


@pytest.fixture
def state() -> Iterator[ServerState]:
    db = Database(":memory:")
    yield make_state(db)
    db.close()


def _recall(state: ServerState, vector: list[float], **body: object) -> dict:
    return recall_service(make_ctx(state), {"query_embedding": vector, **body})


def test_spec_numbers_seed_and_related_neighbour(state: ServerState) -> None:
    seed = add_node(state.db, "seed", vector=axis(0), salience=0.5, confidence=0.5)
    neighbour = add_node(state.db, "nb", vector=axis(1), salience=0.5, confidence=0.5)
    add_edge(state.db, seed, neighbour, type="related_to", weight=0.9, confidence=0.9)
    out = _recall(state, axis(0), limit=1, neighborhood_hops=1)
    assert [s["id"] for s in out["seeds"]] == [seed]
    assert out["seeds"][0]["similarity"] == pytest.approx(1.0)
    ranked = {r["id"]: r for r in out["ranked"]}
    assert ranked[seed]["activation"] == pytest.approx(0.875)
    assert ranked[seed]["score"] == pytest.approx(0.7625)
    assert ranked[neighbour]["activation"] == pytest.approx(0.212625)
    assert ranked[neighbour]["score"] == pytest.approx(0.7 * 0.212625 + 0.15)
    assert [r["id"] for r in out["ranked"]] == [seed, neighbour]
    edge = out["subgraph"]["edges"][0]
    assert (edge["from_id"], edge["to_id"], edge["type"], edge["weight"]) == (
        seed,
        neighbour,
        "related_to",
        0.9,
    )
    assert "src_id" not in edge
    assert edge["uri"].startswith("aionis://default/default/edge/")


def test_activation_is_synchronous_and_respects_type_weights(state: ServerState) -> None:
    a = add_node(state.db, "a", vector=axis(0), salience=1.0)
    b = add_node(state.db, "b", vector=axis(5))
    c = add_node(state.db, "c", vector=axis(6))
    d = add_node(state.db, "d", vector=axis(7))
    add_edge(state.db, b, a, type="derived_from", weight=1.0, confidence=1.0)  # incoming works too
    add_edge(state.db, b, c, type="part_of", weight=1.0, confidence=1.0)
    add_edge(state.db, c, d, type="part_of", weight=1.0, confidence=1.0)
    out = _recall(state, axis(0), limit=1, neighborhood_hops=2, min_edge_weight=0.0)
    act = {r["id"]: r["activation"] for r in out["ranked"]}
    assert act[a] == pytest.approx(1.0)
    assert act[b] == pytest.approx(0.5)  # round 1: 1.0 * 1.0 * 0.5
    assert act[c] == pytest.approx(0.5 * 0.9 * 0.5)  # round 2 reads round 1's b
    assert d not in act  # three hops away: not reached in two synchronous rounds


def test_edges_below_thresholds_and_non_ready_nodes_do_not_spread(state: ServerState) -> None:
    seed = add_node(state.db, "seed", vector=axis(0))
    weak = add_node(state.db, "weak", vector=axis(2))
    pending = add_node(state.db, "pending", status="pending")
    behind = add_node(state.db, "behind", vector=axis(3))
    add_edge(state.db, seed, weak, weight=0.1, confidence=0.9)
    add_edge(state.db, seed, pending, weight=0.9, confidence=0.9)
    add_edge(state.db, pending, behind, weight=0.9, confidence=0.9)
    out = _recall(state, axis(0), limit=1)
    ids = {r["id"] for r in out["ranked"]}
    assert ids == {seed}
    global_out = _recall(state, axis(0), limit=1, min_edge_weight=0.05)
    assert {r["id"] for r in global_out["ranked"]} == {seed, weak}


def test_seed_eligibility_tier_type_rule_state_topic_state(state: ServerState) -> None:
    db = state.db
    ok = {
        add_node(db, "event", vector=axis(0)),
        add_node(db, "warm", vector=axis(0), tier="warm"),
        add_node(db, "entity", vector=axis(0), type="entity"),
        add_node(db, "concept", vector=axis(0), type="concept"),
        add_node(db, "topic", vector=axis(0), type="topic"),
        add_node(db, "topic-active", vector=axis(0), type="topic", slots={"topic_state": "active"}),
        add_node(db, "rule-shadow", vector=axis(0), type="rule", rule_state="shadow"),
        add_node(db, "rule-active", vector=axis(0), type="rule", rule_state="active"),
    }
    for name, kwargs in {
        "cold": {"tier": "cold"},
        "archive": {"tier": "archive"},
        "evidence": {"type": "evidence"},
        "procedure": {"type": "procedure"},
        "draft": {"type": "rule", "rule_state": "draft"},
        "disabled": {"type": "rule", "rule_state": "disabled"},
        "topic-draft": {"type": "topic", "slots": {"topic_state": "draft"}},
        "pending": {"status": "pending"},
    }.items():
        add_node(db, name, vector=axis(0), **kwargs)  # type: ignore[arg-type]
    out = _recall(state, axis(0), limit=50)
    assert {s["id"] for s in out["seeds"]} == ok


def test_seed_order_similarity_then_confidence_then_id(state: ServerState) -> None:
    near = add_node(state.db, "near", vector=[1.0, 0.2] + [0.0] * (DIM - 2))
    tie_low = add_node(state.db, "tie-low", vector=axis(0), confidence=0.2)
    tie_high = add_node(state.db, "tie-high", vector=axis(0), confidence=0.9)
    twins = sorted(
        [add_node(state.db, f"twin{i}", vector=axis(0), confidence=0.5) for i in range(2)]
    )
    out = _recall(state, axis(0), limit=10)
    assert [s["id"] for s in out["seeds"]] == [tie_high, *twins, tie_low, near]
    assert [s["id"] for s in _recall(state, axis(0), limit=2)["seeds"]] == [tie_high, twins[0]]
    seed = out["seeds"][0]
    assert set(seed) >= {
        "id",
        "uri",
        "type",
        "title",
        "text_summary",
        "tier",
        "salience",
        "confidence",
        "similarity",
    }


def test_private_nodes_need_the_consumer_lane_trap(state: ServerState) -> None:
    mine = add_node(state.db, "mine", vector=axis(0), lane="private", owner_agent_id="local-user")
    team = add_node(state.db, "team", vector=axis(0), lane="private", owner_team_id="t1")
    shared = add_node(state.db, "shared", vector=axis(1))
    add_edge(state.db, shared, mine, weight=1.0, confidence=1.0)
    plain = _recall(state, axis(0))
    assert {s["id"] for s in plain["seeds"]} == {shared}
    assert {n["id"] for n in plain["subgraph"]["nodes"]} == {shared}
    assert plain["subgraph"]["edges"] == []
    as_owner = _recall(state, axis(0), consumer_agent_id="local-user")
    assert {s["id"] for s in as_owner["seeds"]} == {mine, shared}
    assert len(as_owner["subgraph"]["edges"]) == 1
    assert {s["id"] for s in _recall(state, axis(0), consumer_team_id="t1")["seeds"]} == {
        team,
        shared,
    }
    assert {s["id"] for s in _recall(state, axis(0), consumer_agent_id="other")["seeds"]} == {
        shared
    }


def test_scopes_are_isolated(state: ServerState) -> None:
    add_node(state.db, "elsewhere", vector=axis(0), scope_key="tenant:acme::scope:default")
    assert _recall(state, axis(0))["seeds"] == []


def test_subgraph_cuts_max_nodes_max_edges_ranked_limit(state: ServerState) -> None:
    hub = add_node(state.db, "hub", vector=axis(0), salience=1.0)
    spokes = [add_node(state.db, f"s{i}", vector=axis(1 + i % 5)) for i in range(12)]
    for i, spoke in enumerate(spokes):
        add_edge(state.db, hub, spoke, weight=0.3 + 0.05 * i, confidence=1.0)
    out = _recall(state, axis(0), limit=1, max_nodes=5, max_edges=3, ranked_limit=7)
    assert len(out["ranked"]) == 7
    nodes = [n["id"] for n in out["subgraph"]["nodes"]]
    assert nodes[0] == hub
    assert nodes == [r["id"] for r in out["ranked"]][:5]
    weights = [e["weight"] for e in out["subgraph"]["edges"]]
    assert len(weights) == 3
    assert weights == sorted(weights, reverse=True)
    assert weights[0] == pytest.approx(0.3 + 0.05 * 11)
    assert "max_edges" in out["trajectory"]["pruned_reasons"]


def test_include_flags_shape_subgraph_nodes_and_edges(state: ServerState) -> None:
    a = add_node(state.db, "a", vector=axis(0), slots={"k": 1, "z": 2})
    b = add_node(state.db, "b", vector=axis(1))
    add_edge(state.db, a, b)
    out = _recall(state, axis(0), include_meta=True, include_slots=True)
    node = out["subgraph"]["nodes"][0]
    assert node["slots"] == {"k": 1, "z": 2}
    assert node["commit_id"]
    assert node["memory_lane"] == "shared"
    edge = out["subgraph"]["edges"][0]
    assert edge["commit_uri"].startswith("aionis://default/default/commit/")
    preview = _recall(state, axis(0), include_slots_preview=True, slots_preview_keys=1)
    assert preview["subgraph"]["nodes"][0]["slots_preview"] == {"k": 1}
    bare = _recall(state, axis(0))["subgraph"]["nodes"][0]
    assert "slots" not in bare
    assert "commit_id" not in bare


PRESET_CASES = [
    ({}, "balanced", (24, 2, 60, 80, 140, 0.2, 0.2)),
    ({"recall_strategy": "local"}, "local", (16, 1, 32, 40, 80, 0.2, 0.2)),
    ({"recall_strategy": "global"}, "global", (30, 2, 80, 100, 180, 0.05, 0.05)),
    ({"recall_mode": "dense_edge"}, "global", (30, 2, 80, 100, 180, 0.05, 0.05)),
    (
        {"recall_strategy": "local", "recall_mode": "dense_edge"},
        "local",
        (16, 1, 32, 40, 80, 0.2, 0.2),
    ),
    # Any explicit knob: the strategy is ignored and the rest come from the default preset.
    ({"recall_strategy": "global", "limit": 5}, "custom", (5, 2, 60, 80, 140, 0.2, 0.2)),
    (
        {"recall_strategy": "local", "min_edge_weight": 0.5},
        "custom",
        (24, 2, 60, 80, 140, 0.5, 0.2),
    ),
]


@pytest.mark.parametrize(("extra", "strategy", "values"), PRESET_CASES)
def test_preset_precedence(extra: dict, strategy: str, values: tuple) -> None:
    knobs = resolve_knobs(RecallBody.model_validate({"query_embedding": [], **extra}))
    assert knobs.strategy == strategy
    assert (
        knobs.limit,
        knobs.neighborhood_hops,
        knobs.max_nodes,
        knobs.max_edges,
        knobs.ranked_limit,
        knobs.min_edge_weight,
        knobs.min_edge_confidence,
    ) == values


def test_empty_scope_gives_empty_but_complete_response(state: ServerState) -> None:
    out = _recall(state, axis(0))
    assert out["seeds"] == []
    assert out["ranked"] == []
    assert out["subgraph"] == {"nodes": [], "edges": []}
    assert out["context"]["text"] == ""
    assert (out["tenant_id"], out["scope"]) == ("default", "default")
