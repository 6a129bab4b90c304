"""§7.10 tools/select, tools/decision and tools/run."""

from __future__ import annotations

import time
from typing import Any

import pytest

from aionis_sdk.canonical import canon, sha256hex
from contract_tests._support import (
    UUID4_RE,
    Api,
    Wire,
    assert_timestamp,
    make_rule,
    require_keys,
    requires_capability,
    uid,
)

pytestmark = requires_capability("tools")

SEL = "/v1/memory/tools/select"
DEC = "/v1/memory/tools/decision"
RUN = "/v1/memory/tools/run"


def _select(wire: Wire, candidates: list[str], **extra: Any) -> dict[str, Any]:
    return wire.ok(SEL, {"context": extra.pop("context", {}), "candidates": candidates, **extra})


async def test_select_response_shape(client: Api) -> None:
    body = await client(
        "tools.select", context={"task": "t"}, candidates=["a", "b"], run_id="run-1"
    )
    require_keys(
        body,
        "scope",
        "tenant_id",
        "candidates",
        "selection",
        "rules",
        "decision",
        "selection_summary",
    )
    sel = body["selection"]
    require_keys(
        sel, "candidates", "allowed", "denied", "preferred", "ordered", "selected", "fallback"
    )
    assert sel["selected"] == "a"
    assert sel["fallback"]["applied"] is False
    assert sel["fallback"]["reason"] == "none"
    assert sel["fallback"]["effective_mode"] == "deny_only"
    require_keys(body["rules"], "considered", "matched", "applied")
    d = body["decision"]
    require_keys(
        d,
        "decision_id",
        "decision_uri",
        "run_id",
        "selected_tool",
        "policy_sha256",
        "source_rule_ids",
        "created_at",
    )
    assert UUID4_RE.match(d["decision_id"])
    assert d["decision_uri"] == f"aionis://default/{client.scope}/decision/{d['decision_id']}"
    assert d["run_id"] == "run-1"
    assert d["selected_tool"] == "a"
    assert_timestamp(d["created_at"])
    s = body["selection_summary"]
    assert s["summary_version"] == "tools_selection_summary_v1"
    assert (s["candidate_count"], s["allowed_count"], s["denied_count"]) == (2, 2, 0)
    assert s["selected_tool"] == "a"
    assert s["fallback_applied"] is False


def test_candidates_are_normalised(wire: Wire) -> None:
    body = _select(wire, [" a ", "", "b", "a", "  "])
    assert body["candidates"] == ["a", "b"]
    assert body["selection"]["candidates"] == ["a", "b"]


def test_deny_allow_prefer(wire: Wire) -> None:
    make_rule(
        wire,
        {
            "then": {
                "tool": {"deny": ["a"], "allow": ["b", "c", "d", "e"], "prefer": ["x", "d", "c"]}
            }
        },
    )
    body = _select(wire, ["a", "b", "c", "d", "f"])
    sel = body["selection"]
    assert sel["allowed"] == ["b", "c", "d"]
    assert {(x["name"], x["reason"]) for x in sel["denied"]} == {
        ("a", "deny_list"),
        ("f", "not_in_allow_list"),
    }
    assert sel["preferred"] == ["d", "c"]
    assert sel["ordered"] == ["d", "c", "b"]
    assert sel["selected"] == "d"
    assert sel["fallback"]["effective_mode"] == "allow_and_deny"
    s = body["selection_summary"]
    assert (s["allowed_count"], s["denied_count"], s["preferred_count"]) == (3, 2, 2)
    assert s["matched_rules"] == 1


def test_strict_failure_is_400_and_persists_nothing(wire: Wire) -> None:
    make_rule(wire, {"then": {"tool": {"deny": ["a"], "allow": ["z"]}}})
    run = uid("run")
    err = wire.err(
        SEL, {"context": {}, "candidates": ["a", "b", "c"], "run_id": run}, 400, "no_tools_allowed"
    )
    assert err["details"]["candidates"] == 3
    assert err["details"]["allow"] == 1
    assert err["details"]["deny"] == 1
    wire.err(DEC, {"run_id": run}, 404, "decision_not_found_in_scope")
    wire.err(RUN, {"run_id": run}, 404, "run_not_found_in_scope")


def test_non_strict_allowlist_fallback(wire: Wire) -> None:
    make_rule(wire, {"then": {"tool": {"allow": ["zz"], "deny": ["a"]}}})
    sel = _select(wire, ["a", "b"], strict=False)["selection"]
    assert sel["selected"] == "b"
    assert sel["fallback"]["applied"] is True
    assert sel["fallback"]["reason"] == "allowlist_filtered_all"
    assert sel["fallback"]["effective_mode"] == "deny_only"


def test_non_strict_deny_all_selects_null(wire: Wire) -> None:
    make_rule(wire, {"then": {"tool": {"deny": ["a", "b"]}}})
    body = _select(wire, ["a", "b"], strict=False, run_id="r")
    sel = body["selection"]
    assert sel["selected"] is None
    assert sel["fallback"]["reason"] == "deny_filtered_all"
    assert sel["fallback"]["effective_mode"] == "deny_only"
    assert body["decision"]["selected_tool"] is None


def test_shadow_policy_is_never_enforced(wire: Wire) -> None:
    make_rule(wire, {"then": {"tool": {"deny": ["a"]}}}, state="shadow")
    body = _select(wire, ["a", "b"], include_shadow=True)
    assert body["selection"]["selected"] == "a"
    shadow_sel = body["selection_summary"].get("shadow_selected_tool")
    if shadow_sel is not None:
        assert shadow_sel == "b"


def test_context_conditions_drive_selection(wire: Wire) -> None:
    make_rule(wire, {"if": {"intent": "write"}, "then": {"tool": {"prefer": ["editor"]}}})
    assert (
        _select(wire, ["shell", "editor"], context={"intent": "write"})["selection"]["selected"]
        == "editor"
    )
    assert (
        _select(wire, ["shell", "editor"], context={"intent": "read"})["selection"]["selected"]
        == "shell"
    )


@pytest.mark.parametrize(
    "body",
    [
        {"context": {}, "candidates": []},
        {"context": {}},
        {"context": {}, "candidates": ["a"] * 201},
        {"context": {}, "candidates": ["a"], "rules_limit": 0},
    ],
)
def test_select_validation(wire: Wire, body: dict[str, Any]) -> None:
    wire.err(SEL, body, 400, "invalid_request")


@pytest.mark.auth_off
def test_persisted_decision_fields(wire: Wire, local_id: str) -> None:
    rid = make_rule(wire, {"then": {"tool": {"prefer": ["b"]}}})
    sel = _select(wire, ["a", "b", "a"], context={"task": "x"}, run_id="r1")
    body = wire.ok(DEC, {"decision_id": sel["decision"]["decision_id"]})
    require_keys(body, "tenant_id", "scope", "lookup_mode", "decision")
    assert body["lookup_mode"] == "decision_id"
    d = body["decision"]
    require_keys(
        d,
        "decision_id",
        "decision_uri",
        "decision_kind",
        "run_id",
        "selected_tool",
        "candidates",
        "context_sha256",
        "policy_sha256",
        "source_rule_ids",
        "metadata",
        "created_at",
        "commit_id",
        "commit_uri",
    )
    assert d["decision_kind"] == "tools_select"
    assert d["candidates"] == ["a", "b"]
    assert d["selected_tool"] == "b"
    assert d["source_rule_ids"] == [rid]
    assert d["commit_id"] is None
    injected = {"task": "x", "agent": {"id": local_id}, "agent_id": local_id}
    assert d["context_sha256"] == sha256hex(canon(injected))
    policy = wire.ok("/v1/memory/rules/evaluate", {"context": {}})["applied"]["policy"]
    assert d["policy_sha256"] == sha256hex(canon(policy))
    assert sel["decision"]["policy_sha256"] == d["policy_sha256"]
    assert d["metadata"]["strict"] is True
    assert d["metadata"]["include_shadow"] is False
    assert d["metadata"]["rules_limit"] == 50


def test_decision_lookup_precedence(wire: Wire) -> None:
    first = _select(wire, ["a"], run_id="r")["decision"]
    time.sleep(0.005)  # distinct created_at
    second = _select(wire, ["b"], run_id="r")["decision"]
    by_run = wire.ok(DEC, {"run_id": "r"})
    assert by_run["lookup_mode"] == "run_id_latest"
    assert by_run["decision"]["decision_id"] == second["decision_id"]
    by_id = wire.ok(DEC, {"decision_id": first["decision_id"], "run_id": "r"})
    assert by_id["decision"]["decision_id"] == first["decision_id"]
    by_uri = wire.ok(DEC, {"decision_uri": first["decision_uri"], "run_id": "r"})
    assert by_uri["decision"]["decision_id"] == first["decision_id"]


def test_decision_errors(wire: Wire) -> None:
    wire.err(DEC, {}, 400, "invalid_request")
    wire.err(
        DEC,
        {"decision_id": "00000000-0000-4000-8000-000000000000"},
        404,
        "decision_not_found_in_scope",
    )
    sel = _select(wire, ["a"])
    other = wire.with_scope(wire.scope + "-o")
    other.err(
        DEC, {"decision_id": sel["decision"]["decision_id"]}, 404, "decision_not_found_in_scope"
    )


def test_run_lifecycle_before_feedback(wire: Wire) -> None:
    _select(wire, ["a"], run_id="run")
    time.sleep(0.005)  # distinct created_at
    _select(wire, ["b"], run_id="run")
    body = wire.ok(RUN, {"run_id": "run"})
    require_keys(body, "tenant_id", "scope", "run_id", "lifecycle", "decisions", "feedback")
    lc = body["lifecycle"]
    assert lc["status"] == "decision_recorded"
    assert lc["decision_count"] == 2
    assert [d["selected_tool"] for d in body["decisions"]] == ["b", "a"]
    assert body["feedback"]["total"] == 0
    limited = wire.ok(RUN, {"run_id": "run", "decision_limit": 1, "include_feedback": False})
    assert len(limited["decisions"]) == 1
    assert "feedback" not in limited


def test_run_not_found(wire: Wire) -> None:
    wire.err(RUN, {"run_id": uid("none")}, 404, "run_not_found_in_scope")
    wire.err(RUN, {}, 400, "invalid_request")
