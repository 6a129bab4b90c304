"""Recall and recall_text models (§7.4)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from aionis_sdk.types import (
    MemoryLayerPreference,
    RecallRequest,
    RecallResponse,
    RecallTextRequest,
    RecallTextResponse,
)

A = "e3eb742f-ee16-5329-8a84-7285e922deb7"
B = "b09aa42e-4bd7-564d-9737-d7d1e755b807"


def recall_text_body() -> dict[str, Any]:
    return {
        "scope": "default",
        "tenant_id": "default",
        "query": {"text": "pytest", "embedding_provider": "deterministic-hash"},
        "seeds": [
            {
                "id": A,
                "uri": f"aionis://default/default/event/{A}",
                "type": "event",
                "title": None,
                "text_summary": "User prefers pytest",
                "tier": "hot",
                "salience": 0.5,
                "confidence": 0.5,
                "similarity": 1.0000000000000002,
            }
        ],
        "subgraph": {
            "nodes": [
                {"id": A, "uri": "u1", "type": "event", "title": None, "text_summary": "x"},
                {"id": B, "uri": "u2", "type": "entity", "title": "pytest", "text_summary": None},
            ],
            "edges": [
                {
                    "id": "86414a11-ed2a-5599-b66a-5237c652f7c6",
                    "uri": "u3",
                    "from_id": A,
                    "to_id": B,
                    "type": "related_to",
                    "weight": 0.5,
                }
            ],
        },
        "ranked": [
            {"id": A, "uri": "u1", "activation": 0.875, "score": 0.7625},
            {"id": B, "uri": "u2", "activation": 0.212625, "score": 0.29883750000000003},
        ],
        "context": {
            "text": "# Supporting Events / Evidence\n- User prefers pytest (node:x)",
            "items": [
                {
                    "kind": "event",
                    "node_id": A,
                    "uri": "u1",
                    "commit_id": "c",
                    "tier": "hot",
                    "salience": 0.5,
                }
            ],
            "citations": [
                {
                    "node_id": A,
                    "uri": "u1",
                    "commit_id": "c",
                    "commit_uri": "cu",
                    "raw_ref": None,
                    "evidence_ref": None,
                }
            ],
            "selection_stats": {"selected": 1},
        },
        "observability": {"stage_ms": {"seed": 1}},
    }


def test_recall_text_response_round_trip_with_from_to_ids() -> None:
    body = recall_text_body()
    resp = RecallTextResponse.model_validate(body, strict=True)
    edge = resp.subgraph.edges[0]
    assert (edge.from_id, edge.to_id) == (A, B)
    assert resp.seeds[0].similarity is not None
    assert resp.seeds[0].similarity > 1
    assert resp.query.embedding_provider == "deterministic-hash"
    assert resp.model_dump(exclude_unset=True) == body


def test_recall_response_needs_no_query_but_recall_text_does() -> None:
    body = recall_text_body()
    del body["query"]
    RecallResponse.model_validate(body, strict=True)
    with pytest.raises(ValidationError):
        RecallTextResponse.model_validate(body)


def test_subgraph_edge_with_src_dst_names_is_rejected() -> None:
    body = recall_text_body()
    body["subgraph"]["edges"] = [{"id": "e", "src_id": A, "dst_id": B, "type": "related_to"}]
    with pytest.raises(ValidationError):
        RecallTextResponse.model_validate(body)


def test_recall_with_rules_block() -> None:
    body = recall_text_body()
    body["rules"] = {
        "scope": "default",
        "tenant_id": "default",
        "considered": 0,
        "matched": 0,
        "skipped_invalid_then": 0,
        "invalid_then_sample": [],
        "active": [],
        "shadow": [],
        "applied": {"policy": {"tool": {}}, "sources": [], "conflicts": []},
    }
    resp = RecallTextResponse.model_validate(body, strict=True)
    assert resp.rules is not None
    assert resp.rules.applied.policy.tool is not None


def test_recall_request_knob_limits() -> None:
    RecallTextRequest(
        query_text="q",
        limit=200,
        neighborhood_hops=2,
        max_nodes=200,
        max_edges=100,
        ranked_limit=500,
        min_edge_weight=0,
        min_edge_confidence=1,
        context_token_budget=256000,
        context_char_budget=1_000_000,
        slots_preview_keys=50,
        rules_limit=200,
    )
    bad: dict[str, Any]
    for bad in (
        {"limit": 201},
        {"neighborhood_hops": 3},
        {"max_nodes": 0},
        {"max_edges": 101},
        {"ranked_limit": 501},
        {"min_edge_weight": 1.1},
        {"context_token_budget": 256001},
        {"context_char_budget": 1_000_001},
        {"recall_strategy": "wide"},
        {"context_compaction_profile": "extreme"},
        {"rules_limit": 0},
    ):
        with pytest.raises(ValidationError):
            RecallTextRequest.model_validate({"query_text": "q", **bad})
    with pytest.raises(ValidationError):
        RecallTextRequest.model_validate({})


def test_rules_context_accepts_any_json() -> None:
    for ctx in ({"intent": "x"}, [1, 2], "text", 3, False):
        req = RecallTextRequest(query_text="q", rules_context=ctx)
        assert req.to_body()["rules_context"] == ctx


def test_memory_layer_preference_is_strict() -> None:
    ok = RecallTextRequest(
        query_text="q", memory_layer_preference=MemoryLayerPreference(allowed_layers=["L0", "L3"])
    )
    assert ok.to_body()["memory_layer_preference"] == {"allowed_layers": ["L0", "L3"]}
    bad: dict[str, Any]
    for bad in (
        {"allowed_layers": ["L0"], "extra": 1},
        {"allowed_layers": []},
        {"allowed_layers": ["L6"]},
        {"allowed_layers": ["L0", "L1", "L2", "L3", "L4", "L5", "L0"]},
    ):
        with pytest.raises(ValidationError):
            RecallTextRequest.model_validate({"query_text": "q", "memory_layer_preference": bad})


def test_debug_embeddings_rules() -> None:
    with pytest.raises(ValidationError, match="requires return_debug"):
        RecallRequest(query_embedding=[0.1], include_embeddings=True)
    with pytest.raises(ValidationError, match="limit <= 20"):
        RecallRequest(query_embedding=[0.1], include_embeddings=True, return_debug=True, limit=21)
    RecallRequest(query_embedding=[0.1], include_embeddings=True, return_debug=True, limit=20)


def test_query_embedding_must_be_finite_numbers() -> None:
    assert RecallRequest(query_embedding=[1, 0.5]).to_body() == {"query_embedding": [1.0, 0.5]}
    with pytest.raises(ValidationError):
        RecallRequest(query_embedding=[float("inf")])
    with pytest.raises(ValidationError):
        RecallRequest(query_embedding=[])
