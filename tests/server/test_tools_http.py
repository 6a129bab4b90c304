"""Tools over HTTP: select (allow/deny/prefer, strict and fallbacks), decision, run, feedback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from rules_support import post, write_rule

from aionis_server.testing import serve_in_thread

TOOLS = ["bash", "pytest", "unittest", "rm"]


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with (
        serve_in_thread(":memory:") as base_url,
        httpx.Client(base_url=base_url, timeout=30) as http,
    ):
        yield http


def select(client: httpx.Client, scope: str, status: int = 200, **extra: object) -> dict:
    body = {"scope": scope, "context": {"intent": "test"}, "candidates": TOOLS, **extra}
    return post(client, "tools/select", body, status=status)


def test_deny_allow_prefer(client: httpx.Client) -> None:
    scope = "tools-merge"
    write_rule(
        client, scope, "deny-rm", {"then": {"tool": {"deny": ["rm"], "prefer": ["unittest"]}}}
    )
    write_rule(
        client,
        scope,
        "allow-a",
        {
            "if": {"intent": "test"},
            "then": {"tool": {"allow": ["pytest", "unittest", "rm"], "prefer": ["pytest"]}},
            "rule_meta": {"priority": 5},
        },
    )
    write_rule(
        client,
        scope,
        "allow-b",
        {"then": {"tool": {"allow": ["pytest", "unittest", "bash", "rm"]}}},
    )
    result = select(client, scope, run_id="run-merge")
    policy = result["rules"]["applied"]["policy"]["tool"]
    assert policy == {
        "allow": ["pytest", "rm", "unittest"],
        "deny": ["rm"],
        "prefer": ["pytest", "unittest"],
    }
    selection = result["selection"]
    assert selection["allowed"] == ["pytest", "unittest"]
    assert selection["denied"] == [
        {"name": "bash", "reason": "not_in_allow_list"},
        {"name": "rm", "reason": "deny_list"},
    ]
    assert selection["preferred"] == ["pytest", "unittest"]
    assert selection["selected"] == "pytest"
    assert selection["fallback"] == {
        "applied": False,
        "reason": "none",
        "effective_mode": "allow_and_deny",
        "note": selection["fallback"]["note"],
    }
    codes = {c["code"] for c in result["rules"]["applied"]["tool_explain"]["conflicts"]}
    assert codes == {"allow_intersection", "prefer_competing_top_choice"}
    decision = result["decision"]
    assert decision["run_id"] == "run-merge"
    assert len(decision["source_rule_ids"]) == 3
    assert result["selection_summary"]["matched_rules"] == 3
    assert result["pattern_matches"]["matched"] == 0
    resolved = post(client, "resolve", {"uri": decision["decision_uri"]})
    assert resolved["decision"]["decision_id"] == decision["decision_id"]


def test_strict_failure_and_fallbacks(client: httpx.Client) -> None:
    scope = "tools-strict"
    write_rule(
        client,
        scope,
        "allow-only",
        {"then": {"tool": {"allow": ["nothing-here"], "deny": ["rm", "bash"]}}},
    )
    error = select(client, scope, status=400, run_id="strict-run")
    assert error["error"] == "no_tools_allowed"
    assert error["message"] == "no candidates remain after allow/deny filters"
    assert error["details"] == {"contract": "error_v1", "candidates": 4, "allow": 1, "deny": 2}
    assert (
        post(client, "tools/run", {"scope": scope, "run_id": "strict-run"}, status=404)["error"]
        == "run_not_found_in_scope"
    )
    relaxed = select(client, scope, strict=False)
    assert relaxed["selection"]["fallback"]["reason"] == "allowlist_filtered_all"
    assert relaxed["selection"]["fallback"]["effective_mode"] == "deny_only"
    assert relaxed["selection"]["selected"] == "pytest"
    everything = select(client, scope, strict=False, candidates=["rm", "bash"])
    assert everything["selection"]["fallback"]["reason"] == "deny_filtered_all"
    assert everything["selection"]["selected"] is None
    assert everything["decision"]["selected_tool"] is None


def test_decision_and_run_lifecycle(client: httpx.Client) -> None:
    scope = "tools-lifecycle"
    rule = write_rule(client, scope, "prefer", {"then": {"tool": {"prefer": ["pytest"]}}})
    first = select(client, scope, run_id="run-1")["decision"]
    second = select(client, scope, run_id="run-1", candidates=["bash", "pytest"])["decision"]
    latest = post(client, "tools/decision", {"scope": scope, "run_id": "run-1"})
    assert latest["lookup_mode"] == "run_id_latest"
    assert latest["decision"]["decision_id"] == second["decision_id"]
    by_id = post(client, "tools/decision", {"scope": scope, "decision_id": first["decision_id"]})
    assert by_id["decision"]["candidates"] == TOOLS
    assert (
        post(client, "tools/decision", {"decision_id": first["decision_id"]}, status=404)["error"]
        == "decision_not_found_in_scope"
    )
    run = post(client, "tools/run", {"scope": scope, "run_id": "run-1"})
    assert run["lifecycle"]["status"] == "decision_recorded"
    assert [d["decision_id"] for d in run["decisions"]] == [
        second["decision_id"],
        first["decision_id"],
    ]
    feedback = {
        "scope": scope,
        "context": {"intent": "test"},
        "candidates": ["bash", "pytest"],
        "selected_tool": "pytest",
        "outcome": "positive",
        "input_text": "it worked",
        "run_id": "run-1",
    }
    result = post(client, "tools/feedback", feedback)
    assert result["decision_link_mode"] == "inferred"
    assert result["decision_id"] == second["decision_id"]
    assert result["rule_node_ids"] == [rule]
    assert result["commit_uri"].endswith(result["commit_id"])
    run = post(client, "tools/run", {"scope": scope, "run_id": "run-1"})
    assert run["lifecycle"]["status"] == "feedback_linked"
    assert run["feedback"]["total"] == 1
    assert run["feedback"]["recent"][0]["decision_id"] == second["decision_id"]
    linked = post(
        client, "tools/decision", {"scope": scope, "decision_uri": second["decision_uri"]}
    )
    assert linked["decision"]["commit_id"] == result["commit_id"]
    evaluated = post(client, "rules/evaluate", {"scope": scope, "context": {}})
    assert evaluated["active"][0]["stats"] == {"positive": 1, "negative": 0}


def test_feedback_link_modes_and_mismatch(client: httpx.Client) -> None:
    scope = "tools-links"
    write_rule(client, scope, "deny", {"then": {"tool": {"deny": ["rm"]}}})
    decision = select(client, scope)["decision"]
    base = {
        "scope": scope,
        "context": {"intent": "test"},
        "candidates": TOOLS,
        "selected_tool": "bash",
        "outcome": "negative",
        "input_text": "broke",
    }
    provided = post(client, "tools/feedback", {**base, "decision_id": decision["decision_id"]})
    assert provided["decision_link_mode"] == "provided"
    assert provided["decision_policy_sha256"] == decision["policy_sha256"]
    created = post(client, "tools/feedback", {**base, "context": {"intent": "new"}})
    assert created["decision_link_mode"] == "created_from_feedback"
    cases = [
        (
            {"decision_id": decision["decision_id"], "selected_tool": "pytest"},
            "decision_selected_tool_mismatch",
        ),
        (
            {"decision_id": decision["decision_id"], "candidates": ["bash"]},
            "decision_candidates_mismatch",
        ),
        ({"decision_id": "00000000-0000-4000-8000-000000000000"}, "decision_not_found_in_scope"),
        (
            {"decision_uri": decision["decision_uri"].replace("/decision/", "/event/")},
            "invalid_decision_uri_type",
        ),
        (
            {"decision_uri": decision["decision_uri"].replace(scope, "elsewhere")},
            "decision_uri_scope_mismatch",
        ),
    ]
    for extra, code in cases:
        assert post(client, "tools/feedback", {**base, **extra}, status=400)["error"] == code
    missing_input = {k: v for k, v in base.items() if k != "input_text"}
    assert post(client, "tools/feedback", missing_input, status=400)["error"] == "invalid_request"


def test_shadow_selection_and_agent_rules(client: httpx.Client) -> None:
    scope = "tools-shadow"
    write_rule(
        client, scope, "shadow", {"then": {"tool": {"prefer": ["unittest"]}}}, activate="shadow"
    )
    write_rule(
        client,
        scope,
        "agent-rule",
        {"rule_scope": "agent", "target_agent_id": "agent-x", "then": {"tool": {"deny": ["bash"]}}},
    )
    result = select(client, scope, include_shadow=True)
    assert result["selection"]["selected"] == "bash"
    assert result["selection_summary"]["shadow_selected_tool"] == "unittest"
    as_agent = select(client, scope, context={"agent_id": "agent-x"})
    assert as_agent["selection"]["selected"] == "pytest"
