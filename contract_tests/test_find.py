"""§7.5 POST /v1/memory/find: every filter, slots_contains, ordering, paging, errors."""

from __future__ import annotations

import time
from typing import Any

import pytest

from contract_tests._support import (
    Api,
    Wire,
    assert_timestamp,
    node_id,
    require_keys,
    requires_capability,
)

pytestmark = requires_capability("find")

F = "/v1/memory/find"


def _seed(wire: Wire) -> None:
    wire.write(
        [
            {
                "client_id": "e1",
                "type": "event",
                "title": "Deploy Friday",
                "text_summary": "The ROLLOUT went fine",
                "tier": "cold",
                "slots": {
                    "env": "prod",
                    "tags": ["a", "b", "c"],
                    "n": 1,
                    "flag": True,
                    "nested": {"x": {"y": 2}, "list": [{"k": 1}, {"k": 2}]},
                    "nil": None,
                },
            },
            {
                "client_id": "t1",
                "type": "topic",
                "title": "deployments",
                "slots": {"env": "staging", "tags": ["b"], "n": True},
            },
        ],
        memory_lane="shared",
        input_text="find seed 1",
    )
    time.sleep(0.01)  # distinct created_at for the newest-first checks
    wire.write(
        [
            {
                "client_id": "e2",
                "type": "event",
                "title": "later",
                "text_summary": "rollback",
                "slots": {"env": "prod", "tags": ["a"]},
            }
        ],
        memory_lane="shared",
        input_text="find seed 2",
    )


def _cids(body: dict[str, Any]) -> list[str]:
    return [n["client_id"] for n in body["nodes"]]


@pytest.mark.auth_off
async def test_find_response_shape(client: Api) -> None:
    await client(
        "memory.write",
        input_text="f",
        memory_lane="shared",
        nodes=[{"client_id": "n", "type": "event", "title": "t"}],
    )
    body = await client("memory.find", type="event")
    require_keys(body, "tenant_id", "scope", "mode", "filters", "nodes", "page")
    assert body["mode"] == "find"
    filters = body["filters"]
    for key in (
        "uri",
        "id",
        "client_id",
        "title_contains",
        "text_contains",
        "memory_lane",
        "slots_contains",
        "consumer_agent_id",
        "consumer_team_id",
    ):
        assert filters[key] is None, key
    assert filters["type"] == "event"
    [node] = body["nodes"]
    require_keys(node, "uri", "id", "client_id", "type", "title", "text_summary")
    assert "slots" not in node
    assert "tier" not in node
    assert body["page"] == {"limit": 20, "offset": 0, "returned": 1, "has_more": False}


def test_newest_first_every_tier(wire: Wire) -> None:
    _seed(wire)
    assert _cids(wire.find())[0] == "e2"
    assert set(_cids(wire.find())) == {"e1", "e2", "t1"}
    assert "e1" in _cids(wire.find(type="event")), "cold nodes are found (every tier)"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"type": "topic"}, {"t1"}),
        ({"client_id": "e1"}, {"e1"}),
        ({"title_contains": "DEPLOY"}, {"e1", "t1"}),
        ({"text_contains": "rollout"}, {"e1"}),
        ({"text_contains": "roll"}, {"e1", "e2"}),
        ({"memory_lane": "shared"}, {"e1", "e2", "t1"}),
        ({"memory_lane": "private"}, set()),
        ({"type": "event", "text_contains": "roll", "title_contains": "later"}, {"e2"}),
    ],
)
def test_filters(wire: Wire, filters: dict[str, Any], expected: set[str]) -> None:
    _seed(wire)
    assert set(_cids(wire.find(**filters))) == expected


def test_id_filter(wire: Wire) -> None:
    _seed(wire)
    body = wire.find(id=node_id("t1", wire.scope))
    assert _cids(body) == ["t1"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"env": "prod"}, {"e1", "e2"}),
        ({"tags": ["a"]}, {"e1", "e2"}),
        ({"tags": ["a", "b"]}, {"e1"}),
        ({"tags": ["b"]}, {"t1"}),
        ({"tags": ["b", "a"]}, set()),
        ({"n": 1}, {"e1"}),
        ({"n": True}, {"t1"}),
        ({"flag": 1}, set()),
        ({"nested": {"x": {"y": 2}}}, {"e1"}),
        ({"nested": {"x": {"y": "2"}}}, set()),
        ({"nested": {"list": [{"k": 1}]}}, {"e1"}),
        ({"nested": {"list": [{"k": 2}]}}, set()),
        ({"nil": None}, {"e1"}),
        ({"env": None}, set()),
        ({}, {"e1", "e2", "t1"}),
    ],
)
def test_slots_contains(wire: Wire, pattern: dict[str, Any], expected: set[str]) -> None:
    _seed(wire)
    assert set(_cids(wire.find(slots_contains=pattern))) == expected


def test_paging_and_has_more(wire: Wire) -> None:
    wire.write([{"client_id": f"p{i}", "type": "event"} for i in range(5)], memory_lane="shared")
    first = wire.find(limit=2)
    assert first["page"] == {"limit": 2, "offset": 0, "returned": 2, "has_more": True}
    last = wire.find(limit=2, offset=4)
    assert last["page"] == {"limit": 2, "offset": 4, "returned": 1, "has_more": False}
    exact = wire.find(limit=5)
    assert exact["page"]["has_more"] is False
    ids = [n["id"] for off in (0, 2, 4) for n in wire.find(limit=2, offset=off)["nodes"]]
    assert len(set(ids)) == 5
    assert ids == [n["id"] for n in wire.find(limit=5)["nodes"]]


def test_same_commit_ties_are_id_desc(wire: Wire) -> None:
    wire.write([{"client_id": f"t{i}", "type": "event"} for i in range(4)], memory_lane="shared")
    nodes = wire.find(include_meta=True)["nodes"]
    keys = [(n["created_at"], n["id"]) for n in nodes]
    assert keys == sorted(keys, reverse=True)


def test_node_dto_flags(wire: Wire) -> None:
    wire.write(
        [{"client_id": "s", "type": "event", "slots": {f"k{i:02d}": i for i in range(15)}}],
        memory_lane="shared",
    )
    full = wire.find(include_slots=True)["nodes"][0]
    assert len(full["slots"]) == 15
    assert "slots_preview" not in full
    preview = wire.find(include_slots_preview=True)["nodes"][0]
    assert list(preview["slots_preview"]) == [f"k{i:02d}" for i in range(10)]
    three = wire.find(include_slots_preview=True, slots_preview_keys=3)["nodes"][0]
    assert three["slots_preview"] == {"k00": 0, "k01": 1, "k02": 2}
    meta = wire.find(include_meta=True)["nodes"][0]
    require_keys(
        meta,
        "tier",
        "memory_lane",
        "producer_agent_id",
        "owner_agent_id",
        "owner_team_id",
        "embedding_status",
        "embedding_model",
        "raw_ref",
        "evidence_ref",
        "created_at",
        "updated_at",
        "last_activated",
        "salience",
        "importance",
        "confidence",
        "commit_id",
    )
    assert "embedding" not in meta
    assert_timestamp(meta["created_at"])
    assert meta["updated_at"] == meta["created_at"]


def test_uri_filter_fills_id_and_type(wire: Wire) -> None:
    written = wire.write([{"client_id": "u", "type": "entity"}], memory_lane="shared")
    uri = written["nodes"][0]["uri"]
    body = wire.find(uri=uri)
    assert _cids(body) == ["u"]
    assert body["filters"]["id"] == written["nodes"][0]["id"]
    assert body["filters"]["type"] == "entity"
    assert body["filters"]["uri"] == uri


def test_uri_with_other_scope_and_no_explicit_scope(wire: Wire) -> None:
    other = wire.with_scope(wire.scope + "-u")
    written = other.write([{"client_id": "u", "type": "entity"}], memory_lane="shared")
    body = wire.ok(F, {"uri": written["nodes"][0]["uri"]}, fill=False)
    assert body["scope"] == other.scope
    assert _cids(body) == ["u"]


@pytest.mark.parametrize(
    "override",
    [
        {"type": "event"},
        {"id": "00000000-0000-4000-8000-000000000000"},
        {"scope": "somewhere-else"},
        pytest.param({"tenant_id": "other"}, marks=pytest.mark.auth_off),
    ],
)
def test_uri_conflicting_filters(wire: Wire, override: dict[str, Any]) -> None:
    written = wire.write([{"client_id": "u", "type": "entity"}], memory_lane="shared")
    wire.err(F, {"uri": written["nodes"][0]["uri"], **override}, 400, "conflicting_filters")


@pytest.mark.parametrize("kind", ["edge", "commit", "decision"])
def test_non_node_uri_is_wrong_type_for_find(wire: Wire, kind: str) -> None:
    uri = f"aionis://default/{wire.scope}/{kind}/00000000-0000-4000-8000-000000000000"
    wire.err(F, {"uri": uri}, 400, "invalid_aionis_uri_type_for_endpoint")


@pytest.mark.parametrize(
    "uri",
    [
        "http://default/s/event/00000000-0000-4000-8000-000000000000",
        "aionis://default/s/event",
        "aionis://default//event/00000000-0000-4000-8000-000000000000",
        "aionis://default/s/event/not-a-uuid",
        "aionis://default/s/event/00000000-0000-4000-8000-000000000000/extra",
    ],
)
def test_malformed_uri(wire: Wire, uri: str) -> None:
    wire.err(F, {"uri": uri}, 400, "invalid_aionis_uri")


@pytest.mark.parametrize(
    "extra",
    [
        {"limit": 0},
        {"limit": 201},
        {"offset": -1},
        {"offset": 200001},
        {"type": "thing"},
        {"slots_contains": [1]},
        {"memory_lane": "team"},
        {"id": "nope"},
    ],
)
def test_find_validation(wire: Wire, extra: dict[str, Any]) -> None:
    wire.err(F, extra, 400, "invalid_request")


def test_find_summary_when_present(wire: Wire) -> None:
    _seed(wire)
    body = wire.find(type="event")
    summary = body.get("find_summary")
    if summary is None:
        return  # SHOULD, not MUST
    assert summary["summary_version"] == "find_summary_v1"
    assert summary["returned_nodes"] == 2
    assert summary["type_counts"] == {"event": 2}


async def test_sdk_find_all_pages_through_everything(client: Api) -> None:
    await client(
        "memory.write",
        input_text="many",
        memory_lane="shared",
        nodes=[{"client_id": f"m{i}", "type": "event"} for i in range(7)],
    )
    nodes = await client.collect("memory.find_all", limit=3)
    assert sorted(n["client_id"] for n in nodes) == [f"m{i}" for i in range(7)]


def test_offset_past_the_end(wire: Wire) -> None:
    wire.write([{"client_id": "only", "type": "event"}], memory_lane="shared")
    body = wire.find(offset=5)
    assert body["nodes"] == []
    assert body["page"] == {"limit": 20, "offset": 5, "returned": 0, "has_more": False}
