"""tools/feedback service: attribution, decision linking, mismatch codes, commit and records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rules_support import count_rows, insert_rule, make_ctx, make_state, rule_row

from aionis_server.context import ServerState
from aionis_server.errors import ApiError
from aionis_server.services.tools import tools_decision, tools_run, tools_select
from aionis_server.services.tools_feedback import tools_feedback
from aionis_server.storage.db import Database

CONTEXT = {"agent": {"id": "agent-a"}, "agent_id": "agent-a", "intent": "test"}
CANDIDATES = ["unittest", "pytest"]


@pytest.fixture
def state(tmp_path: Path) -> Iterator[ServerState]:
    db = Database(tmp_path / "feedback.db")
    yield make_state(db)
    db.close()


def select(state: ServerState, **extra: Any) -> dict[str, Any]:
    body = {"context": CONTEXT, "candidates": CANDIDATES, **extra}
    return tools_select(make_ctx(state, body))["decision"]


def feedback(state: ServerState, **extra: Any) -> dict[str, Any]:
    body = {
        "context": CONTEXT,
        "candidates": CANDIDATES,
        "selected_tool": "pytest",
        "outcome": "positive",
        "input_text": "tests passed",
        **extra,
    }
    return tools_feedback(make_ctx(state, body))


def error_of(state: ServerState, **extra: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        feedback(state, **extra)
    return caught.value


@pytest.fixture
def rules(state: ServerState) -> dict[str, str]:
    return {
        "tool": insert_rule(
            state.db, if_={"intent": "test"}, then={"tool": {"prefer": ["pytest"]}}
        ),
        "output": insert_rule(
            state.db, if_={"intent": "test"}, then={"output": {"format": "json"}}
        ),
        "shadow": insert_rule(state.db, state="shadow", then={"tool": {"deny": ["nose"]}}),
        "private": insert_rule(
            state.db, lane="private", owner_agent_id="agent-a", then={"tool": {"deny": ["rm"]}}
        ),
    }


def test_provided_link_attribution_and_records(state: ServerState, rules: dict[str, str]) -> None:
    decision = select(state, run_id="run-1")
    result = feedback(state, decision_id=decision["decision_id"], run_id="run-1", note=" ok ")
    assert result["ok"] is True
    assert result["decision_link_mode"] == "provided"
    assert result["decision_id"] == decision["decision_id"]
    assert result["decision_uri"] == decision["decision_uri"]
    assert result["decision_policy_sha256"] == decision["policy_sha256"]
    assert sorted(result["rule_node_ids"]) == sorted([rules["tool"], rules["private"]])
    assert result["updated_rules"] == 2
    assert result["pattern_anchor"] is None
    assert rule_row(state.db, rules["tool"])["positive_count"] == 1
    assert rule_row(state.db, rules["private"])["positive_count"] == 1
    assert rule_row(state.db, rules["output"])["positive_count"] == 0
    assert rule_row(state.db, rules["shadow"])["positive_count"] == 0
    stored = tools_decision(make_ctx(state, {"decision_id": decision["decision_id"]}))
    assert stored["decision"]["commit_id"] == result["commit_id"]
    assert stored["lifecycle_summary"]["status"] == "feedback_linked"
    with state.db.read() as conn:
        commit = conn.execute(
            "SELECT * FROM commits WHERE id = ?", (result["commit_id"],)
        ).fetchone()
        records = conn.execute("SELECT * FROM feedback ORDER BY seq").fetchall()
    assert commit["kind"] == "tool_feedback"
    assert json.loads(commit["diff_json"]) == {
        "tool_feedback": [
            {
                "decision_id": decision["decision_id"],
                "decision_link_mode": "provided",
                "run_id": "run-1",
                "outcome": "positive",
                "selected_tool": "pytest",
                "candidates": CANDIDATES,
                "rule_node_ids": result["rule_node_ids"],
                "target": "tool",
            }
        ]
    }
    assert [r["source"] for r in records] == ["tools_feedback", "tools_feedback"]
    assert {r["decision_id"] for r in records} == {decision["decision_id"]}
    assert {r["note"] for r in records} == {"ok"}
    run = tools_run(make_ctx(state, {"run_id": "run-1"}))
    assert run["lifecycle"]["status"] == "feedback_linked"
    assert run["feedback"]["total"] == 2
    assert run["feedback"]["by_outcome"]["positive"] == 2
    assert run["feedback"]["linked_decision_count"] == 1
    assert run["feedback"]["tools_feedback_count"] == 2


def test_target_all_and_shadow(state: ServerState, rules: dict[str, str]) -> None:
    result = feedback(state, target="all", include_shadow=True, outcome="negative")
    assert set(result["rule_node_ids"]) == set(rules.values())
    assert rule_row(state.db, rules["shadow"])["negative_count"] == 1
    only_tool = feedback(state, include_shadow=True)
    assert set(only_tool["rule_node_ids"]) == {rules["tool"], rules["shadow"], rules["private"]}


def test_inferred_link(state: ServerState, rules: dict[str, str]) -> None:
    decision = select(state)
    result = feedback(state)
    assert result["decision_link_mode"] == "inferred"
    assert result["decision_id"] == decision["decision_id"]
    # A run_id in the request must match for inference; a new decision is created instead.
    created = feedback(state, run_id="other-run")
    assert created["decision_link_mode"] == "created_from_feedback"
    other_context = feedback(state, context={**CONTEXT, "intent": "else"})
    assert other_context["decision_link_mode"] == "created_from_feedback"
    assert other_context["rule_node_ids"] == [rules["private"]]


def test_created_from_feedback(state: ServerState, rules: dict[str, str]) -> None:
    result = feedback(state, run_id="run-9")
    assert result["decision_link_mode"] == "created_from_feedback"
    stored = tools_decision(make_ctx(state, {"decision_id": result["decision_id"]}))["decision"]
    assert stored["metadata"]["source"] == "feedback_derived"
    assert stored["run_id"] == "run-9"
    assert stored["selected_tool"] == "pytest"
    assert stored["commit_id"] == result["commit_id"]
    assert sorted(stored["source_rule_ids"]) == sorted(
        [rules["tool"], rules["output"], rules["private"]]
    )
    again = feedback(state, run_id="run-9")
    assert again["decision_link_mode"] == "inferred"
    assert again["decision_id"] == result["decision_id"]


def test_decision_without_run_adopts_run(state: ServerState, rules: dict[str, str]) -> None:
    decision = select(state)
    feedback(state, decision_id=decision["decision_id"], run_id="adopted")
    stored = tools_decision(make_ctx(state, {"run_id": "adopted"}))["decision"]
    assert stored["decision_id"] == decision["decision_id"]


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"selected_tool": "unittest"}, "decision_selected_tool_mismatch"),
        ({"candidates": ["pytest", "unittest"]}, "decision_candidates_mismatch"),
        ({"run_id": "other"}, "decision_run_id_mismatch"),
    ],
)
def test_mismatch_codes(
    state: ServerState, rules: dict[str, str], extra: dict[str, Any], code: str
) -> None:
    decision = select(state, run_id="run-1")
    error = error_of(state, decision_id=decision["decision_id"], **extra)
    assert (error.status, error.code) == (400, code)
    assert count_rows(state.db, "feedback") == 0
    assert rule_row(state.db, rules["tool"])["positive_count"] == 0


def test_uri_checks(state: ServerState, rules: dict[str, str]) -> None:
    decision = select(state)
    missing = "00000000-0000-4000-8000-000000000000"
    cases = [
        ({"decision_id": missing}, "decision_not_found_in_scope"),
        (
            {"decision_uri": f"aionis://default/default/decision/{missing}"},
            "decision_not_found_in_scope",
        ),
        ({"decision_uri": f"aionis://default/default/rule/{missing}"}, "invalid_decision_uri_type"),
        (
            {"decision_uri": f"aionis://acme/default/decision/{missing}"},
            "decision_uri_scope_mismatch",
        ),
        (
            {"decision_uri": decision["decision_uri"], "decision_id": missing},
            "decision_uri_id_mismatch",
        ),
    ]
    for extra, code in cases:
        error = error_of(state, **extra)
        assert (error.status, error.code) == (400, code), extra
    linked = feedback(
        state, decision_uri=decision["decision_uri"], decision_id=decision["decision_id"]
    )
    assert linked["decision_link_mode"] == "provided"


def test_neutral_changes_no_counter_but_is_recorded(
    state: ServerState, rules: dict[str, str]
) -> None:
    feedback(state, outcome="neutral", run_id="n")
    assert rule_row(state.db, rules["tool"])["positive_count"] == 0
    assert rule_row(state.db, rules["tool"])["negative_count"] == 0
    assert tools_run(make_ctx(state, {"run_id": "n"}))["feedback"]["by_outcome"]["neutral"] == 2


def test_feedback_with_no_matching_rule_does_not_count_for_run(state: ServerState) -> None:
    result = feedback(state, run_id="lonely")
    assert result["rule_node_ids"] == []
    run = tools_run(make_ctx(state, {"run_id": "lonely"}))
    assert run["lifecycle"]["status"] == "decision_recorded"
    assert run["feedback"]["total"] == 0


def test_body_validation(state: ServerState) -> None:
    error = error_of(state, input_text=None)
    assert error.code == "invalid_request"
    error = error_of(state, target="rules")
    assert error.code == "invalid_request"
    error = error_of(state, candidates=[])
    assert error.code == "invalid_request"
