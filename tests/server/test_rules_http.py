"""Rules over HTTP: /write a rule, activate it with rules/state, evaluate, give feedback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from rules_support import post, write_rule

from aionis_server.testing import serve_in_thread


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with (
        serve_in_thread(":memory:") as base_url,
        httpx.Client(base_url=base_url, timeout=30) as http,
    ):
        yield http


def test_write_activate_evaluate(client: httpx.Client) -> None:
    scope = "rules-basic"
    rule = write_rule(
        client,
        scope,
        "prefer-pytest",
        {
            "if": {"intent": "test"},
            "then": {"tool": {"prefer": ["pytest"]}},
            "rule_meta": {"priority": 3},
        },
        activate=None,
    )
    draft = post(client, "rules/evaluate", {"scope": scope, "context": {"intent": "test"}})
    assert draft["considered"] == 0
    state = post(
        client,
        "rules/state",
        {"scope": scope, "rule_node_id": rule, "state": "shadow", "input_text": "try"},
    )
    assert set(state) >= {"tenant_id", "scope", "commit_id", "commit_hash", "commit_uri"}
    assert state["scope"] == scope
    shadow = post(client, "rules/evaluate", {"scope": scope, "context": {"intent": "test"}})
    assert [m["rule_node_id"] for m in shadow["shadow"]] == [rule]
    assert shadow["applied"]["shadow_policy"]["tool"] == {"prefer": ["pytest"]}
    post(
        client,
        "rules/state",
        {"scope": scope, "rule_node_id": rule, "state": "active", "input_text": "go"},
    )
    active = post(client, "rules/evaluate", {"scope": scope, "context": {"intent": "test"}})
    match = active["active"][0]
    assert match["rank"]["priority"] == 3
    assert match["rank"]["score"] == 3001
    assert match["summary"] == "rule"
    assert active["applied"]["policy"]["tool"] == {"prefer": ["pytest"]}
    # rules/evaluate is context-bearing: mode off injects the local identity as the agent.
    assert active["agent_visibility_summary"]["agent"]["id"] == "local-user"
    assert active["agent_visibility_summary"]["lane"]["reason"] == "enforced_agent_only"
    other = post(client, "rules/evaluate", {"scope": scope, "context": {"intent": "other"}})
    assert other["matched"] == 0


def test_commit_chain_of_rule_changes(client: httpx.Client) -> None:
    scope = "rules-chain"
    rule = write_rule(client, scope, "r", {"then": {"output": {"format": "json"}}}, activate=None)
    first = post(
        client,
        "rules/state",
        {"scope": scope, "rule_node_id": rule, "state": "active", "input_text": "a"},
    )
    second = post(
        client,
        "rules/state",
        {"scope": scope, "rule_node_id": rule, "state": "disabled", "input_text": "a"},
    )
    resolved = post(client, "resolve", {"uri": second["commit_uri"]})
    assert resolved["commit"]["parent_id"] == first["commit_id"]
    assert resolved["commit"]["actor"] == "system"


def test_private_rule_needs_owner_actor(client: httpx.Client) -> None:
    scope = "rules-private"
    written = post(
        client,
        "write",
        {
            "scope": scope,
            "input_text": "private rule",
            "nodes": [
                {"client_id": "mine", "type": "rule", "slots": {"then": {"tool": {"deny": ["rm"]}}}}
            ],
        },
    )
    rule = written["nodes"][0]["id"]
    body = {"scope": scope, "rule_node_id": rule, "state": "active", "input_text": "on"}
    error = post(client, "rules/state", body, status=400)
    assert error["error"] == "rule_not_found_in_scope"
    post(client, "rules/state", {**body, "actor": "local-user"})
    # The context agent (local-user, injected) owns it, so evaluation sees it.
    evaluated = post(client, "rules/evaluate", {"scope": scope, "context": {}})
    assert evaluated["applied"]["policy"]["tool"] == {"deny": ["rm"]}
    hidden = post(
        client, "rules/evaluate", {"scope": scope, "context": {"agent_id": "someone-else"}}
    )
    assert hidden["matched"] == 0
    assert hidden["agent_visibility_summary"]["rule_scope"]["filtered_by_lane"] == 1
    feedback = {"scope": scope, "rule_node_id": rule, "outcome": "positive", "input_text": "ok"}
    assert post(client, "feedback", feedback, status=400)["error"] == "rule_not_found_in_scope"
    assert post(client, "feedback", {**feedback, "actor": "local-user"})["feedback_id"]


def test_activation_errors(client: httpx.Client) -> None:
    scope = "rules-invalid"
    cases = {
        "bad-then": ({"then": {"tool": {"allow": "x"}}}, "invalid_rule_then_json"),
        "bad-if": ({"if": [1]}, "invalid_rule_if_json"),
        "bad-exc": ({"exceptions": {}}, "invalid_rule_exceptions_json"),
    }
    for client_id, (slots, code) in cases.items():
        rule = write_rule(client, scope, client_id, slots, activate=None)
        body = {"scope": scope, "rule_node_id": rule, "state": "active", "input_text": "on"}
        error = post(client, "rules/state", body, status=400)
        assert error["error"] == code
        assert error["details"]["contract"] == "error_v1"
    missing = post(
        client, "rules/state", {"scope": scope, "rule_node_id": "x", "state": "active"}, status=400
    )
    assert missing["error"] == "invalid_request"
    paths = {issue["path"] for issue in missing["issues"]}
    assert "rule_node_id" in paths


def test_agent_and_team_scoped_rules(client: httpx.Client) -> None:
    scope = "rules-targets"
    write_rule(
        client,
        scope,
        "for-a",
        {"rule_scope": "AGENT", "target_agent_id": "agent-a", "then": {"tool": {"deny": ["a"]}}},
    )
    write_rule(
        client,
        scope,
        "for-t",
        {"rule_scope": "team", "target_team_id": "team-t", "then": {"tool": {"deny": ["t"]}}},
    )
    written = post(
        client,
        "write",
        {
            "scope": scope,
            "input_text": "bad",
            "nodes": [
                {
                    "client_id": "no-target",
                    "type": "rule",
                    "memory_lane": "shared",
                    "slots": {"rule_scope": "agent"},
                }
            ],
        },
        status=400,
    )
    assert written["error"] == "invalid_rule_scope_target"
    a = post(
        client,
        "rules/evaluate",
        {"scope": scope, "context": {"agent": {"id": "agent-a", "team_id": "team-t"}}},
    )
    assert a["applied"]["policy"]["tool"] == {"deny": ["a", "t"]}
    b = post(client, "rules/evaluate", {"scope": scope, "context": {"agent_id": "agent-b"}})
    assert b["applied"]["policy"]["tool"] == {}
    assert b["agent_visibility_summary"]["rule_scope"]["filtered_by_scope"] == 2


def test_feedback_changes_ranking(client: httpx.Client) -> None:
    scope = "rules-feedback"
    text = write_rule(client, scope, "text", {"then": {"output": {"format": "text"}}})
    json_rule = write_rule(client, scope, "json", {"then": {"output": {"format": "json"}}})
    first = sorted([text, json_rule])[0]
    before = post(client, "rules/evaluate", {"scope": scope, "context": {}})
    assert before["active"][0]["rule_node_id"] == first
    loser = json_rule if first == text else text
    for _ in range(2):
        post(
            client,
            "feedback",
            {"scope": scope, "rule_node_id": loser, "outcome": "positive", "input_text": "good"},
        )
    post(
        client,
        "feedback",
        {"scope": scope, "rule_node_id": first, "outcome": "negative", "input_text": "bad"},
    )
    after = post(client, "rules/evaluate", {"scope": scope, "context": {}})
    assert after["active"][0]["rule_node_id"] == loser
    assert after["active"][0]["rank"]["score"] == 200
    assert after["active"][1]["rank"]["score"] == -100
    assert after["applied"]["conflicts"] == [
        {"path": "output.format", "winner_rule_node_id": loser}
    ]


def test_include_shadow_false_and_limit(client: httpx.Client) -> None:
    scope = "rules-shadow-flag"
    write_rule(client, scope, "s", {"then": {"tool": {"deny": ["x"]}}}, activate="shadow")
    result = post(
        client, "rules/evaluate", {"scope": scope, "context": {}, "include_shadow": False}
    )
    assert result["shadow"] == []
    assert "shadow_policy" not in result["applied"]
    error = post(client, "rules/evaluate", {"scope": scope, "context": {}, "limit": 0}, status=400)
    assert error["issues"][0]["path"] == "limit"
