"""§7.11 planning/context and context/assemble."""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests._support import (
    Api,
    Wire,
    make_rule,
    node_id,
    require_keys,
    requires_capability,
    uid,
)

PC = "/v1/memory/planning/context"
CA = "/v1/memory/context/assemble"
SECTIONS = (
    "recommended_workflows",
    "candidate_workflows",
    "candidate_patterns",
    "trusted_patterns",
    "contested_patterns",
    "rehydration_candidates",
    "supporting_knowledge",
)


def _check_common(body: dict[str, Any], summary_key: str, version: str) -> None:
    require_keys(
        body, "tenant_id", "scope", "query", "recall", "planner_packet", summary_key, "cost_signals"
    )
    require_keys(body["query"], "text", "embedding_provider")
    require_keys(body["recall"], "seeds", "subgraph", "ranked", "context", "query")
    packet = body["planner_packet"]
    assert packet["packet_version"] == "planner_packet_v1"
    for section in SECTIONS:
        assert isinstance(packet["sections"][section], list), section
    assert isinstance(packet["merged_text"], str)
    summary = body[summary_key]
    assert summary["summary_version"] == version
    require_keys(
        summary,
        "planner_explanation",
        "selected_tool",
        "decision_id",
        "rules_considered",
        "rules_matched",
        "context_est_tokens",
    )
    cost = body["cost_signals"]
    assert cost["summary_version"] == "context_cost_signals_v1"
    require_keys(
        cost,
        "context_est_tokens",
        "context_token_budget",
        "context_char_budget",
        "within_token_budget",
        "within_char_budget",
    )


@requires_capability("planning_context")
async def test_planning_context_shape(client: Api) -> None:
    await client(
        "memory.write",
        input_text="pc",
        memory_lane="shared",
        nodes=[
            {
                "client_id": "n",
                "type": "concept",
                "title": "use pytest",
                "text_summary": "pytest is preferred",
            }
        ],
    )
    body = await client("planning.context", query_text="pytest", context={"task": "test"})
    _check_common(body, "planning_summary", "planning_summary_v1")
    require_keys(body, "rules")
    require_keys(body["rules"], "considered", "matched", "active", "applied")
    assert "tools" not in body or body["tools"] is None
    packet = body["planner_packet"]
    assert len(packet["sections"]["supporting_knowledge"]) == len(
        body["recall"]["context"]["items"]
    )
    assert packet["sections"]["recommended_workflows"] == []
    assert "# " in packet["merged_text"]
    assert body["planning_summary"]["selected_tool"] is None
    assert body["planning_summary"]["decision_id"] is None


@requires_capability("context_assemble")
async def test_context_assemble_shape(client: Api) -> None:
    body = await client("context.assemble", query_text="anything")
    _check_common(body, "assembly_summary", "assembly_summary_v1")
    require_keys(body, "rules")
    assert body["assembly_summary"]["include_rules"] is True
    no_rules = await client("context.assemble", query_text="anything", include_rules=False)
    assert no_rules.get("rules") is None
    assert no_rules["assembly_summary"]["include_rules"] is False


@requires_capability("planning_context")
@pytest.mark.parametrize("path", [PC, CA])
def test_tool_candidates_persist_a_decision(wire: Wire, path: str) -> None:
    make_rule(wire, {"then": {"tool": {"prefer": ["b"]}}})
    run = uid("run")
    body = wire.ok(
        path, {"query_text": "q", "context": {}, "tool_candidates": ["a", "b"], "run_id": run}
    )
    tools = body["tools"]
    require_keys(tools, "selection", "decision", "selection_summary")
    assert tools["selection"]["selected"] == "b"
    summary = body["planning_summary" if path == PC else "assembly_summary"]
    assert summary["selected_tool"] == "b"
    assert summary["decision_id"] == tools["decision"]["decision_id"]
    looked = wire.ok("/v1/memory/tools/decision", {"decision_id": tools["decision"]["decision_id"]})
    assert looked["decision"]["selected_tool"] == "b"
    assert looked["decision"]["candidates"] == ["a", "b"]
    if path == PC:
        assert wire.ok("/v1/memory/tools/run", {"run_id": run})["lifecycle"]["decision_count"] == 1


@requires_capability("planning_context")
@pytest.mark.parametrize("path", [PC, CA])
def test_strict_tool_failure_fails_the_request(wire: Wire, path: str) -> None:
    make_rule(wire, {"then": {"tool": {"deny": ["a"]}}})
    wire.err(
        path, {"query_text": "q", "context": {}, "tool_candidates": ["a"]}, 400, "no_tools_allowed"
    )
    relaxed = wire.ok(
        path, {"query_text": "q", "context": {}, "tool_candidates": ["a"], "tool_strict": False}
    )
    assert relaxed["tools"]["selection"]["selected"] is None


@requires_capability("planning_context")
@pytest.mark.auth_off
@pytest.mark.parametrize("path", [PC, CA])
def test_consumer_defaults_to_local_identity(wire: Wire, path: str) -> None:
    wire.write([{"client_id": "secret", "type": "concept", "title": "private plan"}])
    nid = node_id("secret", wire.scope)
    plain = wire.ok("/v1/memory/recall_text", {"query_text": "private plan"})
    assert nid not in [s["id"] for s in plain["seeds"]]
    body = wire.ok(path, {"query_text": "private plan", "context": {}})
    assert nid in [s["id"] for s in body["recall"]["seeds"]]
    assert any(
        nid in line or "private plan" in line
        for line in body["planner_packet"]["sections"]["supporting_knowledge"]
    )
    other = wire.ok(
        path, {"query_text": "private plan", "context": {}, "consumer_agent_id": "someone-else"}
    )
    assert nid not in [s["id"] for s in other["recall"]["seeds"]]


@requires_capability("context_assemble")
def test_layered_context(wire: Wire) -> None:
    wire.write([{"client_id": "f", "type": "concept", "title": "fact"}], memory_lane="shared")
    body = wire.ok(
        CA,
        {
            "query_text": "fact",
            "return_layered_context": True,
            "context_layers": {"include_merge_trace": True},
        },
    )
    layered = body["layered_context"]
    require_keys(
        layered, "version", "mode", "order", "budget", "layers", "merged_text", "dropped_reasons"
    )
    assert layered["order"] == [
        "facts",
        "episodes",
        "rules",
        "static",
        "decisions",
        "tools",
        "citations",
    ]
    require_keys(layered["budget"], "total_chars", "used_chars", "remaining_chars")
    assert "merge_trace" in layered
    assert "layered_context" not in wire.ok(CA, {"query_text": "fact"})


@requires_capability("planning_context")
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"query_text": ""},
        {"query_text": "q", "tool_candidates": ["a"] * 201},
        {"query_text": "q", "limit": 0},
    ],
)
def test_composite_validation(wire: Wire, body: dict[str, Any]) -> None:
    wire.err(PC, body, 400, "invalid_request")


@requires_capability("planning_context")
def test_summary_agrees_with_rules_and_budgets(wire: Wire) -> None:
    make_rule(wire, {"if": {"task": "x"}})
    make_rule(wire, {"if": {"task": "y"}})
    body = wire.ok(
        PC,
        {
            "query_text": "q",
            "context": {"task": "x"},
            "context_token_budget": 1000,
            "context_char_budget": 4000,
        },
    )
    summary = body["planning_summary"]
    assert summary["rules_considered"] == body["rules"]["considered"] == 2
    assert summary["rules_matched"] == body["rules"]["matched"] == 1
    cost = body["cost_signals"]
    assert cost["context_token_budget"] == 1000
    assert cost["context_char_budget"] == 4000
    assert cost["within_token_budget"] is (cost["context_est_tokens"] <= 1000)
    assert isinstance(cost["within_char_budget"], bool)


@requires_capability("planning_context")
def test_planning_leaves_shadow_out_by_default(wire: Wire) -> None:
    shadow = make_rule(wire, {}, state="shadow")
    body = wire.ok(PC, {"query_text": "q", "context": {}})
    assert body["rules"]["shadow"] == []
    shown = wire.ok(PC, {"query_text": "q", "context": {}, "include_shadow": True})
    assert [m["rule_node_id"] for m in shown["rules"]["shadow"]] == [shadow]
