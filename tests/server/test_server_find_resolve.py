"""POST /v1/memory/find and /v1/memory/resolve."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from server_support import LOCAL, VECTOR_WRITE, error_code, live_client


@pytest.fixture(scope="module")
def env() -> Iterator[tuple[httpx.Client, dict[str, Any]]]:
    with live_client() as c:
        w = c.post("/v1/memory/write", json=VECTOR_WRITE).json()
        nodes = [
            {
                "client_id": f"n{i}",
                "type": "concept",
                "title": f"Item {i}",
                "memory_lane": "shared",
                "slots": {
                    "k": i,
                    "flag": i % 2 == 0,
                    "tags": ["a", "b", str(i)],
                    "nested": {"x": {"y": i}},
                },
            }
            for i in range(5)
        ]
        c.post("/v1/memory/write", json={"input_text": "batch", "nodes": nodes})
        yield c, w


def find(c: httpx.Client, **body: Any) -> dict[str, Any]:
    r = c.post("/v1/memory/find", json=body)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def test_private_nodes_need_consumer(env: tuple[httpx.Client, dict[str, Any]]) -> None:
    c, _ = env
    assert find(c, type="event")["nodes"] == []
    assert len(find(c, type="event", **LOCAL)["nodes"]) == 1


def test_paging_newest_first(env: tuple[httpx.Client, dict[str, Any]]) -> None:
    c, _ = env
    page1 = find(c, type="concept", limit=2)
    page3 = find(c, type="concept", limit=2, offset=4)
    assert page1["page"] == {"limit": 2, "offset": 0, "returned": 2, "has_more": True}
    assert page3["page"]["has_more"] is False
    ids = [n["id"] for n in find(c, type="concept", limit=10)["nodes"]]
    assert ids == sorted(ids, reverse=True)  # same created_at: id desc
    assert page1["find_summary"]["type_counts"] == {"concept": 2}


@pytest.mark.parametrize(
    ("pattern", "count"),
    [
        ({"k": 1}, 1),
        ({"k": True}, 0),
        ({"flag": True}, 3),
        ({"flag": 1}, 0),
        ({"tags": ["a"]}, 5),
        ({"tags": ["b"]}, 0),
        ({"tags": ["a", "b", "3"]}, 1),
        ({"nested": {"x": {"y": 4}}}, 1),
        ({"missing": None}, 0),
        ({}, 5),
    ],
)
def test_slots_contains(
    env: tuple[httpx.Client, dict[str, Any]], pattern: dict[str, Any], count: int
) -> None:
    c, _ = env
    assert len(find(c, type="concept", slots_contains=pattern)["nodes"]) == count


def test_text_filters_and_slot_views(env: tuple[httpx.Client, dict[str, Any]]) -> None:
    c, _ = env
    assert len(find(c, title_contains="ITEM 3")["nodes"]) == 1
    node = find(c, client_id="n1", include_slots_preview=True, slots_preview_keys=2)["nodes"][0]
    assert list(node["slots_preview"]) == ["flag", "k"]
    full = find(c, client_id="n1", include_slots=True, include_meta=True)["nodes"][0]
    assert full["slots"]["k"] == 1
    assert full["memory_lane"] == "shared"


def test_find_by_uri_and_conflicts(env: tuple[httpx.Client, dict[str, Any]]) -> None:
    c, w = env
    uri = w["nodes"][0]["uri"]
    result = find(c, uri=uri, **LOCAL)
    assert result["filters"]["id"] == w["nodes"][0]["id"]
    assert result["filters"]["type"] == "event"
    assert len(result["nodes"]) == 1
    r = c.post("/v1/memory/find", json={"uri": uri, "type": "entity"})
    assert error_code(r) == "conflicting_filters"
    r = c.post("/v1/memory/find", json={"uri": w["commit_uri"]})
    assert error_code(r) == "invalid_aionis_uri_type_for_endpoint"
    r = c.post("/v1/memory/find", json={"uri": "aionis://x/y"})
    assert error_code(r) == "invalid_aionis_uri"


def test_resolve_all_kinds(env: tuple[httpx.Client, dict[str, Any]]) -> None:
    c, w = env
    node = c.post("/v1/memory/resolve", json={"uri": w["nodes"][1]["uri"], **LOCAL}).json()
    assert node["node"]["title"] == "pytest"
    assert node["type"] == "entity"
    edge = c.post("/v1/memory/resolve", json={"uri": w["edges"][0]["uri"], **LOCAL}).json()["edge"]
    assert edge["src_id"] == w["nodes"][0]["id"]
    commit = c.post("/v1/memory/resolve", json={"uri": w["commit_uri"], **LOCAL}).json()
    assert commit["commit"]["commit_hash"] == w["commit_hash"]
    assert commit["commit"]["linked_object_counts"]["nodes"] == 2
    assert commit["resolve_summary"]["related_uris"] == sorted(
        commit["resolve_summary"]["related_uris"]
    )


def test_resolve_not_found_and_visibility(env: tuple[httpx.Client, dict[str, Any]]) -> None:
    c, w = env
    cases = [
        (w["nodes"][0]["uri"], "node_not_found_in_scope_or_visibility"),
        (w["edges"][0]["uri"], "edge_not_found_in_scope"),
        (w["commit_uri"], "commit_not_found_in_scope"),
        (
            "aionis://default/default/decision/11111111-1111-4111-8111-111111111111",
            "decision_not_found_in_scope",
        ),
    ]
    for uri, code in cases:
        r = c.post("/v1/memory/resolve", json={"uri": uri})
        assert r.status_code == 404
        assert error_code(r) == code
    r = c.post("/v1/memory/resolve", json={"uri": w["commit_uri"], "scope": "other"})
    assert error_code(r) == "conflicting_filters"
    r = c.post("/v1/memory/resolve", json={"uri": "aionis://default/default/../../etc/passwd"})
    assert error_code(r) == "invalid_aionis_uri"
