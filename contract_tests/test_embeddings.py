"""§6 embeddings: advertised dimension, dimension errors, embedding_status and auto_embed."""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests._support import Api, Wire, basis, requires_capability

pytestmark = requires_capability("write")


def _meta(wire: Wire, client_id: str) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = wire.find(client_id=client_id, include_meta=True)["nodes"]
    assert len(nodes) == 1
    return nodes[0]


def test_recall_query_embedding_dimension(wire: Wire, dim: int) -> None:
    for wrong in (dim - 1, dim + 1, 3):
        body = wire.err(
            "/v1/memory/recall",
            {"query_embedding": [0.1] * wrong},
            400,
            "invalid_embedding_dimension",
        )
        assert body["details"]["expected"] == dim
        assert body["details"]["actual"] == wrong


def test_write_node_embedding_dimension(wire: Wire, dim: int) -> None:
    node = {"client_id": "v", "type": "entity", "embedding": [0.5] * (dim + 2)}
    body = wire.err(
        "/v1/memory/write", {"input_text": "x", "nodes": [node]}, 400, "invalid_embedding_dimension"
    )
    assert body["details"] == {"contract": "error_v1", "expected": dim, "actual": dim + 2} or (
        body["details"]["expected"] == dim and body["details"]["actual"] == dim + 2
    )
    assert wire.find()["nodes"] == []


def test_inline_embedding_is_ready_with_provider_name(wire: Wire, health: dict[str, Any]) -> None:
    wire.write([{"client_id": "t", "type": "event", "title": "has text"}], memory_lane="shared")
    node = _meta(wire, "t")
    assert node["embedding_status"] == "ready"
    assert node["embedding_model"] == health["embedding"]["provider"]


def test_client_vector_is_ready_with_client_model(wire: Wire, dim: int) -> None:
    wire.write(
        [
            {"client_id": "c1", "type": "entity", "embedding": basis(dim, (0, 1.0))},
            {
                "client_id": "c2",
                "type": "entity",
                "embedding": basis(dim, (1, 1.0)),
                "embedding_model": "my-model",
            },
        ],
        memory_lane="shared",
    )
    assert _meta(wire, "c1")["embedding_status"] == "ready"
    assert _meta(wire, "c1")["embedding_model"] == "client"
    assert _meta(wire, "c2")["embedding_model"] == "my-model"


def test_no_text_or_auto_embed_off_is_failed(wire: Wire) -> None:
    # An entity embeds title or text_summary only (§6), so without them it has no text.
    wire.write([{"client_id": "empty", "type": "entity", "slots": {"a": 1}}], memory_lane="shared")
    wire.write(
        [{"client_id": "off", "type": "event", "title": "text but no embedding"}],
        memory_lane="shared",
        auto_embed=False,
    )
    assert _meta(wire, "empty")["embedding_status"] == "failed"
    assert _meta(wire, "off")["embedding_status"] == "failed"


def test_only_ready_nodes_are_seeds(wire: Wire) -> None:
    wire.write(
        [{"client_id": "off", "type": "event", "title": "alpha beta"}],
        memory_lane="shared",
        auto_embed=False,
    )
    wire.write([{"client_id": "on", "type": "event", "title": "alpha beta"}], memory_lane="shared")
    seeds = wire.ok("/v1/memory/recall_text", {"query_text": "alpha beta"})["seeds"]
    assert [s["title"] for s in seeds] == ["alpha beta"]
    assert len(seeds) == 1


def test_embed_text_per_type(wire: Wire) -> None:
    wire.write(
        [
            {"client_id": "ev", "type": "event", "text_summary": "summary only"},
            {"client_id": "en", "type": "entity", "text_summary": "summary only"},
            {"client_id": "ru", "type": "rule", "title": "title only"},
            {"client_id": "ev2", "type": "evidence", "slots": {}},
        ],
        memory_lane="shared",
        input_text="input text counts for events",
    )
    assert _meta(wire, "ev")["embedding_status"] == "ready"
    assert _meta(wire, "en")["embedding_status"] == "ready"
    assert _meta(wire, "ru")["embedding_status"] == "ready"
    # event/evidence fall back to input_text (§6).
    assert _meta(wire, "ev2")["embedding_status"] == "ready"


def test_auto_embed_defaults_for_sessions_and_events(wire: Wire) -> None:
    wire.ok("/v1/memory/sessions", {"session_id": "s", "memory_lane": "shared", "title": "titled"})
    wire.ok("/v1/memory/events", {"session_id": "s", "event_id": "e", "input_text": "hello"})
    assert _meta(wire, "session:s")["embedding_status"] == "failed"
    assert _meta(wire, "session_event:s:e")["embedding_status"] == "ready"


def test_recall_text_is_deterministic(wire: Wire) -> None:
    wire.write(
        [
            {"client_id": "a", "type": "concept", "title": "graph databases store edges"},
            {"client_id": "b", "type": "concept", "title": "cooking pasta at home"},
        ],
        memory_lane="shared",
    )
    first = wire.ok("/v1/memory/recall_text", {"query_text": "graph edges"})
    second = wire.ok("/v1/memory/recall_text", {"query_text": "graph edges"})
    assert [(s["id"], s["similarity"]) for s in first["seeds"]] == [
        (s["id"], s["similarity"]) for s in second["seeds"]
    ]


@pytest.mark.parametrize("bad", [["x"], [None], "not a list"])
def test_query_embedding_must_be_numbers(wire: Wire, bad: Any) -> None:
    resp = wire.post("/v1/memory/recall", {"query_embedding": bad})
    assert resp.status_code == 400
    assert resp.json()["error"] in ("invalid_request", "invalid_embedding_dimension")


async def test_sdk_recall_with_vector(client: Api, dim: int) -> None:
    await client(
        "memory.write",
        input_text="vec",
        memory_lane="shared",
        nodes=[{"client_id": "v", "type": "entity", "embedding": basis(dim, (5, 1.0))}],
    )
    recalled = await client("memory.recall", query_embedding=basis(dim, (5, 1.0)))
    assert [s["similarity"] for s in recalled["seeds"]] == [pytest.approx(1.0)]
