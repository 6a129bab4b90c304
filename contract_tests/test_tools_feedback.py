"""§7.10 tools/feedback: attribution, decision link modes, mismatch codes, run lifecycle."""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests._support import (
    UUID_RE,
    Api,
    Wire,
    make_rule,
    require_keys,
    requires_capability,
)

pytestmark = requires_capability("tools")

SEL = "/v1/memory/tools/select"
FB = "/v1/memory/tools/feedback"
CTX = {"task": "edit file"}


def _setup(wire: Wire) -> tuple[str, str, dict[str, Any]]:
    tool_rule = make_rule(wire, {"then": {"tool": {"prefer": ["b"]}}})
    other_rule = make_rule(wire, {"then": {"output": {"format": "json"}}})
    sel = wire.ok(SEL, {"context": CTX, "candidates": ["a", "b"], "run_id": "run"})
    return tool_rule, other_rule, sel["decision"]


def _fb(wire: Wire, **fields: Any) -> dict[str, Any]:
    body = {
        "context": CTX,
        "candidates": ["a", "b"],
        "selected_tool": "b",
        "outcome": "positive",
        "input_text": "it worked",
        **fields,
    }
    return wire.ok(FB, body)


def _stats(wire: Wire, rid: str) -> dict[str, int]:
    body = wire.ok("/v1/memory/rules/evaluate", {"context": CTX})
    return next(m["stats"] for m in body["active"] if m["rule_node_id"] == rid)


async def test_feedback_response_shape_provided(client: Api) -> None:
    await client(
        "memory.write",
        input_text="r",
        memory_lane="shared",
        nodes=[{"client_id": "r", "type": "rule", "slots": {"then": {"tool": {"prefer": ["b"]}}}}],
    )
    rid = (await client("memory.find", client_id="r"))["nodes"][0]["id"]
    await client("rules.set_state", rule_node_id=rid, state="active", input_text="on")
    sel = await client("tools.select", context=CTX, candidates=["a", "b"], run_id="run")
    body = await client(
        "tools.feedback",
        context=CTX,
        candidates=["a", "b"],
        selected_tool="b",
        outcome="positive",
        input_text="ok",
        run_id="run",
        decision_id=sel["decision"]["decision_id"],
    )
    require_keys(
        body,
        "ok",
        "scope",
        "tenant_id",
        "updated_rules",
        "rule_node_ids",
        "commit_id",
        "commit_uri",
        "commit_hash",
        "decision_id",
        "decision_uri",
        "decision_link_mode",
        "decision_policy_sha256",
    )
    assert body["ok"] is True
    assert body["decision_link_mode"] == "provided"
    assert body["decision_id"] == sel["decision"]["decision_id"]
    assert body["rule_node_ids"] == [rid]
    assert body["updated_rules"] == 1
    assert body["decision_policy_sha256"] == sel["decision"]["policy_sha256"]
    assert body.get("pattern_anchor") is None


def test_attribution_target_tool_and_all(wire: Wire) -> None:
    tool_rule, other_rule, decision = _setup(wire)
    body = _fb(wire, decision_id=decision["decision_id"], run_id="run")
    assert body["rule_node_ids"] == [tool_rule]
    assert _stats(wire, tool_rule) == {"positive": 1, "negative": 0}
    assert _stats(wire, other_rule) == {"positive": 0, "negative": 0}
    everyone = _fb(wire, decision_id=decision["decision_id"], target="all", outcome="negative")
    assert sorted(everyone["rule_node_ids"]) == sorted([tool_rule, other_rule])
    assert everyone["updated_rules"] == 2
    assert _stats(wire, other_rule) == {"positive": 0, "negative": 1}


def test_decision_gets_the_feedback_commit(wire: Wire) -> None:
    _, _, decision = _setup(wire)
    body = _fb(wire, decision_id=decision["decision_id"])
    looked = wire.ok("/v1/memory/tools/decision", {"decision_id": decision["decision_id"]})
    assert looked["decision"]["commit_id"] == body["commit_id"]
    commit = wire.ok("/v1/memory/resolve", {"uri": body["commit_uri"]})["commit"]
    assert commit["id"] == body["commit_id"]


def test_inferred_link(wire: Wire) -> None:
    _, _, decision = _setup(wire)
    body = _fb(wire)
    assert body["decision_link_mode"] == "inferred"
    assert body["decision_id"] == decision["decision_id"]
    with_run = _fb(wire, run_id="run")
    assert with_run["decision_id"] == decision["decision_id"]


def test_created_from_feedback_link(wire: Wire) -> None:
    _setup(wire)
    body = _fb(wire, candidates=["b", "c"])
    assert body["decision_link_mode"] == "created_from_feedback"
    assert UUID_RE.match(body["decision_id"])
    d = wire.ok("/v1/memory/tools/decision", {"decision_id": body["decision_id"]})["decision"]
    assert d["metadata"]["source"] == "feedback_derived"
    assert d["selected_tool"] == "b"
    assert d["candidates"] == ["b", "c"]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"selected_tool": "a"}, "decision_selected_tool_mismatch"),
        ({"candidates": ["b", "a"]}, "decision_candidates_mismatch"),
        ({"run_id": "another-run"}, "decision_run_id_mismatch"),
    ],
)
def test_provided_decision_must_agree(wire: Wire, fields: dict[str, Any], code: str) -> None:
    _, _, decision = _setup(wire)
    body = {
        "context": CTX,
        "candidates": ["a", "b"],
        "selected_tool": "b",
        "outcome": "positive",
        "input_text": "x",
        "decision_id": decision["decision_id"],
        **fields,
    }
    wire.err(FB, body, 400, code)


def test_decision_without_run_adopts_the_feedback_run(wire: Wire) -> None:
    sel = wire.ok(SEL, {"context": CTX, "candidates": ["a", "b"]})
    _fb(wire, decision_id=sel["decision"]["decision_id"], selected_tool="a", run_id="late-run")
    d = wire.ok("/v1/memory/tools/decision", {"decision_id": sel["decision"]["decision_id"]})
    assert d["decision"]["run_id"] == "late-run"


def test_decision_uri_checks(wire: Wire) -> None:
    _, _, decision = _setup(wire)
    base = {
        "context": CTX,
        "candidates": ["a", "b"],
        "selected_tool": "b",
        "outcome": "positive",
        "input_text": "x",
    }
    zero = "00000000-0000-4000-8000-000000000000"
    event_uri = f"aionis://default/{wire.scope}/event/{decision['decision_id']}"
    wire.err(FB, {**base, "decision_uri": event_uri}, 400, "invalid_decision_uri_type")
    foreign = decision["decision_uri"].replace(f"/{wire.scope}/", f"/{wire.scope}-x/")
    wire.err(FB, {**base, "decision_uri": foreign}, 400, "decision_uri_scope_mismatch")
    wire.err(
        FB,
        {**base, "decision_uri": decision["decision_uri"], "decision_id": zero},
        400,
        "decision_uri_id_mismatch",
    )
    wire.err(FB, {**base, "decision_id": zero}, 400, "decision_not_found_in_scope")
    ok = wire.ok(FB, {**base, "decision_uri": decision["decision_uri"]})
    assert ok["decision_link_mode"] == "provided"


@pytest.mark.parametrize("drop", ["candidates", "selected_tool", "outcome", "input_text"])
def test_feedback_validation(wire: Wire, drop: str) -> None:
    body = {
        "context": CTX,
        "candidates": ["a"],
        "selected_tool": "a",
        "outcome": "positive",
        "input_text": "x",
    }
    del body[drop]
    wire.err(FB, body, 400, "invalid_request")


def test_run_lifecycle_after_feedback(wire: Wire) -> None:
    tool_rule, _, decision = _setup(wire)
    _fb(wire, decision_id=decision["decision_id"], run_id="run", outcome="negative", note="bad")
    body = wire.ok("/v1/memory/tools/run", {"run_id": "run"})
    assert body["lifecycle"]["status"] == "feedback_linked"
    fb = body["feedback"]
    assert fb["total"] == 1
    assert fb["by_outcome"] == {"positive": 0, "negative": 1, "neutral": 0}
    assert fb["tools_feedback_count"] == 1
    assert fb["linked_decision_count"] == 1
    [recent] = fb["recent"]
    assert recent["rule_node_id"] == tool_rule
    assert recent["source"] == "tools_feedback"
    assert recent["decision_id"] == decision["decision_id"]
    assert recent["outcome"] == "negative"
    assert body["lifecycle"]["latest_feedback_at"] is not None


def test_feedback_without_attributed_rules_is_not_counted(wire: Wire) -> None:
    sel = wire.ok(SEL, {"context": CTX, "candidates": ["a"], "run_id": "bare"})
    body = _fb(
        wire,
        candidates=["a"],
        selected_tool="a",
        run_id="bare",
        decision_id=sel["decision"]["decision_id"],
    )
    assert body["updated_rules"] == 0
    assert body["rule_node_ids"] == []
    run = wire.ok("/v1/memory/tools/run", {"run_id": "bare"})
    assert run["lifecycle"]["status"] == "decision_recorded"
    assert run["feedback"]["total"] == 0


@pytest.mark.auth_off
def test_private_rules_are_attributed_through_context_agent(wire: Wire, local_id: str) -> None:
    written = wire.write(
        [{"client_id": "p", "type": "rule", "slots": {"then": {"tool": {"deny": ["a"]}}}}],
        input_text="private",
    )
    rid = written["nodes"][0]["id"]
    wire.ok(
        "/v1/memory/rules/state",
        {"rule_node_id": rid, "state": "active", "input_text": "on", "actor": local_id},
    )
    body = _fb(wire, candidates=["a", "b"], selected_tool="b")
    assert body["rule_node_ids"] == [rid]


def test_shadow_rules_are_attributed_only_with_include_shadow(wire: Wire) -> None:
    shadow = make_rule(wire, {"then": {"tool": {"prefer": ["b"]}}}, state="shadow")
    plain = _fb(wire)
    assert plain["rule_node_ids"] == []
    with_shadow = _fb(wire, include_shadow=True)
    assert with_shadow["rule_node_ids"] == [shadow]
