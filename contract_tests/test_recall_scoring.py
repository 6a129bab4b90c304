"""§7.4 pipeline numbers: seeds, spreading activation and score on constructed graphs."""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests._support import Api, Wire, basis, node_id, requires_capability

pytestmark = requires_capability("recall")


def close(value: float) -> Any:
    """pytest.approx with the tolerance used for the spec's numbers."""
    return pytest.approx(value, rel=1e-6, abs=1e-9)


TYPE_WEIGHT = {"related_to": 0.6, "part_of": 0.9, "derived_from": 1.0}


def _entity(cid: str, vec: list[float], **extra: Any) -> dict[str, Any]:
    return {"client_id": cid, "type": "entity", "title": cid, "embedding": vec, **extra}


def _edge(
    src: str, dst: str, etype: str = "related_to", w: float = 0.9, c: float = 0.9
) -> dict[str, Any]:
    return {
        "type": etype,
        "src": {"client_id": src},
        "dst": {"client_id": dst},
        "weight": w,
        "confidence": c,
    }


def _ranked(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in body["ranked"]}


async def test_spec_scoring_example(client: Api, dim: int) -> None:
    await client(
        "memory.write",
        input_text="scoring example",
        memory_lane="shared",
        nodes=[_entity("a", basis(dim, (0, 1.0))), _entity("b", basis(dim, (1, 1.0)))],
        edges=[_edge("a", "b")],
    )
    a, b = node_id("a", client.scope), node_id("b", client.scope)
    body = await client("memory.recall", query_embedding=basis(dim, (0, 1.0)), limit=1)
    assert [s["id"] for s in body["seeds"]] == [a]
    assert body["seeds"][0]["similarity"] == close(1.0)
    ranked = _ranked(body)
    assert ranked[a]["activation"] == close(0.875)
    assert ranked[a]["score"] == close(0.7625)
    assert ranked[b]["activation"] == close(0.212625)
    assert ranked[b]["score"] == close(0.7 * 0.212625 + 0.15)
    assert [r["id"] for r in body["ranked"]] == [a, b]


@pytest.mark.parametrize("etype", ["related_to", "part_of", "derived_from"])
def test_edge_type_weights(wire: Wire, dim: int, etype: str) -> None:
    wire.write(
        [_entity("a", basis(dim, (0, 1.0))), _entity("b", basis(dim, (1, 1.0)))],
        memory_lane="shared",
        edges=[_edge("b", "a", etype, w=0.8, c=0.5)],
    )
    body = wire.ok("/v1/memory/recall", {"query_embedding": basis(dim, (0, 1.0)), "limit": 1})
    expected = 0.875 * TYPE_WEIGHT[etype] * 0.8 * 0.5 * 0.5
    assert _ranked(body)[node_id("b", wire.scope)]["activation"] == close(expected)


def test_similarity_and_salience_enter_activation(wire: Wire, dim: int) -> None:
    wire.write(
        [
            _entity("s", basis(dim, (0, 0.6), (1, 0.8))),
            _entity("hi", basis(dim, (2, 1.0)), salience=1.0, confidence=0.2),
        ],
        memory_lane="shared",
    )
    body = wire.ok("/v1/memory/recall", {"query_embedding": basis(dim, (0, 1.0))})
    ranked = _ranked(body)
    s, hi = node_id("s", wire.scope), node_id("hi", wire.scope)
    seeds = {x["id"]: x for x in body["seeds"]}
    assert seeds[s]["similarity"] == close(0.6)
    assert ranked[s]["activation"] == close(0.575)
    assert ranked[s]["score"] == close(0.7 * 0.575 + 0.15)
    assert seeds[hi]["similarity"] == pytest.approx(0.0, abs=1e-9)
    assert ranked[hi]["activation"] == close(0.25)
    assert ranked[hi]["score"] == close(0.7 * 0.25 + 0.15 * 0.2 + 0.15)


def test_two_hops_spread_synchronously_and_undirected(wire: Wire, dim: int) -> None:
    wire.write(
        [
            _entity("a", basis(dim, (0, 1.0))),
            _entity("b", basis(dim, (1, 1.0))),
            _entity("c", basis(dim, (2, 1.0))),
        ],
        memory_lane="shared",
        edges=[_edge("a", "b"), _edge("c", "b")],
    )
    q = basis(dim, (0, 1.0))
    c = node_id("c", wire.scope)
    one = wire.ok("/v1/memory/recall", {"query_embedding": q, "limit": 1, "neighborhood_hops": 1})
    assert c not in _ranked(one)
    two = wire.ok("/v1/memory/recall", {"query_embedding": q, "limit": 1, "neighborhood_hops": 2})
    assert _ranked(two)[c]["activation"] == close(0.212625 * 0.243)
    assert _ranked(two)[node_id("a", wire.scope)]["activation"] == pytest.approx(0.875)


@pytest.mark.parametrize(
    ("w", "c", "knob"), [(0.1, 0.9, "min_edge_weight"), (0.9, 0.1, "min_edge_confidence")]
)
def test_weak_edges_are_filtered_by_min_edge_knobs(
    wire: Wire, dim: int, w: float, c: float, knob: str
) -> None:
    wire.write(
        [_entity("a", basis(dim, (0, 1.0))), _entity("b", basis(dim, (1, 1.0)))],
        memory_lane="shared",
        edges=[_edge("a", "b", w=w, c=c)],
    )
    q = basis(dim, (0, 1.0))
    b = node_id("b", wire.scope)
    default = wire.ok("/v1/memory/recall", {"query_embedding": q, "limit": 1})
    assert b not in _ranked(default)
    assert default["subgraph"]["edges"] == []
    loose = wire.ok("/v1/memory/recall", {"query_embedding": q, "limit": 1, knob: 0.05})
    assert _ranked(loose)[b]["activation"] == pytest.approx(0.875 * 0.6 * 0.1 * 0.9 * 0.5)


def test_seed_order_similarity_then_confidence_then_id(wire: Wire, dim: int) -> None:
    e0 = basis(dim, (0, 1.0))
    wire.write(
        [
            _entity("low", basis(dim, (0, 0.5), (1, 0.5))),
            _entity("c5a", e0, confidence=0.5),
            _entity("c9", e0, confidence=0.9),
            _entity("c5b", e0, confidence=0.5),
        ],
        memory_lane="shared",
    )
    body = wire.ok("/v1/memory/recall", {"query_embedding": e0})
    ids = [s["id"] for s in body["seeds"]]
    ties = sorted([node_id("c5a", wire.scope), node_id("c5b", wire.scope)])
    assert ids == [node_id("c9", wire.scope), *ties, node_id("low", wire.scope)]
    sims = [s["similarity"] for s in body["seeds"]]
    assert sims == sorted(sims, reverse=True)


def test_ranked_is_sorted_by_score_and_cut(wire: Wire, dim: int) -> None:
    wire.write(
        [_entity(f"n{i}", basis(dim, (0, 1.0), (i + 1, 0.3 * i))) for i in range(6)],
        memory_lane="shared",
    )
    body = wire.ok(
        "/v1/memory/recall", {"query_embedding": basis(dim, (0, 1.0)), "ranked_limit": 3}
    )
    scores = [r["score"] for r in body["ranked"]]
    assert len(scores) == 3
    assert scores == sorted(scores, reverse=True)
