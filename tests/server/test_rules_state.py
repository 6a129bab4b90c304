"""rules/state and rule feedback services: lookup by actor, activation checks, commits, counters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rules_support import count_rows, insert_rule, make_ctx, make_state, rule_row

from aionis_sdk.canonical import canon, sha256hex
from aionis_server.context import ServerState
from aionis_server.errors import ApiError
from aionis_server.services.rules import (
    rule_feedback,
    rules_evaluate,
    rules_state,
    validate_rule_for_activation,
)
from aionis_server.storage.commits import event_commit_hash
from aionis_server.storage.db import Database


@pytest.fixture
def state(tmp_path: Path) -> Iterator[ServerState]:
    db = Database(tmp_path / "state.db")
    yield make_state(db)
    db.close()


def set_state(state: ServerState, rule_id: str, new_state: str, **extra: Any) -> dict[str, Any]:
    body = {"rule_node_id": rule_id, "state": new_state, "input_text": "activate it", **extra}
    return rules_state(make_ctx(state, body))


def error_of(fn: Any, *args: Any, **kwargs: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        fn(*args, **kwargs)
    return caught.value


def commit_row(state: ServerState, commit_id: str) -> dict[str, Any]:
    with state.db.read() as conn:
        return dict(conn.execute("SELECT * FROM commits WHERE id = ?", (commit_id,)).fetchone())


def test_state_change_commits_and_chains(state: ServerState) -> None:
    rule = insert_rule(state.db, state="draft")
    first = set_state(state, rule, "active")
    assert set(first) >= {"tenant_id", "scope", "commit_id", "commit_hash", "commit_uri"}
    assert first["commit_uri"] == f"aionis://default/default/commit/{first['commit_id']}"
    assert rule_row(state.db, rule)["state"] == "active"
    row = commit_row(state, first["commit_id"])
    assert row["kind"] == "rule_state_change"
    assert row["parent_id"] is None
    assert row["actor"] == "system"
    assert row["input_sha256"] == sha256hex("activate it")
    diff = {"rule_state_change": [{"rule_node_id": rule, "state": "active"}]}
    assert json.loads(row["diff_json"]) == diff
    assert first["commit_hash"] == event_commit_hash(
        parent_hash="",
        input_sha256=sha256hex("activate it"),
        diff=diff,
        scope_key="default",
        actor="system",
        kind="rule_state_change",
    )
    second = set_state(state, rule, "disabled", input_text=None, input_sha256="ab" * 32)
    assert commit_row(state, second["commit_id"])["parent_id"] == first["commit_id"]
    assert commit_row(state, second["commit_id"])["input_sha256"] == "ab" * 32
    assert rule_row(state.db, rule)["state"] == "disabled"


def test_state_change_makes_rule_most_recent(state: ServerState) -> None:
    older = insert_rule(state.db, then={"extensions": {"old": 1}})
    insert_rule(state.db, then={"extensions": {"new": 1}})
    set_state(state, older, "active")
    result = rules_evaluate(make_ctx(state, {"context": {}, "limit": 1}))
    assert result["applied"]["policy"]["extensions"] == {"old": 1}


def test_private_rule_needs_owner_as_actor(state: ServerState) -> None:
    rule = insert_rule(state.db, state="draft", lane="private", owner_agent_id="owner")
    error = error_of(set_state, state, rule, "active")
    assert (error.status, error.code) == (400, "rule_not_found_in_scope")
    assert set_state(state, rule, "active", actor="owner")["commit_id"]
    assert (
        commit_row(state, set_state(state, rule, "shadow", actor="owner")["commit_id"])["actor"]
        == "owner"
    )
    team_rule = insert_rule(state.db, state="draft", lane="private", owner_team_id="team")
    assert (
        error_of(set_state, state, team_rule, "active", actor="team").code
        == "rule_not_found_in_scope"
    )


def test_unknown_and_foreign_rules_are_not_found(state: ServerState) -> None:
    foreign = insert_rule(state.db, scope_key="other", state="draft")
    assert error_of(set_state, state, foreign, "active").code == "rule_not_found_in_scope"
    missing = "00000000-0000-4000-8000-000000000000"
    assert error_of(set_state, state, missing, "active").code == "rule_not_found_in_scope"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"if_": [1]}, "invalid_rule_if_json"),
        ({"if_": "x"}, "invalid_rule_if_json"),
        ({"exceptions": {"a": 1}}, "invalid_rule_exceptions_json"),
        ({"then": {"tool": {"allow": "x"}}}, "invalid_rule_then_json"),
        ({"then": {"bogus": True}}, "invalid_rule_then_json"),
        ({"rule_scope": "agent"}, "invalid_rule_scope_target"),
        ({"rule_scope": "team", "target_agent_id": "a"}, "invalid_rule_scope_target"),
    ],
)
def test_activation_validation(state: ServerState, fields: dict[str, Any], code: str) -> None:
    rule = insert_rule(state.db, state="draft", **fields)
    for target in ("active", "shadow"):
        error = error_of(set_state, state, rule, target)
        assert (error.status, error.code) == (400, code)
    assert rule_row(state.db, rule)["state"] == "draft"
    assert count_rows(state.db, "commits") == 0
    assert set_state(state, rule, "disabled")["commit_id"]


def test_private_rule_without_owner_fails_activation_check() -> None:
    row = {
        "node_id": "r",
        "memory_lane": "private",
        "owner_agent_id": None,
        "owner_team_id": None,
        "if_json": "{}",
        "then_json": "{}",
        "exceptions_json": "[]",
        "rule_scope": "global",
    }
    with pytest.raises(ApiError) as caught:
        validate_rule_for_activation(row)
    assert caught.value.code == "invalid_private_rule_owner"
    validate_rule_for_activation({**row, "owner_team_id": "t"})


def test_then_error_details_carry_message(state: ServerState) -> None:
    rule = insert_rule(state.db, state="draft", then={"tool": {"allow": [1]}})
    error = error_of(set_state, state, rule, "active")
    assert "tool.allow" in error.details["message"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"state": "active", "input_text": "x"}, "rule_node_id"),
        ({"rule_node_id": "nope", "state": "active", "input_text": "x"}, "rule_node_id"),
        (
            {
                "rule_node_id": "00000000-0000-4000-8000-000000000000",
                "state": "on",
                "input_text": "x",
            },
            "state",
        ),
        ({"rule_node_id": "00000000-0000-4000-8000-000000000000", "state": "active"}, ""),
    ],
)
def test_state_body_validation(state: ServerState, body: dict[str, Any], path: str) -> None:
    error = error_of(rules_state, make_ctx(state, body))
    assert error.code == "invalid_request"
    assert error.issues is not None
    assert path in [issue["path"] for issue in error.issues]


def test_rule_feedback_counts_and_changes_rank(state: ServerState) -> None:
    a = insert_rule(
        state.db,
        then={"output": {"format": "text"}},
        node_id="00000000-0000-4000-8000-00000000000a",
    )
    b = insert_rule(
        state.db,
        then={"output": {"format": "json"}},
        node_id="00000000-0000-4000-8000-00000000000b",
    )
    before = rules_evaluate(make_ctx(state, {"context": {}}))
    # Equal scores: rank order is rule_node_id ascending, so a outranks b.
    assert before["applied"]["policy"]["output"]["format"] == "text"
    body = {
        "rule_node_id": b,
        "outcome": "positive",
        "input_text": "worked",
        "run_id": "run-1",
        "note": "  good \n job ",
    }
    result = rule_feedback(make_ctx(state, body))
    assert set(result) >= {"tenant_id", "scope", "commit_id", "commit_hash", "feedback_id"}
    assert rule_row(state.db, b)["positive_count"] == 1
    after = rules_evaluate(make_ctx(state, {"context": {}}))
    assert after["active"][0]["rule_node_id"] == b
    assert after["active"][0]["rank"]["score"] == 100
    assert after["applied"]["policy"]["output"]["format"] == "json"
    with state.db.read() as conn:
        record = dict(conn.execute("SELECT * FROM feedback").fetchone())
    assert record["id"] == result["feedback_id"]
    assert record["source"] == "rule_feedback"
    assert record["note"] == "good job"
    assert record["run_id"] == "run-1"
    commit = commit_row(state, result["commit_id"])
    assert commit["kind"] == "rule_feedback"
    assert json.loads(commit["diff_json"]) == {
        "feedback": [
            {
                "id": result["feedback_id"],
                "rule_node_id": b,
                "outcome": "positive",
                "run_id": "run-1",
            }
        ]
    }
    rule_feedback(make_ctx(state, {**body, "outcome": "negative", "run_id": None}))
    rule_feedback(make_ctx(state, {**body, "outcome": "neutral"}))
    row = rule_row(state.db, b)
    assert (row["positive_count"], row["negative_count"]) == (1, 1)
    assert count_rows(state.db, "feedback") == 3
    assert rule_row(state.db, a)["positive_count"] == 0


def test_rule_feedback_private_needs_owner(state: ServerState) -> None:
    rule = insert_rule(state.db, lane="private", owner_agent_id="owner")
    body = {"rule_node_id": rule, "outcome": "positive", "input_sha256": "0" * 64}
    assert error_of(rule_feedback, make_ctx(state, body)).code == "rule_not_found_in_scope"
    assert rule_feedback(make_ctx(state, {**body, "actor": "owner"}))["feedback_id"]
    assert count_rows(state.db, "feedback") == 1


def test_canon_of_diff_is_stored(state: ServerState) -> None:
    rule = insert_rule(state.db, state="draft")
    result = set_state(state, rule, "shadow")
    row = commit_row(state, result["commit_id"])
    assert row["diff_json"] == canon(
        {"rule_state_change": [{"rule_node_id": rule, "state": "shadow"}]}
    )
