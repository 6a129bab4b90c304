"""§7.9 ranking, merge and conflicts, tool merge, scope and lane filters; POST /feedback."""

from __future__ import annotations

from typing import Any

import pytest

from aionis_sdk.canonical import canon, sha256hex, stable_uuid
from contract_tests._support import (
    UUID_RE,
    Api,
    Wire,
    make_rule,
    matched_ids,
    require_keys,
    requires_capability,
)

pytestmark = requires_capability("rules")

EV = "/v1/memory/rules/evaluate"
FB = "/v1/memory/feedback"


def _feedback(wire: Wire, rid: str, outcome: str, n: int = 1) -> list[dict[str, Any]]:
    return [
        wire.ok(FB, {"rule_node_id": rid, "outcome": outcome, "input_text": f"fb {i}"})
        for i in range(n)
    ]


def _match(body: dict[str, Any], rid: str) -> dict[str, Any]:
    return next(m for m in body["active"] + body["shadow"] if m["rule_node_id"] == rid)


def test_rank_score_formula(wire: Wire) -> None:
    rid = make_rule(
        wire,
        {
            "if": {"intent": "deploy", "who.id": "bot"},
            "rule_meta": {"priority": 2, "weight": 1.5},
        },
    )
    _feedback(wire, rid, "positive", 3)
    _feedback(wire, rid, "negative", 1)
    _feedback(wire, rid, "neutral", 1)
    body = wire.ok(EV, {"context": {"intent": "deploy", "who": {"id": "bot"}}})
    m = _match(body, rid)
    assert m["stats"] == {"positive": 3, "negative": 1}
    assert m["rank"]["priority"] == 2
    assert m["rank"]["weight"] == 1.5
    assert m["rank"]["specificity"] == 2
    assert m["rank"]["score"] == pytest.approx(2000 + 2 * 100 * 1.5 + 2)


@pytest.mark.parametrize(
    ("slots", "priority", "weight"),
    [
        ({"rule_meta": {"priority": 250.7}}, 100, 1),
        ({"priority": -3.9}, -3, 1),
        ({"rule_meta": {"priority": -1000, "weight": 5}}, -100, 2),
        ({"weight": -1}, 0, 0),
        ({"rule_meta": {"priority": 7}, "priority": 1}, 7, 1),
    ],
)
def test_priority_and_weight_clamping(
    wire: Wire, slots: dict[str, Any], priority: int, weight: float
) -> None:
    rid = make_rule(wire, slots)
    m = _match(wire.ok(EV, {"context": {}}), rid)
    assert m["rank"]["priority"] == priority
    assert m["rank"]["weight"] == weight
    assert m["rank"]["score"] == pytest.approx(priority * 1000)


@pytest.mark.parametrize(
    ("cond", "count"),
    [
        ({}, 0),
        ({"x": 1}, 1),
        ({"a": {"b": 1}, "c": {"$gt": 1}, "d": [1], "e": {}}, 4),
        ({"$and": [{"a": {"b": 1}}, {"c": {"$gt": 1}}]}, 2),
        ({"$or": [{"x": 1}, {"x": 2}]}, 1),
    ],
)
def test_specificity(wire: Wire, cond: dict[str, Any], count: int) -> None:
    ctx = {"a": {"b": 1}, "c": 2, "d": [1], "e": {}, "x": 1, "who": {"id": "bot"}}
    rid = make_rule(wire, {"if": cond})
    body = wire.ok(EV, {"context": ctx})
    if rid not in matched_ids(body):
        pytest.fail(f"rule with if={cond} should match {ctx}")
    m = _match(body, rid)
    assert m["rank"]["specificity"] == count
    assert m["match_detail"]["condition_path_count"] == count
    assert len(m["match_detail"]["condition_paths"]) == count


def test_order_by_score_then_id(wire: Wire) -> None:
    low_a = make_rule(wire, {})
    low_b = make_rule(wire, {})
    high = make_rule(wire, {"priority": 1})
    body = wire.ok(EV, {"context": {}})
    assert matched_ids(body) == [high, *sorted([low_a, low_b])]


def test_merge_conflicts_and_tool_merge(wire: Wire) -> None:
    low = make_rule(
        wire,
        {
            "then": {
                "output": {"format": "text", "strict": True},
                "tool": {"allow": ["b", "c", "d"], "deny": ["z"], "prefer": ["c", "b"]},
                "extensions": {"tags": ["y", "x"]},
            }
        },
    )
    high = make_rule(
        wire,
        {
            "priority": 1,
            "then": {
                "output": {"format": "json"},
                "tool": {"allow": ["c", "a", "b"], "prefer": ["b"], "deny": ["q"]},
                "extensions": {"tags": ["x", "w"]},
            },
        },
    )
    applied = wire.ok(EV, {"context": {}})["applied"]
    policy = applied["policy"]
    assert policy["output"] == {"format": "json", "strict": True}
    assert policy["tool"] == {"allow": ["b", "c"], "deny": ["q", "z"], "prefer": ["b", "c"]}
    assert policy["extensions"] == {"tags": ["y", "x", "w"]}
    conflicts = {(c["path"], c["winner_rule_node_id"]) for c in applied["conflicts"]}
    assert ("output.format", high) in conflicts
    sources = {s["rule_node_id"]: s for s in applied["sources"]}
    assert set(sources) == {low, high}
    require_keys(sources[high], "rule_node_id", "state", "commit_id", "touched_paths", "rank")
    assert sources[high]["touched_paths"] == sorted(
        ["extensions.tags", "output.format", "tool.allow", "tool.deny", "tool.prefer"]
    )


def test_no_tool_fields_gives_empty_tool_policy(wire: Wire) -> None:
    make_rule(wire, {"then": {"output": {"format": "markdown"}}})
    policy = wire.ok(EV, {"context": {}})["applied"]["policy"]
    assert policy["tool"] == {}
    assert policy["output"] == {"format": "markdown"}


def test_allow_only_when_some_rule_sets_it(wire: Wire) -> None:
    make_rule(wire, {"then": {"tool": {"deny": ["x"]}}})
    assert wire.ok(EV, {"context": {}})["applied"]["policy"]["tool"] == {"deny": ["x"]}


def test_shadow_policy_is_reported_not_applied(wire: Wire) -> None:
    make_rule(wire, {"then": {"tool": {"deny": ["s"]}}}, state="shadow")
    applied = wire.ok(EV, {"context": {}})["applied"]
    assert applied["policy"]["tool"] == {}
    if "shadow_policy" in applied:
        assert applied["shadow_policy"]["tool"] == {"deny": ["s"]}


@pytest.mark.parametrize(
    ("slots", "ctx", "expected"),
    [
        ({"rule_scope": "agent", "target_agent_id": "bot"}, {"agent": {"id": "bot"}}, True),
        ({"rule_scope": "agent", "target_agent_id": "bot"}, {"agent_id": "bot"}, True),
        ({"rule_scope": "AGENT", "target_agent_id": "bot"}, {"agent": {"id": "other"}}, False),
        ({"rule_scope": "team", "target_team_id": "t"}, {"agent": {"team_id": "t"}}, True),
        ({"rule_scope": "team", "target_team_id": "t"}, {"team_id": "t"}, True),
        ({"rule_scope": "team", "target_team_id": "t"}, {"agent": {"id": "bot"}}, False),
        ({"rule_scope": "galaxy"}, {}, True),
    ],
)
@pytest.mark.auth_off
def test_rule_scope_filter(
    wire: Wire, slots: dict[str, Any], ctx: dict[str, Any], expected: bool
) -> None:
    rid = make_rule(wire, slots)
    assert (rid in matched_ids(wire.ok(EV, {"context": ctx}))) is expected


@pytest.mark.auth_off
def test_lane_filter_private_rules(wire: Wire) -> None:
    written = wire.write(
        [
            {
                "client_id": "p",
                "type": "rule",
                "owner_agent_id": "alice",
                "owner_team_id": "ta",
                "slots": {},
            }
        ],
        input_text="private rule",
    )
    rid = written["nodes"][0]["id"]
    wire.ok(
        "/v1/memory/rules/state",
        {"rule_node_id": rid, "state": "active", "input_text": "on", "actor": "alice"},
    )
    assert rid in matched_ids(wire.ok(EV, {"context": {"agent": {"id": "alice"}}}))
    assert rid in matched_ids(wire.ok(EV, {"context": {"agent": {"id": "x", "team_id": "ta"}}}))
    hidden = wire.ok(EV, {"context": {"agent": {"id": "bob"}}})
    assert rid not in matched_ids(hidden)
    summary = hidden.get("agent_visibility_summary")
    if summary is not None:
        assert summary["rule_scope"]["filtered_by_lane"] == 1
        assert summary["lane"]["reason"] in ("enforced_agent_only", "enforced_agent_team")
    # recall's rules_context injects no agent: private rules fail closed there.
    recall = wire.ok("/v1/memory/recall_text", {"query_text": "q", "rules_context": {}})
    assert recall["rules"]["active"] == []
    lane = (recall["rules"].get("agent_visibility_summary") or {}).get("lane")
    if lane is not None:
        assert lane["reason"] == "missing_agent_context_fail_closed"


def test_evaluate_validation(wire: Wire) -> None:
    wire.err(EV, {"context": {}, "limit": 0}, 400, "invalid_request")
    wire.err(EV, {"context": {}, "limit": 201}, 400, "invalid_request")


async def test_feedback_response_and_counters(client: Api) -> None:
    await client(
        "memory.write",
        input_text="fb rule",
        memory_lane="shared",
        nodes=[{"client_id": "r", "type": "rule", "slots": {}}],
    )
    rid = (await client("memory.find", client_id="r"))["nodes"][0]["id"]
    await client("rules.set_state", rule_node_id=rid, state="active", input_text="on")
    body = await client(
        "rules.feedback",
        rule_node_id=rid,
        outcome="negative",
        input_text="bad",
        run_id="run-1",
        note="  it   failed ",
    )
    require_keys(body, "tenant_id", "scope", "commit_id", "commit_hash", "feedback_id")
    assert UUID_RE.match(body["feedback_id"])
    evaluated = await client("rules.evaluate", context={})
    assert evaluated["active"][0]["stats"] == {"positive": 0, "negative": 1}
    assert evaluated["active"][0]["rank"]["score"] == pytest.approx(-100)


def test_feedback_commit_hash_chains_on_latest(wire: Wire) -> None:
    rid = make_rule(wire, {}, state="draft")
    latest = wire.ok(
        "/v1/memory/rules/state", {"rule_node_id": rid, "state": "active", "input_text": "on"}
    )
    body = wire.ok(FB, {"rule_node_id": rid, "outcome": "positive", "input_text": "good"})
    diff = {
        "feedback": [
            {"id": body["feedback_id"], "rule_node_id": rid, "outcome": "positive", "run_id": None}
        ]
    }
    expected = sha256hex(
        canon(
            {
                "parentHash": latest["commit_hash"],
                "inputSha": sha256hex("good"),
                "diffSha": sha256hex(canon(diff)),
                "scope": wire.scope,
                "actor": "system",
                "kind": "rule_feedback",
            }
        )
    )
    assert body["commit_hash"] == expected
    assert body["commit_id"] == stable_uuid("lite:commit:" + expected)


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "positive", "input_text": "x"},
        {"rule_node_id": "nope", "outcome": "positive", "input_text": "x"},
        {
            "rule_node_id": "00000000-0000-4000-8000-000000000000",
            "outcome": "great",
            "input_text": "x",
        },
        {"rule_node_id": "00000000-0000-4000-8000-000000000000", "outcome": "positive"},
    ],
)
def test_feedback_validation(wire: Wire, body: dict[str, Any]) -> None:
    wire.err(FB, body, 400, "invalid_request")


def test_feedback_unknown_rule(wire: Wire) -> None:
    wire.err(
        FB,
        {
            "rule_node_id": "00000000-0000-4000-8000-000000000000",
            "outcome": "positive",
            "input_text": "x",
        },
        400,
        "rule_not_found_in_scope",
    )


def test_feedback_on_draft_rule_counts(wire: Wire) -> None:
    rid = make_rule(wire, {}, state="draft")
    wire.ok(FB, {"rule_node_id": rid, "outcome": "positive", "input_sha256": sha256hex("x")})
    wire.ok("/v1/memory/rules/state", {"rule_node_id": rid, "state": "active", "input_text": "on"})
    m = _match(wire.ok(EV, {"context": {}}), rid)
    assert m["stats"] == {"positive": 1, "negative": 0}
