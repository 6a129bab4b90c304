"""§7.4 recall and recall_text: shapes, presets, seed eligibility, subgraph, context, errors."""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests._support import (
    SHA_RE,
    Api,
    Wire,
    basis,
    node_id,
    require_keys,
    requires_capability,
)

pytestmark = requires_capability("recall_text")

RT = "/v1/memory/recall_text"


def _graph(dim: int) -> dict[str, Any]:
    return {
        "input_text": "recall graph",
        "memory_lane": "shared",
        "nodes": [
            {
                "client_id": "topic",
                "type": "topic",
                "title": "Databases",
                "text_summary": "db",
                "embedding": basis(dim, (0, 1.0)),
                "slots": {"k": "v"},
            },
            {
                "client_id": "ent",
                "type": "entity",
                "title": "SQLite",
                "text_summary": "embedded",
                "embedding": basis(dim, (0, 0.8), (1, 0.6)),
                "raw_ref": "file://x",
            },
            {
                "client_id": "evt",
                "type": "event",
                "title": "chose sqlite",
                "text_summary": "we chose sqlite",
                "embedding": basis(dim, (0, 0.6), (2, 0.8)),
            },
        ],
        "edges": [
            {
                "type": "related_to",
                "src": {"client_id": "ent"},
                "dst": {"client_id": "topic"},
                "weight": 0.9,
                "confidence": 0.9,
            },
            {
                "type": "derived_from",
                "src": {"client_id": "evt"},
                "dst": {"client_id": "ent"},
                "weight": 0.5,
                "confidence": 0.5,
            },
        ],
    }


async def test_recall_response_shape(client: Api, dim: int) -> None:
    written = await client("memory.write", **_graph(dim))
    body = await client("memory.recall", query_embedding=basis(dim, (0, 1.0)))
    require_keys(body, "scope", "tenant_id", "seeds", "subgraph", "ranked", "context")
    assert len(body["seeds"]) == 3
    for seed in body["seeds"]:
        require_keys(
            seed,
            "id",
            "uri",
            "type",
            "title",
            "text_summary",
            "tier",
            "salience",
            "confidence",
            "similarity",
        )
    for node in body["subgraph"]["nodes"]:
        require_keys(node, "id", "uri", "type", "title", "text_summary")
        assert "slots" not in node
        assert "embedding" not in node
    edge_ids = {e["id"] for e in written["edges"]}
    assert {e["id"] for e in body["subgraph"]["edges"]} == edge_ids
    for edge in body["subgraph"]["edges"]:
        require_keys(edge, "id", "uri", "from_id", "to_id", "type", "weight")
        assert "src_id" not in edge
    for ranked in body["ranked"]:
        require_keys(ranked, "id", "uri", "activation", "score")
    require_keys(body["context"], "text", "items", "citations")


def test_subgraph_edges_ordered_and_endpoints(wire: Wire, dim: int) -> None:
    wire.ok("/v1/memory/write", _graph(dim))
    body = wire.ok("/v1/memory/recall", {"query_embedding": basis(dim, (0, 1.0))})
    edges = body["subgraph"]["edges"]
    assert [e["type"] for e in edges] == ["related_to", "derived_from"]
    first = edges[0]
    assert first["from_id"] == node_id("ent", wire.scope)
    assert first["to_id"] == node_id("topic", wire.scope)
    capped = wire.ok("/v1/memory/recall", {"query_embedding": basis(dim, (0, 1.0)), "max_edges": 1})
    assert [e["type"] for e in capped["subgraph"]["edges"]] == ["related_to"]


def test_subgraph_nodes_seeds_first_and_capped(wire: Wire, dim: int) -> None:
    wire.ok("/v1/memory/write", _graph(dim))
    body = wire.ok("/v1/memory/recall", {"query_embedding": basis(dim, (0, 1.0)), "max_nodes": 2})
    assert [n["id"] for n in body["subgraph"]["nodes"]] == [s["id"] for s in body["seeds"]][:2]


def test_flags_add_meta_and_slots(wire: Wire, dim: int) -> None:
    wire.ok("/v1/memory/write", _graph(dim))
    body = wire.ok(
        "/v1/memory/recall",
        {"query_embedding": basis(dim, (0, 1.0)), "include_meta": True, "include_slots": True},
    )
    topic = next(n for n in body["subgraph"]["nodes"] if n["type"] == "topic")
    assert topic["slots"] == {"k": "v"}
    require_keys(topic, "tier", "memory_lane", "commit_id", "created_at")
    for edge in body["subgraph"]["edges"]:
        require_keys(edge, "commit_id", "commit_uri")
    preview = wire.ok(
        "/v1/memory/recall",
        {"query_embedding": basis(dim, (0, 1.0)), "include_slots_preview": True},
    )
    topic = next(n for n in preview["subgraph"]["nodes"] if n["type"] == "topic")
    assert topic["slots_preview"] == {"k": "v"}


def test_context_text_items_and_citations(wire: Wire, dim: int) -> None:
    written = wire.ok("/v1/memory/write", _graph(dim))
    body = wire.ok("/v1/memory/recall", {"query_embedding": basis(dim, (0, 1.0))})
    text = body["context"]["text"]
    for node in written["nodes"]:
        assert f"(node:{node['id']})" in text
    assert "Topics / Concepts" in text
    assert "Entities" in text
    assert "Supporting Events / Evidence" in text
    assert "- SQLite: embedded (node:" in text
    for item in body["context"]["items"]:
        require_keys(item, "kind", "node_id", "uri", "commit_id", "tier", "salience")
    cites = {c["node_id"]: c for c in body["context"]["citations"]}
    ent = cites[node_id("ent", wire.scope)]
    require_keys(ent, "node_id", "uri", "commit_id", "commit_uri", "raw_ref", "evidence_ref")
    assert ent["raw_ref"] == "file://x"
    assert ent["commit_id"] == written["commit_id"]


async def test_recall_text_shape_and_query(client: Api, health: dict[str, Any]) -> None:
    await client(
        "memory.write",
        input_text="rt",
        memory_lane="shared",
        nodes=[{"client_id": "n", "type": "concept", "title": "vector search"}],
    )
    body = await client("memory.recall_text", query_text="vector search")
    require_keys(body, "scope", "tenant_id", "seeds", "subgraph", "ranked", "context", "query")
    assert body["query"]["text"] == "vector search"
    assert body["query"]["embedding_provider"] == health["embedding"]["provider"]
    assert [s["id"] for s in body["seeds"]] == [node_id("n", client.scope)]


def _many(wire: Wire, n: int) -> None:
    wire.write(
        [{"client_id": f"n{i}", "type": "concept", "title": f"preset node {i}"} for i in range(n)],
        memory_lane="shared",
    )


@pytest.mark.parametrize(
    ("knobs", "expected"),
    [
        ({}, 24),
        ({"recall_strategy": "local"}, 16),
        ({"recall_strategy": "balanced"}, 24),
        ({"recall_strategy": "global"}, 30),
        ({"recall_mode": "dense_edge"}, 30),
        ({"recall_strategy": "local", "max_nodes": 200}, 24),
        ({"recall_strategy": "global", "neighborhood_hops": 1}, 24),
        ({"recall_strategy": "local", "limit": 5}, 5),
    ],
)
def test_presets_and_explicit_knob_precedence(
    wire: Wire, knobs: dict[str, Any], expected: int
) -> None:
    _many(wire, 32)
    body = wire.ok(RT, {"query_text": "preset node", **knobs})
    assert len(body["seeds"]) == expected


def test_seed_eligibility(wire: Wire, dim: int) -> None:
    v = basis(dim, (0, 1.0))
    nodes: list[dict[str, Any]] = [
        {"client_id": "hot", "type": "event", "embedding": v},
        {"client_id": "warm", "type": "event", "tier": "warm", "embedding": v},
        {"client_id": "cold", "type": "event", "tier": "cold", "embedding": v},
        {"client_id": "archive", "type": "event", "tier": "archive", "embedding": v},
        {"client_id": "evidence", "type": "evidence", "embedding": v},
        {"client_id": "self", "type": "self_model", "embedding": v},
        {"client_id": "concept", "type": "concept", "embedding": v},
        {
            "client_id": "topic_on",
            "type": "topic",
            "embedding": v,
            "slots": {"topic_state": "active"},
        },
        {
            "client_id": "topic_off",
            "type": "topic",
            "embedding": v,
            "slots": {"topic_state": "archived"},
        },
        {"client_id": "draft_rule", "type": "rule", "embedding": v},
    ]
    wire.write(nodes, memory_lane="shared")
    body = wire.ok("/v1/memory/recall", {"query_embedding": v})
    got = {s["id"] for s in body["seeds"]}
    expected = {node_id(c, wire.scope) for c in ("hot", "warm", "concept", "topic_on")}
    assert got == expected


def test_active_rule_is_a_seed(wire: Wire, dim: int) -> None:
    v = basis(dim, (0, 1.0))
    written = wire.write([{"client_id": "r", "type": "rule", "embedding": v}], memory_lane="shared")
    rid = written["nodes"][0]["id"]
    assert wire.ok("/v1/memory/recall", {"query_embedding": v})["seeds"] == []
    wire.ok("/v1/memory/rules/state", {"rule_node_id": rid, "state": "shadow", "input_text": "s"})
    body = wire.ok("/v1/memory/recall", {"query_embedding": v})
    assert [s["id"] for s in body["seeds"]] == [rid]
    assert "Applicable Rules" in body["context"]["text"]


@pytest.mark.auth_off
def test_invisible_neighbours_are_not_expanded(wire: Wire, dim: int) -> None:
    wire.write(
        [
            {
                "client_id": "pub",
                "type": "entity",
                "embedding": basis(dim, (0, 1.0)),
                "memory_lane": "shared",
            },
            {
                "client_id": "priv",
                "type": "entity",
                "embedding": basis(dim, (1, 1.0)),
                "owner_agent_id": "alice",
            },
        ],
        edges=[
            {
                "type": "related_to",
                "src": {"client_id": "pub"},
                "dst": {"client_id": "priv"},
                "weight": 0.9,
                "confidence": 0.9,
            }
        ],
    )
    body = wire.ok("/v1/memory/recall", {"query_embedding": basis(dim, (0, 1.0))})
    assert [r["id"] for r in body["ranked"]] == [node_id("pub", wire.scope)]
    assert body["subgraph"]["edges"] == []
    seen = wire.ok(
        "/v1/memory/recall", {"query_embedding": basis(dim, (0, 1.0)), "consumer_agent_id": "alice"}
    )
    assert len(seen["ranked"]) == 2


def test_rules_context_adds_rules(wire: Wire) -> None:
    body = wire.ok(RT, {"query_text": "anything", "rules_context": {"intent": "x"}})
    require_keys(body["rules"], "considered", "matched", "active", "applied")
    assert "rules" not in wire.ok(RT, {"query_text": "anything"})


@pytest.mark.parametrize(
    "extra",
    [
        {"limit": 0},
        {"limit": 201},
        {"neighborhood_hops": 3},
        {"max_nodes": 201},
        {"max_edges": 101},
        {"ranked_limit": 501},
        {"min_edge_weight": 1.5},
        {"slots_preview_keys": 51},
        {"context_token_budget": 256001},
        {"context_char_budget": 1_000_001},
        {"context_compaction_profile": "extreme"},
        {"recall_strategy": "wide"},
        {"memory_layer_preference": {"allowed_layers": ["L0"], "extra": 1}},
        {"memory_layer_preference": {"allowed_layers": ["L9"]}},
        {"memory_layer_preference": {"allowed_layers": []}},
        {"query_text": ""},
    ],
)
def test_recall_text_validation(wire: Wire, extra: dict[str, Any]) -> None:
    wire.err(RT, {"query_text": "q", **extra}, 400, "invalid_request")


def test_budgets_and_layers_accepted(wire: Wire) -> None:
    # Compaction to the budgets is unspecified (§7.4 step 7); the knobs must be accepted.
    body = wire.ok(
        RT,
        {
            "query_text": "q",
            "context_token_budget": 100,
            "context_char_budget": 400,
            "context_compaction_profile": "aggressive",
            "memory_layer_preference": {"allowed_layers": ["L0", "L1"]},
        },
    )
    require_keys(body, "seeds", "context")


def test_recall_requires_query_embedding(wire: Wire) -> None:
    body = wire.err("/v1/memory/recall", {}, 400, "invalid_request")
    assert "query_embedding" in [i["path"] for i in body["issues"]]


def test_debug_embeddings_rules(wire: Wire, dim: int, request: pytest.FixtureRequest) -> None:
    q = basis(dim, (0, 1.0))
    wire.write([{"client_id": "d", "type": "entity", "embedding": q}], memory_lane="shared")
    wire.err(
        "/v1/memory/recall",
        {"query_embedding": q, "include_embeddings": True},
        400,
        "debug_embeddings_requires_return_debug",
    )
    wire.err(
        "/v1/memory/recall",
        {"query_embedding": q, "include_embeddings": True, "return_debug": True, "limit": 21},
        400,
        "debug_embeddings_limit_too_high",
    )
    resp = wire.post(
        "/v1/memory/recall",
        {"query_embedding": q, "include_embeddings": True, "return_debug": True, "limit": 20},
    )
    if resp.status_code == 400:
        assert resp.json()["error"] == "debug_embeddings_not_allowed"
        assert not request.config.getoption("--admin-token"), "a valid admin token unlocks it"
        return
    assert resp.status_code == 200, resp.text
    previews = resp.json()["debug"]["embeddings"]
    assert 1 <= len(previews) <= 5
    for preview in previews:
        values = list(preview.values()) if isinstance(preview, dict) else []
        assert any(isinstance(v, list) and len(v) == 16 for v in values), preview
        assert any(isinstance(v, str) and SHA_RE.match(v) for v in values), preview


def test_optional_recall_text_knobs_are_accepted(wire: Wire) -> None:
    body = wire.ok(
        RT,
        {
            "query_text": "q",
            "recall_class_aware": True,
            "rules_context": {},
            "rules_include_shadow": True,
            "rules_limit": 5,
            "return_debug": True,
        },
    )
    require_keys(body, "seeds", "rules")
    assert body["rules"]["considered"] == 0
