"""§5.8 immutability and idempotency: replays, rewrites, edge upserts, stored edge ids."""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests._support import Api, Wire, node_id

NODE = {
    "client_id": "n",
    "type": "event",
    "title": "first title",
    "text_summary": "first",
    "slots": {"v": 1},
}


def _export(wire: Wire) -> dict[str, Any]:
    pack: dict[str, Any] = wire.ok("/v1/memory/packs/export", {})["pack"]
    return pack


async def test_identical_replay_changes_nothing(client: Api) -> None:
    body: dict[str, Any] = {
        "input_text": "replay me",
        "memory_lane": "shared",
        "nodes": [NODE, {"client_id": "m", "type": "topic", "title": "t"}],
        "edges": [{"type": "part_of", "src": {"client_id": "n"}, "dst": {"client_id": "m"}}],
    }
    first = await client("memory.write", **body)
    second = await client("memory.write", **body)
    for key in ("commit_id", "commit_hash", "nodes", "edges"):
        assert first[key] == second[key], key
    found = await client("memory.find")
    assert len(found["nodes"]) == 2


def test_replay_adds_no_commit_node_or_edge(wire: Wire) -> None:
    body = {
        "input_text": "replay",
        "nodes": [NODE, {"client_id": "m", "type": "topic"}],
        "edges": [{"type": "part_of", "src": {"client_id": "n"}, "dst": {"client_id": "m"}}],
    }
    wire.ok("/v1/memory/write", body)
    before = _export(wire)
    wire.ok("/v1/memory/write", body)
    after = _export(wire)
    assert after == before


@pytest.mark.auth_off
def test_rewrite_with_different_content_keeps_the_stored_node(wire: Wire) -> None:
    first = wire.write([NODE], memory_lane="shared", input_text="v1")
    second = wire.write(
        [
            {
                **NODE,
                "title": "second title",
                "text_summary": "second",
                "slots": {"v": 2},
                "memory_lane": "private",
                "owner_agent_id": "mallory",
                "salience": 0.9,
            }
        ],
        input_text="v2",
    )
    assert second["commit_id"] != first["commit_id"], "a new input gives a new commit"
    assert second["nodes"][0]["id"] == first["nodes"][0]["id"]
    [node] = wire.find(include_meta=True, include_slots=True)["nodes"]
    assert node["title"] == "first title"
    assert node["text_summary"] == "first"
    assert node["slots"] == {"v": 1}
    assert node["memory_lane"] == "shared"
    assert node["owner_agent_id"] != "mallory"
    assert node["salience"] == 0.5
    assert node["commit_id"] == first["commit_id"]


def test_edge_upsert_keeps_id_and_takes_max(wire: Wire) -> None:
    nodes = [{"client_id": "a", "type": "event"}, {"client_id": "b", "type": "event"}]
    edge = {"type": "related_to", "src": {"client_id": "a"}, "dst": {"client_id": "b"}}
    first = wire.write(
        nodes,
        input_text="edge one",
        memory_lane="shared",
        edges=[{**edge, "weight": 0.3, "confidence": 0.9}],
    )
    second = wire.write(
        nodes,
        input_text="edge two",
        memory_lane="shared",
        edges=[{**edge, "weight": 0.8, "confidence": 0.2}],
    )
    stored_id = first["edges"][0]["id"]
    assert second["edges"][0]["id"] == stored_id, "the write reports the stored edge id"
    [row] = _export(wire)["edges"]
    assert row["id"] == stored_id
    assert row["weight"] == 0.8
    assert row["confidence"] == 0.9
    assert row["commit_id"] == second["commit_id"]
    resolved = wire.ok("/v1/memory/resolve", {"uri": first["edges"][0]["uri"]})
    assert resolved["edge"]["weight"] == 0.8
    assert resolved["edge"]["confidence"] == 0.9


def test_edge_upsert_by_id_endpoints_across_writes(wire: Wire) -> None:
    written = wire.write(
        [{"client_id": "a", "type": "event"}, {"client_id": "b", "type": "event"}],
        memory_lane="shared",
    )
    a, b = node_id("a", wire.scope), node_id("b", wire.scope)
    assert [n["id"] for n in written["nodes"]] == [a, b]
    one = wire.write(
        [],
        input_text="link 1",
        edges=[{"type": "derived_from", "src": {"id": a}, "dst": {"id": b}, "weight": 0.6}],
    )
    two = wire.write(
        [],
        input_text="link 2",
        edges=[{"type": "derived_from", "src": {"id": a}, "dst": {"id": b}, "weight": 0.1}],
    )
    assert one["edges"][0]["id"] == two["edges"][0]["id"]
    [row] = _export(wire)["edges"]
    assert row["weight"] == 0.6
    assert row["decay_rate"] == 0.01


def test_rule_definition_is_fixed_at_first_write(wire: Wire) -> None:
    rule = {
        "client_id": "r",
        "type": "rule",
        "memory_lane": "shared",
        "slots": {"then": {"tool": {"prefer": ["first"]}}},
    }
    written = wire.write([rule], input_text="rule v1")
    wire.write(
        [{**rule, "slots": {"then": {"tool": {"prefer": ["second"]}}}}], input_text="rule v2"
    )
    rid = written["nodes"][0]["id"]
    wire.ok("/v1/memory/rules/state", {"rule_node_id": rid, "state": "active", "input_text": "on"})
    evaluated = wire.ok("/v1/memory/rules/evaluate", {"context": {}})
    assert evaluated["applied"]["policy"]["tool"]["prefer"] == ["first"]
