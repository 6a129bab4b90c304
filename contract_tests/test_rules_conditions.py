"""§7.9 the condition language through rules/evaluate, and rules/state validation and commits."""

from __future__ import annotations

import time
from typing import Any

import pytest

from aionis_sdk.canonical import canon, sha256hex, stable_uuid
from contract_tests._support import (
    Api,
    Wire,
    make_rule,
    matched_ids,
    require_keys,
    requires_capability,
)

pytestmark = requires_capability("rules")

EV = "/v1/memory/rules/evaluate"
ST = "/v1/memory/rules/state"

CTX: dict[str, Any] = {
    "intent": "deploy",
    "env": "prod",
    "n": 5,
    "tags": ["a", "b"],
    "who": {"id": "bot", "team_id": "t"},
    "nil": None,
    "flag": True,
    "text": "hello world",
    "nested": {"x": {"y": 1}},
    "list": [{"k": 1}, {"k": 2}],
}


@pytest.mark.parametrize(
    ("cond", "expected"),
    [
        ({}, True),
        ({"intent": "deploy"}, True),
        ({"intent": "other"}, False),
        ({"missing": "x"}, False),
        ({"n": {"$gt": 4}}, True),
        ({"n": {"$gt": 5}}, False),
        ({"n": {"$gte": 5}}, True),
        ({"n": {"$lt": "6"}}, True),
        ({"n": {"$lte": 4.5}}, False),
        ({"text": {"$gt": 1}}, False),
        ({"flag": {"$gt": 0}}, False),
        ({"n": {"$eq": 5}}, True),
        ({"n": {"$ne": 5}}, False),
        ({"nested": {"$eq": {"x": {"y": 1}}}}, True),
        ({"nil": {"$exists": True}}, True),
        ({"missing": {"$exists": False}}, True),
        ({"missing": {"$exists": True}}, False),
        ({"env": {"$in": ["prod", "dev"]}}, True),
        ({"env": {"$nin": ["prod"]}}, False),
        ({"text": {"$contains": "lo wo"}}, True),
        ({"tags": {"$contains": "b"}}, True),
        ({"n": {"$contains": 5}}, False),
        ({"text": {"$regex": "^hel+o"}}, True),
        ({"text": {"$regex": "world"}}, True),
        ({"text": {"$regex": "(l)\\1"}}, False),
        ({"text": {"$regex": "(?=hello)"}}, False),
        ({"text": {"$regex": "(l+)+"}}, False),
        ({"text": {"$regex": ".*o.*d"}}, False),
        ({"text": {"$regex": "(hello|world)+"}}, False),
        ({"text": {"$regex": "["}}, False),
        ({"text": {"$regex": "h" * 257}}, False),
        ({"n": {"$regex": "5"}}, False),
        ({"n": {"$foo": 5}}, False),
        ({"nested": {"$in": [1, {"x": {"y": 1}}]}}, True),
        ({"nested": {"$nin": [{"x": {"y": 2}}]}}, True),
        ({"list": {"$contains": {"k": 2}}}, True),
        ({"list": {"$contains": {"k": 3}}}, False),
        ({"n": {"$gt": "4"}}, True),
        ({"missing": {"$eq": None}}, False),
        ({"nil": {"$eq": None}}, True),
        ({"$and": [{"env": "prod"}, {"n": 5}]}, True),
        ({"$and": [{"env": "prod"}, {"n": 6}]}, False),
        ({"$or": [{"env": "x"}, {"n": 5}]}, True),
        ({"$not": {"env": "prod"}}, False),
        ({"$and": [{"env": "prod"}], "$or": [{"env": "nope"}]}, True),
        ({"who.id": "bot"}, True),
        ({"list.1.k": 2}, True),
        ({"nested": {"x": {"y": 1}}}, True),
        ({"tags": ["b"]}, True),
        ({"tags": ["c"]}, False),
        ({"tags": "a"}, False),
        ({"flag": 1}, False),
        ({"n": "5"}, False),
    ],
)
def test_condition_operators(wire: Wire, cond: dict[str, Any], expected: bool) -> None:
    rid = make_rule(wire, {"if": cond, "then": {"tool": {"prefer": ["x"]}}})
    body = wire.ok(EV, {"context": CTX})
    assert (rid in matched_ids(body)) is expected, body.get("active")


@pytest.mark.parametrize(
    ("exceptions", "expected"), [([{"env": "prod"}], False), ([{"env": "dev"}], True), ([], True)]
)
def test_exceptions(wire: Wire, exceptions: list[Any], expected: bool) -> None:
    rid = make_rule(wire, {"if": {}, "exceptions": exceptions})
    assert (rid in matched_ids(wire.ok(EV, {"context": CTX}))) is expected


async def test_evaluate_response_shape(client: Api) -> None:
    await client(
        "memory.write",
        input_text="r",
        memory_lane="shared",
        nodes=[
            {
                "client_id": "r",
                "type": "rule",
                "text_summary": "prefer x",
                "slots": {"if": {"intent": "deploy"}, "then": {"tool": {"prefer": ["x"]}}},
            }
        ],
    )
    written = await client("memory.find", client_id="r")
    rid = written["nodes"][0]["id"]
    await client("rules.set_state", rule_node_id=rid, state="active", input_text="on")
    body = await client("rules.evaluate", context=CTX)
    require_keys(
        body,
        "scope",
        "tenant_id",
        "considered",
        "matched",
        "skipped_invalid_then",
        "invalid_then_sample",
        "active",
        "shadow",
        "applied",
    )
    assert body["considered"] == 1
    assert body["matched"] == 1
    assert body["skipped_invalid_then"] == 0
    [m] = body["active"]
    require_keys(
        m,
        "rule_node_id",
        "state",
        "rule_scope",
        "target_agent_id",
        "target_team_id",
        "summary",
        "if_json",
        "then_json",
        "exceptions_json",
        "stats",
        "rank",
        "match_detail",
        "commit_id",
    )
    assert m["state"] == "active"
    assert m["rule_scope"] == "global"
    assert m["summary"] == "prefer x"
    assert m["stats"] == {"positive": 0, "negative": 0}
    require_keys(m["rank"], "score", "evidence_score", "priority", "weight", "specificity")
    require_keys(m["match_detail"], "condition_paths", "condition_path_count")
    require_keys(body["applied"], "policy", "sources", "conflicts")
    assert body["applied"]["policy"]["tool"] == {"prefer": ["x"]}


def test_states_draft_shadow_disabled(wire: Wire) -> None:
    draft = make_rule(wire, {}, state="draft")
    shadow = make_rule(wire, {"then": {"tool": {"deny": ["d"]}}}, state="shadow")
    disabled = make_rule(wire, {}, state="disabled")
    body = wire.ok(EV, {"context": {}})
    assert body["considered"] == 1
    assert [m["rule_node_id"] for m in body["shadow"]] == [shadow]
    assert body["active"] == []
    assert body["applied"]["policy"].get("tool", {}) == {}
    hidden = wire.ok(EV, {"context": {}, "include_shadow": False})
    assert hidden["shadow"] == []
    # any transition is allowed
    for state in ("active", "draft", "shadow", "disabled", "active"):
        wire.ok(ST, {"rule_node_id": disabled, "state": state, "input_text": state})
    assert disabled in matched_ids(wire.ok(EV, {"context": {}}))
    assert draft not in matched_ids(wire.ok(EV, {"context": {}}))


def test_evaluate_limit_most_recent_first(wire: Wire) -> None:
    first = make_rule(wire, {})
    time.sleep(0.005)  # distinct updated_at
    second = make_rule(wire, {})
    body = wire.ok(EV, {"context": {}, "limit": 1})
    assert body["considered"] == 1
    assert matched_ids(body) == [second]
    assert first not in matched_ids(body)


@pytest.mark.parametrize(
    ("slots", "code"),
    [
        ({"if": [1]}, "invalid_rule_if_json"),
        ({"if": "x"}, "invalid_rule_if_json"),
        ({"exceptions": {"a": 1}}, "invalid_rule_exceptions_json"),
        ({"then": {"tool": {"allow": "x"}}}, "invalid_rule_then_json"),
        ({"then": {"unknown": 1}}, "invalid_rule_then_json"),
        ({"then": {"output": {"format": "yaml"}}}, "invalid_rule_then_json"),
        ({"then": {"tool": {"prefer": ["a"], "boost": ["b"]}}}, "invalid_rule_then_json"),
        ({"then": {"tool": {"deny": [f"t{i}" for i in range(101)]}}}, "invalid_rule_then_json"),
        ({"then": {"output": {"strict": "yes"}}}, "invalid_rule_then_json"),
    ],
)
@pytest.mark.parametrize("state", ["active", "shadow"])
def test_state_validation(wire: Wire, slots: dict[str, Any], code: str, state: str) -> None:
    rid = make_rule(wire, slots, state="draft")
    body = wire.err(ST, {"rule_node_id": rid, "state": state, "input_text": "x"}, 400, code)
    if code == "invalid_rule_then_json":
        assert isinstance(body["details"]["message"], str)
    # draft and disabled do not validate
    wire.ok(ST, {"rule_node_id": rid, "state": "disabled", "input_text": "off"})


def test_state_errors(wire: Wire) -> None:
    event = wire.write([{"client_id": "e", "type": "event"}], memory_lane="shared")
    wire.err(
        ST,
        {"rule_node_id": event["nodes"][0]["id"], "state": "active", "input_text": "x"},
        400,
        "rule_not_found_in_scope",
    )
    wire.err(
        ST,
        {
            "rule_node_id": "00000000-0000-4000-8000-000000000000",
            "state": "active",
            "input_text": "x",
        },
        400,
        "rule_not_found_in_scope",
    )
    rid = make_rule(wire, {}, state="draft")
    wire.err(ST, {"rule_node_id": rid, "state": "on", "input_text": "x"}, 400, "invalid_request")
    wire.err(ST, {"rule_node_id": rid, "state": "active"}, 400, "invalid_request")
    other = wire.with_scope(wire.scope + "-o")
    other.err(
        ST,
        {"rule_node_id": rid, "state": "active", "input_text": "x"},
        400,
        "rule_not_found_in_scope",
    )


def test_state_change_commit_hash(wire: Wire) -> None:
    written = wire.write(
        [{"client_id": "r", "type": "rule", "memory_lane": "shared"}], input_text="rule base"
    )
    rid = written["nodes"][0]["id"]
    body = wire.ok(ST, {"rule_node_id": rid, "state": "shadow", "input_text": "go  shadow"})
    require_keys(body, "tenant_id", "scope", "commit_id", "commit_hash")
    diff = {"rule_state_change": [{"rule_node_id": rid, "state": "shadow"}]}
    expected = sha256hex(
        canon(
            {
                "parentHash": written["commit_hash"],
                "inputSha": sha256hex("go  shadow"),
                "diffSha": sha256hex(canon(diff)),
                "scope": wire.scope,
                "actor": "system",
                "kind": "rule_state_change",
            }
        )
    )
    assert body["commit_hash"] == expected
    assert body["commit_id"] == stable_uuid("lite:commit:" + expected)
    commit = wire.ok(
        "/v1/memory/resolve",
        {
            "uri": body.get("commit_uri")
            or f"aionis://default/{wire.scope}/commit/{body['commit_id']}"
        },
    )["commit"]
    assert commit["parent_id"] == written["commit_id"]
    # each call adds a commit: the same state again chains onto the previous one
    again = wire.ok(ST, {"rule_node_id": rid, "state": "shadow", "input_text": "go  shadow"})
    assert again["commit_id"] != body["commit_id"]
