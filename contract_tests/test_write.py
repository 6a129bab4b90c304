"""§7.3 POST /v1/memory/write: response shape, normalisation, and every /write error code."""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests._support import (
    Api,
    Wire,
    assert_envelope,
    issue_paths,
    node_id,
    require_keys,
)

W = "/v1/memory/write"
A = {"client_id": "a", "type": "event"}
B = {"client_id": "b", "type": "entity"}


async def test_write_response_shape(client: Api) -> None:
    written = await client(
        "memory.write",
        input_text="shape",
        nodes=[A, B],
        edges=[{"type": "related_to", "src": {"client_id": "a"}, "dst": {"client_id": "b"}}],
    )
    require_keys(
        written, "tenant_id", "scope", "commit_id", "commit_uri", "commit_hash", "nodes", "edges"
    )
    assert written["scope"] == client.scope
    assert written["tenant_id"] == "default"
    for node, sent in zip(written["nodes"], [A, B], strict=True):
        require_keys(node, "id", "uri", "type")
        assert node["client_id"] == sent["client_id"]
        assert node["type"] == sent["type"]
        assert node["uri"] == f"aionis://default/{client.scope}/{sent['type']}/{node['id']}"
    [edge] = written["edges"]
    require_keys(edge, "id", "uri", "type", "src_id", "dst_id")
    assert edge["src_id"] == node_id("a", client.scope)
    assert edge["dst_id"] == node_id("b", client.scope)
    assert edge["uri"].endswith("/edge/" + edge["id"])


def test_write_without_nodes_warns(wire: Wire) -> None:
    body = wire.ok(W, {"input_text": "nothing"})
    assert body["nodes"] == []
    assert body["edges"] == []
    assert "write_no_nodes" in [w["code"] for w in body.get("warnings", [])]


def test_ignored_knobs_are_accepted(wire: Wire) -> None:
    wire.ok(
        W,
        {
            "input_text": "knobs",
            "force_reembed": True,
            "trigger_topic_cluster": True,
            "topic_cluster_async": False,
            "distill": {"enabled": True},
            "nodes": [A],
        },
    )


def test_text_is_normalised_and_truncated(wire: Wire) -> None:
    long = "word " * 2000
    wire.write(
        [
            {
                "client_id": "n",
                "type": "event",
                "title": "  many \t\n spaces  ",
                "text_summary": long,
            }
        ],
        memory_lane="shared",
    )
    [node] = wire.find()["nodes"]
    assert node["title"] == "many spaces"
    assert len(node["text_summary"]) == 8000
    assert node["text_summary"].endswith("…")
    assert node["text_summary"][:7999] == long.strip()[:7999]


def test_defaults_of_a_stored_node(wire: Wire) -> None:
    wire.write([A], memory_lane="shared", auto_embed=False)
    [node] = wire.find(include_meta=True, include_slots=True)["nodes"]
    assert node["tier"] == "hot"
    assert node["slots"] == {}
    assert node["salience"] == node["importance"] == node["confidence"] == 0.5
    assert node["last_activated"] is None
    assert node["updated_at"] == node["created_at"]


def test_missing_input_is_invalid_request_at_root(wire: Wire) -> None:
    body = wire.err(W, {"nodes": [A]}, 400, "invalid_request")
    assert "" in issue_paths(body)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"input_sha256": "ABC"}, "input_sha256"),
        ({"input_text": "x", "nodes": [{"client_id": "a"}]}, "nodes.0.type"),
        ({"input_text": "x", "nodes": [A, {"type": "widget"}]}, "nodes.1.type"),
        ({"input_text": "x", "nodes": [{"type": "event", "salience": 1.5}]}, "nodes.0.salience"),
        ({"input_text": "x", "nodes": [{"type": "event", "tier": "lukewarm"}]}, "nodes.0.tier"),
        ({"input_text": "x", "nodes": [{"type": "event", "slots": [1]}]}, "nodes.0.slots"),
        ({"input_text": "x", "nodes": [{"type": "event", "id": "not-a-uuid"}]}, "nodes.0.id"),
        ({"input_text": "x", "memory_lane": "public"}, "memory_lane"),
        (
            {
                "input_text": "x",
                "nodes": [A, B],
                "edges": [{"type": "likes", "src": {"client_id": "a"}, "dst": {"client_id": "b"}}],
            },
            "edges.0.type",
        ),
        (
            {
                "input_text": "x",
                "nodes": [A, B],
                "edges": [
                    {
                        "type": "part_of",
                        "src": {"client_id": "a"},
                        "dst": {"client_id": "b"},
                        "weight": 2,
                    }
                ],
            },
            "edges.0.weight",
        ),
        ({"input_text": "x", "parent_commit_id": "nope"}, "parent_commit_id"),
    ],
)
def test_schema_violations(wire: Wire, body: dict[str, Any], path: str) -> None:
    err = wire.err(W, body, 400, "invalid_request")
    assert any(p == path or p.startswith(path + ".") for p in issue_paths(err)), err["issues"]


def test_edge_without_endpoint_is_invalid_request(wire: Wire) -> None:
    err = wire.err(
        W,
        {
            "input_text": "x",
            "nodes": [A],
            "edges": [{"type": "part_of", "src": {"client_id": "a"}, "dst": {}}],
        },
        400,
        "invalid_request",
    )
    assert any(p.startswith("edges.0") for p in issue_paths(err))


def test_duplicate_client_id_in_batch(wire: Wire) -> None:
    err = wire.err(
        W,
        {"input_text": "x", "nodes": [A, B, {"client_id": "a", "type": "topic"}]},
        400,
        "duplicate_client_id_in_batch",
    )
    assert {0, 2} <= set(_ints(err["details"]))


def test_duplicate_node_id_in_batch(wire: Wire) -> None:
    nid = node_id("zz", wire.scope)
    err = wire.err(
        W,
        {"input_text": "x", "nodes": [{"id": nid, "type": "event"}, {"id": nid, "type": "event"}]},
        400,
        "duplicate_node_id_in_batch",
    )
    assert {0, 1} <= set(_ints(err["details"]))


def _ints(obj: Any) -> list[int]:
    if isinstance(obj, bool):
        return []
    if isinstance(obj, int):
        return [obj]
    if isinstance(obj, dict):
        return [i for v in obj.values() for i in _ints(v)]
    if isinstance(obj, list):
        return [i for v in obj for i in _ints(v)]
    return []


def test_node_scope_must_equal_request_scope(wire: Wire) -> None:
    wire.ok(W, {"input_text": "x", "nodes": [{**A, "scope": wire.scope}]})
    wire.err(
        W,
        {"input_text": "x", "nodes": [{**B, "scope": "elsewhere"}]},
        400,
        "cross_scope_node_not_allowed",
    )


def test_edge_scope_must_equal_request_scope(wire: Wire) -> None:
    edge = {
        "type": "part_of",
        "src": {"client_id": "a"},
        "dst": {"client_id": "b"},
        "scope": "elsewhere",
    }
    wire.err(
        W,
        {"input_text": "x", "nodes": [A, B], "edges": [edge]},
        400,
        "cross_scope_edge_not_allowed",
    )


@pytest.mark.parametrize(
    "dst",
    [{"client_id": "missing"}, {"id": "3c3c3c3c-0000-4000-8000-000000000001"}],
)
def test_edge_endpoint_not_found(wire: Wire, dst: dict[str, str]) -> None:
    edge = {"type": "part_of", "src": {"client_id": "a"}, "dst": dst}
    wire.err(W, {"input_text": "x", "nodes": [A], "edges": [edge]}, 400, "edge_endpoint_not_found")


def test_edge_client_id_endpoint_must_be_in_the_batch(wire: Wire) -> None:
    wire.write([B])
    edge = {"type": "part_of", "src": {"client_id": "a"}, "dst": {"client_id": "b"}}
    wire.err(W, {"input_text": "x", "nodes": [A], "edges": [edge]}, 400, "edge_endpoint_not_found")


def test_edge_id_endpoint_may_name_an_existing_node(wire: Wire) -> None:
    wire.write([B])
    edge = {"type": "part_of", "src": {"client_id": "a"}, "dst": {"id": node_id("b", wire.scope)}}
    body = wire.ok(W, {"input_text": "x", "nodes": [A], "edges": [edge]})
    assert body["edges"][0]["dst_id"] == node_id("b", wire.scope)


def test_edge_id_endpoint_in_another_scope_is_not_found(wire: Wire) -> None:
    other = wire.with_scope(wire.scope + "-o")
    foreign = other.write([B])["nodes"][0]["id"]
    edge = {"type": "part_of", "src": {"client_id": "a"}, "dst": {"id": foreign}}
    wire.err(W, {"input_text": "x", "nodes": [A], "edges": [edge]}, 400, "edge_endpoint_not_found")


@pytest.mark.parametrize(
    "body",
    [
        {"input_text": "  \n\t "},
        {"input_text": "x", "nodes": [{"client_id": "   ", "type": "event"}]},
    ],
)
def test_empty_after_normalization(wire: Wire, body: dict[str, Any]) -> None:
    wire.err(W, body, 400, "empty_after_normalization")


@pytest.mark.parametrize(
    "slots",
    [
        {"rule_scope": "agent"},
        {"rule_scope": "TEAM"},
        {"rule_scope": "team", "target_agent_id": "a1"},
    ],
)
def test_invalid_rule_scope_target_at_write(wire: Wire, slots: dict[str, Any]) -> None:
    node = {"client_id": "r", "type": "rule", "memory_lane": "shared", "slots": slots}
    wire.err(W, {"input_text": "x", "nodes": [node]}, 400, "invalid_rule_scope_target")


def test_failed_write_stores_nothing(wire: Wire) -> None:
    body = {
        "input_text": "atomic",
        "memory_lane": "shared",
        "nodes": [A, B],
        "edges": [{"type": "part_of", "src": {"client_id": "a"}, "dst": {"client_id": "nowhere"}}],
    }
    assert_envelope(wire.post(W, body), 400, "edge_endpoint_not_found")
    assert wire.find()["nodes"] == []
    exported = wire.ok("/v1/memory/packs/export", {})
    assert exported["pack"]["commits"] == []


async def test_sdk_write_error_is_typed(client: Api) -> None:
    exc = await client.error(
        "memory.write",
        400,
        "edge_endpoint_not_found",
        input_text="x",
        nodes=[A],
        edges=[{"type": "part_of", "src": {"client_id": "a"}, "dst": {"client_id": "zz"}}],
    )
    assert exc.details["contract"] == "error_v1"
