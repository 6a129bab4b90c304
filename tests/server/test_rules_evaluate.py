"""evaluate_rules on a real database: load order, scope and lane filters, matching, ranking, merge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rules_support import insert_rule

from aionis_server.rules.evaluate import evaluate_rules
from aionis_server.storage.db import Database


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "rules.db")
    yield database
    database.close()


def evaluate(
    db: Database, context: Any, *, include_shadow: bool = True, limit: int = 50
) -> dict[str, Any]:
    with db.read() as conn:
        return evaluate_rules(
            conn,
            scope_key="default",
            tenant_id="default",
            scope="default",
            context=context,
            include_shadow=include_shadow,
            limit=limit,
        )


AGENT = {
    "agent": {"id": "agent-a", "team_id": "team-t"},
    "agent_id": "agent-a",
    "team_id": "team-t",
}


def test_response_shape_and_ranking(db: Database) -> None:
    low = insert_rule(db, if_={"intent": "deploy"}, then={"output": {"format": "text"}})
    high = insert_rule(
        db,
        if_={"intent": "deploy", "env": {"$in": ["prod"]}},
        then={"output": {"format": "json"}},
        priority=1,
    )
    proven = insert_rule(db, then={"extensions": {"k": 1}}, positive=4, negative=1, weight=0.5)
    result = evaluate(db, {**AGENT, "intent": "deploy", "env": "prod"})
    assert set(result) >= {
        "scope",
        "tenant_id",
        "considered",
        "matched",
        "skipped_invalid_then",
        "invalid_then_sample",
        "active",
        "shadow",
        "applied",
        "agent_visibility_summary",
        "evaluation_summary",
    }
    assert result["considered"] == 3
    assert result["matched"] == 3
    assert [m["rule_node_id"] for m in result["active"]] == [high, proven, low]
    ranks = {m["rule_node_id"]: m["rank"] for m in result["active"]}
    assert ranks[high] == {
        "score": 1002,
        "evidence_score": 0,
        "priority": 1,
        "weight": 1,
        "specificity": 2,
    }
    assert ranks[proven]["score"] == 150
    assert ranks[low]["score"] == 1
    first = result["active"][0]
    assert first["match_detail"] == {
        "condition_paths": ["env", "intent"],
        "condition_path_count": 2,
    }
    assert first["if_json"] == {"intent": "deploy", "env": {"$in": ["prod"]}}
    assert first["stats"] == {"positive": 0, "negative": 0}
    assert first["summary"] == "a rule"
    applied = result["applied"]
    assert applied["policy"] == {"output": {"format": "json"}, "extensions": {"k": 1}, "tool": {}}
    assert applied["conflicts"] == [{"path": "output.format", "winner_rule_node_id": high}]
    assert [s["rule_node_id"] for s in applied["sources"]] == [high, proven, low]
    assert applied["sources"][0]["touched_paths"] == ["output.format"]
    assert applied["shadow_policy"] == {"tool": {}}
    assert result["evaluation_summary"]["summary_version"] == "rules_evaluation_summary_v1"


def test_states_and_shadow_reporting(db: Database) -> None:
    active = insert_rule(db, then={"tool": {"deny": ["rm"]}})
    shadow = insert_rule(db, state="shadow", then={"tool": {"prefer": ["ls"]}})
    insert_rule(db, state="draft", then={"tool": {"deny": ["x"]}})
    insert_rule(db, state="disabled", then={"tool": {"deny": ["y"]}})
    with_shadow = evaluate(db, AGENT)
    assert with_shadow["considered"] == 2
    assert [m["rule_node_id"] for m in with_shadow["active"]] == [active]
    assert [m["rule_node_id"] for m in with_shadow["shadow"]] == [shadow]
    assert with_shadow["applied"]["policy"]["tool"] == {"deny": ["rm"]}
    assert with_shadow["applied"]["shadow_policy"]["tool"] == {"prefer": ["ls"]}
    assert with_shadow["applied"]["shadow_sources"][0]["rule_node_id"] == shadow
    assert with_shadow["applied"]["shadow_conflicts"] == []
    without = evaluate(db, AGENT, include_shadow=False)
    assert without["shadow"] == []
    assert without["matched"] == 1
    assert "shadow_policy" not in without["applied"]
    assert without["agent_visibility_summary"]["rule_scope"]["matched_shadow"] == 1


def test_scope_filter(db: Database) -> None:
    insert_rule(db, rule_scope="agent", target_agent_id="agent-a", then={"tool": {"deny": ["a"]}})
    insert_rule(db, rule_scope="agent", target_agent_id="agent-b", then={"tool": {"deny": ["b"]}})
    insert_rule(db, rule_scope="team", target_team_id="team-t", then={"tool": {"deny": ["t"]}})
    insert_rule(db, rule_scope="team", target_team_id="team-u", then={"tool": {"deny": ["u"]}})
    insert_rule(db, then={"tool": {"deny": ["g"]}})
    result = evaluate(db, AGENT)
    assert result["applied"]["policy"]["tool"]["deny"] == ["a", "g", "t"]
    assert result["agent_visibility_summary"]["rule_scope"]["filtered_by_scope"] == 2
    only_agent = evaluate(db, {"agent_id": "agent-b"})
    assert only_agent["applied"]["policy"]["tool"]["deny"] == ["b", "g"]


@pytest.mark.parametrize(
    ("context", "reason", "visible"),
    [
        ({}, "missing_agent_context_fail_closed", {"shared"}),
        ({"agent": {"id": "agent-a"}}, "enforced_agent_only", {"shared", "mine"}),
        ({"team_id": "team-t"}, "enforced_team_only", {"shared", "team"}),
        (AGENT, "enforced_agent_team", {"shared", "mine", "team"}),
        ({"agent_id": "agent-z"}, "enforced_agent_only", {"shared"}),
    ],
)
def test_lane_filter(db: Database, context: dict[str, Any], reason: str, visible: set[str]) -> None:
    insert_rule(db, then={"extensions": {"shared": True}})
    insert_rule(db, lane="private", owner_agent_id="agent-a", then={"extensions": {"mine": True}})
    insert_rule(db, lane="private", owner_team_id="team-t", then={"extensions": {"team": True}})
    result = evaluate(db, context)
    assert set(result["applied"]["policy"]["extensions"]) == visible
    lane = result["agent_visibility_summary"]["lane"]
    assert lane["reason"] == reason
    assert lane["applied"] is True
    assert result["agent_visibility_summary"]["rule_scope"]["filtered_by_lane"] == 3 - len(visible)


def test_conditions_exceptions_and_invalid_then(db: Database) -> None:
    insert_rule(
        db, if_={"intent": "deploy"}, exceptions=[{"env": "dev"}], then={"tool": {"deny": ["a"]}}
    )
    bad = [insert_rule(db, then={"tool": {"deny": "not-a-list"}}) for _ in range(6)]
    insert_rule(db, if_={"intent": "other"}, then={"unknown": 1})
    prod = evaluate(db, {**AGENT, "intent": "deploy", "env": "prod"})
    assert prod["applied"]["policy"]["tool"] == {"deny": ["a"]}
    assert prod["skipped_invalid_then"] == 6
    assert len(prod["invalid_then_sample"]) == 5
    assert {s["rule_node_id"] for s in prod["invalid_then_sample"]} <= set(bad)
    assert prod["agent_visibility_summary"]["rule_scope"]["filtered_by_condition"] == 1
    dev = evaluate(db, {**AGENT, "intent": "deploy", "env": "dev"})
    assert dev["applied"]["policy"]["tool"] == {}


def test_limit_takes_most_recently_updated(db: Database) -> None:
    ids = [insert_rule(db, then={"extensions": {f"r{i}": i}}) for i in range(4)]
    result = evaluate(db, AGENT, limit=2)
    assert result["considered"] == 2
    assert set(result["applied"]["policy"]["extensions"]) == {"r2", "r3"}
    assert {m["rule_node_id"] for m in result["active"]} == set(ids[2:])


def test_non_object_context_and_other_scopes(db: Database) -> None:
    insert_rule(db, then={"extensions": {"x": 1}})
    insert_rule(db, scope_key="tenant:acme::scope:default", then={"extensions": {"y": 1}})
    result = evaluate(db, "just a string")
    assert result["applied"]["policy"]["extensions"] == {"x": 1}
    assert result["agent_visibility_summary"]["agent"] == {"id": None, "team_id": None}


def test_selected_tool_summary(db: Database) -> None:
    insert_rule(db, then={"tool": {"prefer": ["rm", "ls"], "deny": ["rm"]}})
    result = evaluate(db, AGENT)
    assert result["evaluation_summary"]["selected_tool"] == "ls"
