"""§7.6 POST /v1/memory/resolve: every URI kind, visibility, 404 codes, conflicting filters."""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests._support import Api, Wire, node_id, require_keys, requires_capability

pytestmark = requires_capability("resolve")

R = "/v1/memory/resolve"
ZERO = "00000000-0000-4000-8000-000000000000"


def _graph(wire: Wire, lane: str = "shared") -> dict[str, Any]:
    return wire.write(
        [
            {"client_id": "a", "type": "event", "title": "A", "slots": {"s": 1}},
            {"client_id": "b", "type": "entity", "title": "B"},
        ],
        memory_lane=lane,
        input_text="resolve graph",
        edges=[
            {
                "type": "related_to",
                "src": {"client_id": "a"},
                "dst": {"client_id": "b"},
                "weight": 0.7,
                "confidence": 0.6,
            }
        ],
    )


async def test_resolve_node(client: Api) -> None:
    written = await client(
        "memory.write",
        input_text="r",
        memory_lane="shared",
        nodes=[{"client_id": "a", "type": "event", "title": "A", "slots": {"s": 1}}],
    )
    uri = written["nodes"][0]["uri"]
    body = await client("memory.resolve", uri=uri, include_slots=True, include_meta=True)
    require_keys(body, "tenant_id", "scope", "uri", "type", "node")
    assert body["uri"] == uri
    assert body["type"] == "event"
    assert body["node"]["id"] == written["nodes"][0]["id"]
    assert body["node"]["slots"] == {"s": 1}
    assert body["node"]["commit_id"] == written["commit_id"]


def test_resolve_edge(wire: Wire) -> None:
    written = _graph(wire)
    edge = written["edges"][0]
    body = wire.ok(R, {"uri": edge["uri"]})
    assert body["type"] == "edge"
    e = body["edge"]
    require_keys(
        e,
        "id",
        "uri",
        "type",
        "src_id",
        "src_uri",
        "dst_id",
        "dst_uri",
        "weight",
        "confidence",
        "decay_rate",
        "last_activated",
        "created_at",
        "commit_id",
        "commit_uri",
    )
    assert e["src_id"] == node_id("a", wire.scope)
    assert e["dst_uri"] == written["nodes"][1]["uri"]
    assert (e["weight"], e["confidence"], e["decay_rate"]) == (0.7, 0.6, 0.01)
    assert e["commit_id"] == written["commit_id"]


def test_resolve_commit_with_linked_counts(wire: Wire) -> None:
    written = _graph(wire)
    body = wire.ok(R, {"uri": written["commit_uri"]})
    assert body["type"] == "commit"
    c = body["commit"]
    require_keys(
        c,
        "id",
        "uri",
        "parent_id",
        "parent_uri",
        "input_sha256",
        "diff_json",
        "actor",
        "model_version",
        "prompt_version",
        "commit_hash",
        "created_at",
        "linked_object_counts",
    )
    assert c["id"] == written["commit_id"]
    assert c["commit_hash"] == written["commit_hash"]
    assert c["linked_object_counts"] == {"nodes": 2, "edges": 1, "decisions": 0, "total": 3}


def test_resolve_decision(wire: Wire) -> None:
    sel = wire.ok(
        "/v1/memory/tools/select", {"context": {}, "candidates": ["a", "b"], "run_id": "r1"}
    )
    uri = sel["decision"]["decision_uri"]
    body = wire.ok(R, {"uri": uri})
    assert body["type"] == "decision"
    assert body["decision"]["decision_id"] == sel["decision"]["decision_id"]
    assert body["decision"]["selected_tool"] == "a"


@pytest.mark.auth_off
def test_decision_visible_only_with_its_source_rules(wire: Wire) -> None:
    written = wire.write(
        [
            {
                "client_id": "pr",
                "type": "rule",
                "owner_agent_id": "alice",
                "slots": {"then": {"tool": {"prefer": ["b"]}}},
            }
        ],
        input_text="private rule",
    )
    rid = written["nodes"][0]["id"]
    wire.ok(
        "/v1/memory/rules/state",
        {"rule_node_id": rid, "state": "active", "input_text": "on", "actor": "alice"},
    )
    sel = wire.ok(
        "/v1/memory/tools/select", {"context": {"agent": {"id": "alice"}}, "candidates": ["a", "b"]}
    )
    assert sel["decision"]["source_rule_ids"] == [rid]
    uri = sel["decision"]["decision_uri"]
    wire.err(R, {"uri": uri}, 404, "decision_not_found_in_scope")
    body = wire.ok(R, {"uri": uri, "consumer_agent_id": "alice"})
    assert body["decision"]["selected_tool"] == "b"


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("event", "node_not_found_in_scope_or_visibility"),
        ("edge", "edge_not_found_in_scope"),
        ("commit", "commit_not_found_in_scope"),
        ("decision", "decision_not_found_in_scope"),
    ],
)
def test_unknown_ids_are_404(wire: Wire, kind: str, code: str) -> None:
    wire.err(R, {"uri": f"aionis://default/{wire.scope}/{kind}/{ZERO}"}, 404, code)


@pytest.mark.auth_off
def test_private_objects_need_the_owner(wire: Wire) -> None:
    written = _graph(wire, lane="private")
    for uri, code in [
        (written["nodes"][0]["uri"], "node_not_found_in_scope_or_visibility"),
        (written["edges"][0]["uri"], "edge_not_found_in_scope"),
        (written["commit_uri"], "commit_not_found_in_scope"),
    ]:
        wire.err(R, {"uri": uri}, 404, code)
        wire.err(R, {"uri": uri, "consumer_agent_id": "someone-else"}, 404, code)


@pytest.mark.auth_off
def test_private_objects_resolve_for_the_owner(wire: Wire, local_id: str) -> None:
    written = _graph(wire, lane="private")
    for uri in (written["nodes"][0]["uri"], written["edges"][0]["uri"], written["commit_uri"]):
        wire.ok(R, {"uri": uri, "consumer_agent_id": local_id})


def test_tenant_and_scope_come_from_the_uri(wire: Wire) -> None:
    written = _graph(wire)
    body = wire.ok(R, {"uri": written["nodes"][1]["uri"]}, fill=False)
    assert body["scope"] == wire.scope
    assert body["tenant_id"] == "default"


@pytest.mark.parametrize(
    "override",
    [{"scope": "elsewhere"}, pytest.param({"tenant_id": "acme"}, marks=pytest.mark.auth_off)],
)
def test_conflicting_filters(wire: Wire, override: dict[str, str]) -> None:
    written = _graph(wire)
    wire.err(R, {"uri": written["nodes"][0]["uri"], **override}, 400, "conflicting_filters")


@pytest.mark.parametrize(
    "uri",
    [
        "",
        "aionis://default/s/event",
        "aionis://x/y/z/w/v",
        "nope://a/b/event/" + ZERO,
        "aionis://default/s/widget/" + ZERO,
        "aionis://default/s/event/123",
    ],
)
def test_invalid_uris(wire: Wire, uri: str) -> None:
    resp = wire.post(R, {"uri": uri}, fill=False)
    assert resp.status_code == 400
    assert resp.json()["error"] in ("invalid_aionis_uri", "invalid_request")


def test_uri_segments_are_percent_encoded(wire: Wire) -> None:
    scope = wire.scope + " spaced/ü"
    sw = wire.with_scope(scope)
    written = sw.write([{"client_id": "p", "type": "event"}], memory_lane="shared")
    uri = written["nodes"][0]["uri"]
    assert " " not in uri
    assert "%20" in uri
    assert "%2F" in uri.upper()
    body = wire.ok(R, {"uri": uri}, fill=False)
    assert body["scope"] == scope


def test_resolve_summary_when_present(wire: Wire) -> None:
    written = _graph(wire)
    body = wire.ok(R, {"uri": written["edges"][0]["uri"]})
    summary = body.get("resolve_summary")
    if summary is None:
        return
    assert summary["summary_version"] == "resolve_summary_v1"
    assert summary["resolved_type"] == "edge"
    assert summary["related_uris"] == sorted(summary["related_uris"])
