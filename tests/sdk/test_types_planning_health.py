"""planning/context, context/assemble and /health models (§7.11, §7.2)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from test_types_recall import recall_text_body
from test_types_tools_rules import select_body

from aionis_sdk.types import (
    ContextAssembleRequest,
    ContextAssembleResponse,
    HealthResponse,
    PlanningContextRequest,
    PlanningContextResponse,
)


def rules_body() -> dict[str, Any]:
    return {
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


def composite_body() -> dict[str, Any]:
    return {
        "tenant_id": "default",
        "scope": "default",
        "query": {"text": "pytest", "embedding_provider": "deterministic-hash"},
        "recall": recall_text_body(),
        "rules": rules_body(),
        "tools": select_body(),
        "planner_packet": {
            "packet_version": "planner_packet_v1",
            "sections": {
                "recommended_workflows": [],
                "candidate_workflows": [],
                "candidate_patterns": [],
                "trusted_patterns": [],
                "contested_patterns": [],
                "rehydration_candidates": [],
                "supporting_knowledge": ["- User prefers pytest"],
            },
            "merged_text": "# Supporting Knowledge\n- User prefers pytest",
        },
        "cost_signals": {
            "summary_version": "context_cost_signals_v1",
            "context_est_tokens": 12,
            "context_token_budget": None,
            "context_char_budget": None,
            "within_token_budget": True,
            "within_char_budget": True,
        },
    }


def test_planning_context_round_trip() -> None:
    body = composite_body()
    body["planning_summary"] = {
        "summary_version": "planning_summary_v1",
        "planner_explanation": "1 item",
        "selected_tool": "pytest",
        "decision_id": "d",
        "rules_considered": 0,
        "rules_matched": 0,
        "context_est_tokens": 12,
    }
    resp = PlanningContextResponse.model_validate(body, strict=True)
    assert resp.tools is not None
    assert resp.tools.selected == "pytest"
    assert resp.recall.subgraph.edges[0].from_id
    assert resp.planner_packet.sections.supporting_knowledge == ["- User prefers pytest"]
    assert resp.model_dump(exclude_unset=True) == body
    del body["rules"]
    with pytest.raises(ValidationError):
        PlanningContextResponse.model_validate(body)


def test_context_assemble_without_rules_and_tools() -> None:
    body = composite_body()
    del body["rules"], body["tools"]
    body["assembly_summary"] = {"summary_version": "assembly_summary_v1", "include_rules": False}
    body["layered_context"] = {
        "version": "v1",
        "mode": "layered",
        "order": ["facts", "episodes", "rules", "static", "decisions", "tools", "citations"],
        "budget": {"total_chars": 100, "used_chars": 10, "remaining_chars": 90},
        "layers": {"facts": {}},
        "merged_text": "",
        "dropped_reasons": [],
    }
    resp = ContextAssembleResponse.model_validate(body, strict=True)
    assert resp.rules is None
    assert resp.tools is None
    assert resp.assembly_summary.include_rules is False
    assert resp.layered_context is not None
    assert resp.layered_context.order is not None


def test_composite_requests() -> None:
    req = PlanningContextRequest(query_text="q", tool_candidates=["a", "b"], run_id="r", limit=5)
    assert req.to_body() == {
        "query_text": "q",
        "tool_candidates": ["a", "b"],
        "run_id": "r",
        "limit": 5,
        "context": {},
    }
    assert ContextAssembleRequest(query_text="q", include_rules=False).to_body() == {
        "query_text": "q",
        "include_rules": False,
    }
    with pytest.raises(ValidationError):
        ContextAssembleRequest.model_validate({"query_text": "q", "run_id": "r"})
    with pytest.raises(ValidationError):
        PlanningContextRequest(query_text="q", tool_candidates=["t"] * 201)
    with pytest.raises(ValidationError):
        PlanningContextRequest.model_validate(
            {"query_text": "q", "memory_layer_preference": {"layers": ["L0"]}}
        )


def test_health_reference_server_body() -> None:
    body = {
        "ok": True,
        "version": "0.1.0",
        "api_version": "v1",
        "embedding": {"provider": "deterministic-hash", "dim": 384},
        "auth_mode": "off",
        "capabilities": ["write", "recall", "ext.rate_limit"],
    }
    health = HealthResponse.model_validate(body, strict=True)
    assert health.embedding_dim == 384
    assert health.embedding_dim_known
    assert health.has_capability("recall")
    assert not health.has_capability("packs")
    assert health.model_dump(exclude_unset=True) == body


def test_health_existing_server_without_embedding_defaults_to_1536() -> None:
    body = {
        "ok": True,
        "runtime": {"edition": "lite", "mode": "embedded"},
        "storage": {"backend": "sqlite"},
        "lite": {"x": 1},
        "sandbox": {"enabled": False},
    }
    health = HealthResponse.model_validate(body, strict=True)
    assert health.embedding_dim == 1536
    assert not health.embedding_dim_known
    assert not health.capabilities_known
    assert not health.has_capability("write")
    assert health.model_extra == {"lite": {"x": 1}, "sandbox": {"enabled": False}}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"memory_store_capability_contract": {"sessions_graph": True}},
        {"ok": "yes", "embedding": "none", "capabilities": "all", "version": 3},
        {"embedding": {"dim": "1536"}},
    ],
)
def test_health_accepts_any_json_object(body: dict[str, Any]) -> None:
    health = HealthResponse.model_validate(body, strict=True)
    assert health.embedding_dim == 1536
