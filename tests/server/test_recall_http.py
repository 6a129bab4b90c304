"""recall and recall_text over real HTTP, on a server in a background thread (§7.4)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from aionis_server.testing import serve_in_thread

DIM = 64


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with (
        serve_in_thread(embedding_dim=DIM, admin_token="adm") as base_url,
        httpx.Client(base_url=base_url, timeout=30.0) as http,
    ):
        yield http


def _write(client: httpx.Client, body: dict) -> dict:
    res = client.post("/v1/memory/write", json=body)
    assert res.status_code == 200, res.text
    return res.json()


def test_write_then_recall_text_round_trip_and_lane_trap(client: httpx.Client) -> None:
    written = _write(
        client,
        {
            "input_text": "User prefers pytest over unittest for python projects",
            "scope": "http-recall",
            "nodes": [
                {
                    "client_id": "evt",
                    "type": "event",
                    "text_summary": "User prefers pytest for python tests",
                },
                {
                    "client_id": "ent",
                    "type": "entity",
                    "title": "pytest",
                    "text_summary": "python test runner",
                },
                {
                    "client_id": "far",
                    "type": "event",
                    "text_summary": "Bananas ripen in a warm kitchen",
                },
            ],
            "edges": [
                {"type": "related_to", "src": {"client_id": "evt"}, "dst": {"client_id": "ent"}}
            ],
        },
    )
    ids = {n["client_id"]: n["id"] for n in written["nodes"]}
    body = {"scope": "http-recall", "query_text": "which python test runner does the user prefer?"}
    plain = client.post("/v1/memory/recall_text", json=body)
    assert plain.status_code == 200
    assert plain.json()["seeds"] == []  # private writes need the consumer (§4.5)
    res = client.post("/v1/memory/recall_text", json={**body, "consumer_agent_id": "local-user"})
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["query"]["embedding_provider"] == "deterministic-hash"
    seed_ids = [s["id"] for s in out["seeds"]]
    assert set(seed_ids[:2]) == {ids["evt"], ids["ent"]}
    assert seed_ids[-1] == ids["far"]
    assert out["subgraph"]["edges"][0]["from_id"] == ids["evt"]
    assert f"(node:{ids['ent']})" in out["context"]["text"]
    assert {"tenant_id", "scope", "seeds", "subgraph", "ranked", "context", "query"} <= set(out)


def test_recall_by_vector_and_dimension_error(client: httpx.Client) -> None:
    vec = [0.0] * DIM
    vec[3] = 1.0
    _write(
        client,
        {
            "input_text": "vector node",
            "scope": "http-vec",
            "memory_lane": "shared",
            "nodes": [
                {"client_id": "v", "type": "concept", "title": "axis three", "embedding": vec}
            ],
        },
    )
    ok = client.post("/v1/memory/recall", json={"scope": "http-vec", "query_embedding": vec})
    assert ok.status_code == 200, ok.text
    assert ok.json()["seeds"][0]["similarity"] == pytest.approx(1.0)
    bad = client.post(
        "/v1/memory/recall", json={"scope": "http-vec", "query_embedding": [1.0, 2.0]}
    )
    assert bad.status_code == 400
    payload = bad.json()
    assert payload["error"] == "invalid_embedding_dimension"
    assert payload["details"] == {"contract": "error_v1", "expected": DIM, "actual": 2}


def test_debug_embeddings_needs_admin_token(client: httpx.Client) -> None:
    body = {"query_text": "x", "return_debug": True, "include_embeddings": True, "limit": 5}
    denied = client.post("/v1/memory/recall_text", json=body)
    assert denied.status_code == 400
    assert denied.json()["error"] == "debug_embeddings_not_allowed"
    allowed = client.post("/v1/memory/recall_text", json=body, headers={"x-admin-token": "adm"})
    assert allowed.status_code == 200
    assert "embeddings" in allowed.json()["debug"]
    needs = client.post(
        "/v1/memory/recall_text", json={"query_text": "x", "include_embeddings": True}
    )
    assert needs.json()["error"] == "debug_embeddings_requires_return_debug"


def test_validation_errors_use_error_v1(client: httpx.Client) -> None:
    res = client.post("/v1/memory/recall_text", json={"query_text": "x", "limit": 500})
    assert res.status_code == 400
    assert res.json()["issues"][0]["path"] == "limit"
    missing = client.post("/v1/memory/recall_text", json={})
    assert missing.json()["issues"][0]["path"] == "query_text"
