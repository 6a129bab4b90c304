"""tools/select, tools/decision and tools/run services on a real database (§7.10)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rules_support import count_rows, insert_rule, make_ctx, make_state

from aionis_sdk.canonical import canon, sha256hex
from aionis_server.context import ServerState
from aionis_server.errors import ApiError
from aionis_server.services.decision_store import resolve_decision
from aionis_server.services.tool_selection import normalise_candidates, select
from aionis_server.services.tools import tools_decision, tools_run, tools_select
from aionis_server.storage.db import Database

CONTEXT = {"agent": {"id": "local-user"}, "agent_id": "local-user", "intent": "test"}


@pytest.fixture
def state(tmp_path: Path) -> Iterator[ServerState]:
    db = Database(tmp_path / "tools.db")
    yield make_state(db)
    db.close()


def run_select(state: ServerState, candidates: list[str], **extra: Any) -> dict[str, Any]:
    body = {"context": CONTEXT, "candidates": candidates, **extra}
    return tools_select(make_ctx(state, body))


def error_of(fn: Any, *args: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        fn(*args)
    return caught.value


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ([" a ", "b", "a", "", "  ", "c"], ["a", "b", "c"]),
        (["x"], ["x"]),
        (["", " "], []),
    ],
)
def test_normalise_candidates(raw: list[str], normalised: list[str]) -> None:
    assert normalise_candidates(raw) == normalised


@pytest.mark.parametrize(
    ("tool", "strict", "allowed", "selected", "reason", "mode"),
    [
        ({}, True, ["a", "b", "c"], "a", "none", "deny_only"),
        ({"deny": ["a"]}, True, ["b", "c"], "b", "none", "deny_only"),
        ({"allow": ["c", "b"]}, True, ["b", "c"], "b", "none", "allow_and_deny"),
        (
            {"allow": ["b"], "deny": ["b"]},
            False,
            ["a", "c"],
            "a",
            "allowlist_filtered_all",
            "deny_only",
        ),
        ({"allow": ["z"]}, False, ["a", "b", "c"], "a", "allowlist_filtered_all", "deny_only"),
        ({"deny": ["a", "b", "c"]}, False, [], None, "deny_filtered_all", "deny_only"),
        (
            {"allow": ["a"], "deny": ["a", "b", "c"]},
            False,
            [],
            None,
            "deny_filtered_all",
            "deny_only",
        ),
        ({"prefer": ["c", "z", "b"]}, True, ["a", "b", "c"], "c", "none", "deny_only"),
        ({"prefer": ["c"], "deny": ["c"]}, True, ["a", "b"], "a", "none", "deny_only"),
    ],
)
def test_select_table(
    tool: dict[str, Any],
    strict: bool,
    allowed: list[str],
    selected: str | None,
    reason: str,
    mode: str,
) -> None:
    result = select(["a", "b", "c"], tool, strict=strict)
    assert result.allowed == allowed
    assert result.selected == selected
    assert result.fallback["reason"] == reason
    assert result.fallback["effective_mode"] == mode
    assert result.fallback["applied"] is (reason != "none")
    assert set(result.ordered) == set(allowed)


def test_select_prefer_order_and_denied_reasons() -> None:
    result = select(
        ["a", "b", "c", "d"],
        {"allow": ["a", "c", "d"], "deny": ["d"], "prefer": ["d", "c"]},
        strict=True,
    )
    assert result.denied == [
        {"name": "b", "reason": "not_in_allow_list"},
        {"name": "d", "reason": "deny_list"},
    ]
    assert result.preferred == ["c"]
    assert result.ordered == ["c", "a"]


@pytest.mark.parametrize(
    ("tool", "details", "message"),
    [
        (
            {"deny": ["a", "b"]},
            {"candidates": 2, "allow": 0, "deny": 2},
            "no candidates remain after deny filters",
        ),
        (
            {"allow": ["z"], "deny": ["a"]},
            {"candidates": 2, "allow": 1, "deny": 1},
            "no candidates remain after allow/deny filters",
        ),
    ],
)
def test_select_strict_failure(tool: dict[str, Any], details: dict[str, int], message: str) -> None:
    with pytest.raises(ApiError) as caught:
        select(["a", "b"], tool, strict=True)
    assert (caught.value.status, caught.value.code) == (400, "no_tools_allowed")
    assert caught.value.details == details
    assert caught.value.message == message


def test_tools_select_persists_decision(state: ServerState) -> None:
    deny = insert_rule(
        state.db, if_={"intent": "test"}, then={"tool": {"deny": ["rm"], "prefer": ["pytest"]}}
    )
    insert_rule(state.db, if_={"intent": "other"}, then={"tool": {"deny": ["pytest"]}})
    result = run_select(state, ["rm", "unittest", "pytest", " pytest "], run_id="run-1")
    assert result["candidates"] == ["rm", "unittest", "pytest"]
    selection = result["selection"]
    assert selection["selected"] == "pytest"
    assert selection["ordered"] == ["pytest", "unittest"]
    assert selection["denied"] == [{"name": "rm", "reason": "deny_list"}]
    assert result["rules"]["considered"] == 2
    assert result["rules"]["matched"] == 1
    assert result["rules"]["applied"]["sources"][0]["rule_node_id"] == deny
    decision = result["decision"]
    assert decision["run_id"] == "run-1"
    assert decision["selected_tool"] == "pytest"
    assert decision["source_rule_ids"] == [deny]
    assert decision["policy_sha256"] == sha256hex(canon(result["rules"]["applied"]["policy"]))
    assert (
        decision["decision_uri"] == f"aionis://default/default/decision/{decision['decision_id']}"
    )
    summary = result["selection_summary"]
    assert summary == {
        "summary_version": "tools_selection_summary_v1",
        "selected_tool": "pytest",
        "candidate_count": 3,
        "allowed_count": 2,
        "denied_count": 1,
        "preferred_count": 1,
        "matched_rules": 1,
        "fallback_applied": False,
        "fallback_reason": "none",
    }
    stored = tools_decision(make_ctx(state, {"decision_id": decision["decision_id"]}))["decision"]
    assert stored["context_sha256"] == sha256hex(canon(CONTEXT))
    assert stored["candidates"] == ["rm", "unittest", "pytest"]
    assert stored["commit_id"] is None
    assert stored["commit_uri"] is None
    assert stored["metadata"]["strict"] is True
    assert stored["metadata"]["matched_rules"] == 1
    assert stored["decision_kind"] == "tools_select"


def test_strict_failure_persists_nothing(state: ServerState) -> None:
    insert_rule(state.db, then={"tool": {"allow": ["a"]}})
    error = error_of(run_select, state, ["b", "c"])
    assert error.code == "no_tools_allowed"
    assert error.details == {"candidates": 2, "allow": 1, "deny": 0}
    assert count_rows(state.db, "decisions") == 0
    result = run_select(state, ["b", "c"], strict=False)
    assert result["selection"]["fallback"]["reason"] == "allowlist_filtered_all"
    assert result["selection"]["selected"] == "b"
    assert count_rows(state.db, "decisions") == 1


def test_shadow_selection_is_reported_not_enforced(state: ServerState) -> None:
    insert_rule(state.db, state="shadow", then={"tool": {"prefer": ["b"]}})
    result = run_select(state, ["a", "b"], include_shadow=True)
    assert result["selection"]["selected"] == "a"
    assert result["rules"]["shadow_selection"]["selected"] == "b"
    assert result["selection_summary"]["shadow_selected_tool"] == "b"
    assert result["decision"]["source_rule_ids"] == []
    plain = run_select(state, ["a", "b"])
    assert "shadow_selection" not in plain["rules"]
    assert "shadow_selected_tool" not in plain["selection_summary"]


def test_tools_decision_lookup_precedence(state: ServerState) -> None:
    first = run_select(state, ["a"], run_id="r")["decision"]
    second = run_select(state, ["b"], run_id="r")["decision"]
    by_id = tools_decision(make_ctx(state, {"decision_id": first["decision_id"], "run_id": "r"}))
    assert by_id["lookup_mode"] == "decision_id"
    assert by_id["decision"]["decision_id"] == first["decision_id"]
    by_uri = tools_decision(make_ctx(state, {"decision_uri": first["decision_uri"], "run_id": "r"}))
    assert by_uri["decision"]["decision_id"] == first["decision_id"]
    latest = tools_decision(make_ctx(state, {"run_id": "r"}))
    assert latest["lookup_mode"] == "run_id_latest"
    assert latest["decision"]["decision_id"] == second["decision_id"]
    assert latest["lifecycle_summary"]["summary_version"] == "tools_lifecycle_summary_v1"
    assert latest["lifecycle_summary"]["status"] == "decision_recorded"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"decision_id": "00000000-0000-4000-8000-000000000000"},
            404,
            "decision_not_found_in_scope",
        ),
        ({"run_id": "nope"}, 404, "decision_not_found_in_scope"),
        (
            {
                "decision_uri": "aionis://default/default/decision/00000000-0000-4000-8000-000000000000"
            },
            404,
            "decision_not_found_in_scope",
        ),
        (
            {
                "decision_uri": "aionis://default/default/commit/00000000-0000-4000-8000-000000000000"
            },
            400,
            "invalid_decision_uri_type",
        ),
        (
            {
                "decision_uri": "aionis://default/other/decision/00000000-0000-4000-8000-000000000000"
            },
            400,
            "decision_uri_scope_mismatch",
        ),
        ({"decision_uri": "http://x"}, 400, "invalid_aionis_uri"),
        ({}, 400, "invalid_request"),
        ({"decision_id": "not-a-uuid"}, 400, "invalid_request"),
    ],
)
def test_tools_decision_errors(
    state: ServerState, body: dict[str, Any], status: int, code: str
) -> None:
    error = error_of(tools_decision, make_ctx(state, body))
    assert (error.status, error.code) == (status, code)


def test_decisions_are_scoped(state: ServerState) -> None:
    decision = run_select(state, ["a"])["decision"]
    other = make_ctx(state, {"decision_id": decision["decision_id"]}, scope="other")
    assert error_of(tools_decision, other).code == "decision_not_found_in_scope"


def test_tools_run(state: ServerState) -> None:
    assert error_of(tools_run, make_ctx(state, {"run_id": "r1"})).code == "run_not_found_in_scope"
    ids = [
        run_select(state, [name], run_id="r1")["decision"]["decision_id"]
        for name in ("a", "b", "c")
    ]
    run_select(state, ["z"], run_id="r2")
    result = tools_run(make_ctx(state, {"run_id": "r1", "decision_limit": 2}))
    assert [d["decision_id"] for d in result["decisions"]] == ids[::-1][:2]
    lifecycle = result["lifecycle"]
    assert lifecycle["status"] == "decision_recorded"
    assert lifecycle["decision_count"] == 3
    assert lifecycle["latest_feedback_at"] is None
    assert result["feedback"] == {
        "total": 0,
        "by_outcome": {"positive": 0, "negative": 0, "neutral": 0},
        "linked_decision_count": 0,
        "tools_feedback_count": 0,
        "recent": [],
    }
    assert "feedback" not in tools_run(make_ctx(state, {"run_id": "r1", "include_feedback": False}))


def test_resolve_decision_needs_visible_source_rules(state: ServerState) -> None:
    insert_rule(
        state.db, lane="private", owner_agent_id="local-user", then={"tool": {"prefer": ["b"]}}
    )
    decision = run_select(state, ["a", "b"])["decision"]
    ctx = make_ctx(state)
    with state.db.read() as conn:
        assert resolve_decision(conn, ctx, decision["decision_id"], None, None) is None
        assert resolve_decision(conn, ctx, decision["decision_id"], "someone", "team") is None
        payload = resolve_decision(conn, ctx, decision["decision_id"], "local-user", None)
        missing = resolve_decision(
            conn, ctx, "00000000-0000-4000-8000-000000000000", "local-user", None
        )
    assert payload is not None
    assert payload["decision_uri"] == decision["decision_uri"]
    assert payload["selected_tool"] == "b"
    assert missing is None
    plain = run_select(state, ["c"], context={"agent_id": "other"})["decision"]
    with state.db.read() as conn:
        assert resolve_decision(conn, ctx, plain["decision_id"], None, None) is not None
