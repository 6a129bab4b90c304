"""planning/context and context/assemble over HTTP: composition of recall, rules and tools."""

from __future__ import annotations

import math
from collections.abc import Iterator

import httpx
import pytest
from rules_support import post, write_rule

from aionis_server.testing import serve_in_thread

SCOPE = "planning"


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with (
        serve_in_thread(":memory:") as base_url,
        httpx.Client(base_url=base_url, timeout=30) as http,
    ):
        post(
            http,
            "write",
            {
                "scope": SCOPE,
                "input_text": "User prefers pytest over unittest for python projects",
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
                ],
                "edges": [
                    {"type": "related_to", "src": {"client_id": "evt"}, "dst": {"client_id": "ent"}}
                ],
            },
        )
        write_rule(
            http,
            SCOPE,
            "prefer-pytest",
            {"if": {"intent": "test"}, "then": {"tool": {"prefer": ["pytest"], "deny": ["rm"]}}},
        )
        yield http


def test_planning_context_composition(client: httpx.Client) -> None:
    body = {
        "scope": SCOPE,
        "query_text": "which python test runner does the user prefer",
        "context": {"intent": "test"},
        "tool_candidates": ["unittest", "pytest", "rm"],
        "run_id": "plan-run",
    }
    result = post(client, "planning/context", body)
    assert result["query"]["text"] == body["query_text"]
    # The consumer defaults to the local identity, so the private write is recalled.
    items = result["recall"]["context"]["items"]
    assert {i["node_id"] for i in items} >= {n["id"] for n in result["recall"]["seeds"]}
    assert len(items) >= 2
    assert result["rules"]["matched"] == 1
    tools = result["tools"]
    assert tools["selection"]["selected"] == "pytest"
    assert tools["decision"]["run_id"] == "plan-run"
    packet = result["planner_packet"]
    assert packet["packet_version"] == "planner_packet_v1"
    assert len(packet["sections"]["supporting_knowledge"]) == len(items)
    assert packet["sections"]["recommended_workflows"] == []
    assert packet["merged_text"].startswith("# Supporting Knowledge\n- ")
    summary = result["planning_summary"]
    assert summary["summary_version"] == "planning_summary_v1"
    assert summary["selected_tool"] == "pytest"
    assert summary["decision_id"] == tools["decision"]["decision_id"]
    assert summary["rules_considered"] == 1
    assert summary["rules_matched"] == 1
    text = result["recall"]["context"]["text"]
    assert summary["context_est_tokens"] == math.ceil(len(text) / 4)
    assert summary["planner_explanation"]
    cost = result["cost_signals"]
    assert cost["summary_version"] == "context_cost_signals_v1"
    assert cost["within_token_budget"] is True
    assert "layered_context" not in result
    run = post(client, "tools/run", {"scope": SCOPE, "run_id": "plan-run"})
    assert run["lifecycle"]["decision_count"] == 1


def test_plain_recall_text_does_not_see_private_data(client: httpx.Client) -> None:
    plain = post(client, "recall_text", {"scope": SCOPE, "query_text": "python test runner"})
    assert {seed["type"] for seed in plain["seeds"]} <= {"rule"}  # the shared rule only
    planned = post(
        client,
        "planning/context",
        {"scope": SCOPE, "query_text": "python test runner", "context": {}},
    )
    assert {"event", "entity"} <= {seed["type"] for seed in planned["recall"]["seeds"]}
    assert "tools" not in planned
    assert planned["planning_summary"]["decision_id"] is None


def test_strict_failure_fails_whole_request(client: httpx.Client) -> None:
    body = {
        "scope": SCOPE,
        "query_text": "q",
        "context": {"intent": "test"},
        "tool_candidates": ["rm"],
        "run_id": "fail-run",
    }
    error = post(client, "planning/context", body, status=400)
    assert error["error"] == "no_tools_allowed"
    assert (
        post(client, "tools/run", {"scope": SCOPE, "run_id": "fail-run"}, status=404)["error"]
        == "run_not_found_in_scope"
    )
    relaxed = post(client, "context/assemble", {**body, "tool_strict": False})
    assert relaxed["tools"]["selection"]["fallback"]["reason"] == "deny_filtered_all"


def test_context_assemble_layers(client: httpx.Client) -> None:
    body = {
        "scope": SCOPE,
        "query_text": "python test runner preference",
        "context": {"intent": "test"},
        "tool_candidates": ["pytest", "unittest"],
        "return_layered_context": True,
        "context_layers": {"include_merge_trace": True},
        "static_context_blocks": [
            {"id": "style", "content": "Answer briefly.", "priority": 1},
            {"id": "safety", "content": "Never run rm -rf.", "priority": 9},
            "plain block",
        ],
    }
    result = post(client, "context/assemble", body)
    summary = result["assembly_summary"]
    assert summary["summary_version"] == "assembly_summary_v1"
    assert summary["include_rules"] is True
    layered = result["layered_context"]
    assert layered["order"] == [
        "facts",
        "episodes",
        "rules",
        "static",
        "decisions",
        "tools",
        "citations",
    ]
    assert layered["layers"]["static"]["items"] == [
        "safety: Never run rm -rf.",
        "style: Answer briefly.",
        "plain block",
    ]
    assert layered["layers"]["facts"]["items"]
    assert layered["layers"]["decisions"]["items"][0].startswith(
        f"decision {result['tools']['decision']['decision_id']}"
    )
    merged = layered["merged_text"]
    assert (
        merged.index("# Facts")
        < merged.index("# Rules")
        < merged.index("# Static")
        < merged.index("# Citations")
    )
    assert layered["budget"]["used_chars"] == len(merged)
    assert [t["layer"] for t in layered["merge_trace"]] == layered["order"]
    assert summary["context_est_tokens"] == math.ceil(len(merged) / 4)
    without_rules = post(
        client, "context/assemble", {"scope": SCOPE, "query_text": "pytest", "include_rules": False}
    )
    assert "rules" not in without_rules
    assert without_rules["assembly_summary"]["include_rules"] is False
    assert without_rules["assembly_summary"]["rules_matched"] == 0


def test_layer_budget_and_order(client: httpx.Client) -> None:
    body = {
        "scope": SCOPE,
        "query_text": "pytest",
        "return_layered_context": True,
        "context_layers": {"order": ["static", "facts", "bogus"]},
        "static_context_blocks": ["x" * 50, "y" * 500],
        "context_char_budget": 120,
    }
    result = post(client, "context/assemble", body)
    layered = result["layered_context"]
    assert layered["order"][:2] == ["static", "facts"]
    assert "bogus" not in layered["order"]
    assert layered["budget"]["total_chars"] == 120
    assert layered["budget"]["used_chars"] <= 120
    assert {"layer": "static", "reason": "budget", "count": 1} in layered["dropped_reasons"]
    assert "merge_trace" not in layered
    assert result["cost_signals"]["within_char_budget"] is True


def test_validation(client: httpx.Client) -> None:
    error = post(client, "planning/context", {"scope": SCOPE}, status=400)
    assert error["issues"][0]["path"] == "query_text"
    error = post(
        client,
        "context/assemble",
        {"scope": SCOPE, "query_text": "q", "tool_candidates": "pytest"},
        status=400,
    )
    assert error["issues"][0]["path"] == "tool_candidates"
    error = post(
        client, "planning/context", {"scope": SCOPE, "query_text": "q", "limit": 0}, status=400
    )
    assert error["error"] == "invalid_request"
