"""PolicyPatch validation, touched paths, deep merge with conflicts and the tool merge (§7.9)."""

from __future__ import annotations

from typing import Any

import pytest

from aionis_server.rules.evaluate import rank_score
from aionis_server.rules.policy import (
    RankedPatch,
    merge_patches,
    merge_tool_policies,
    touched_paths,
    validate_policy_patch,
)

VALID: list[Any] = [
    {},
    {"output": {}},
    {"output": {"format": "json", "strict": True}},
    {"output": {"format": "markdown"}},
    {"tool": {"allow": ["a"], "deny": [], "prefer": ["b", "c"]}},
    {"tool": {"deny": ["x"] * 100}},
    {"extensions": {"anything": [1, {"x": None}]}},
    {"output": {"format": "text"}, "tool": {}, "extensions": {}},
]

INVALID: list[Any] = [
    None,
    [],
    "tool",
    {"unknown": 1},
    {"output": "json"},
    {"output": {"format": "yaml"}},
    {"output": {"strict": "yes"}},
    {"output": {"colour": "red"}},
    {"tool": []},
    {"tool": {"allow": "a"}},
    {"tool": {"allow": [1]}},
    {"tool": {"allow": [""]}},
    {"tool": {"deny": ["x"] * 101}},
    {"tool": {"block": ["x"]}},
    {"extensions": []},
]


@pytest.mark.parametrize("then", VALID)
def test_valid_policy_patches(then: Any) -> None:
    assert validate_policy_patch(then) is None


@pytest.mark.parametrize("then", INVALID)
def test_invalid_policy_patches(then: Any) -> None:
    message = validate_policy_patch(then)
    assert isinstance(message, str)
    assert message


@pytest.mark.parametrize(
    ("then", "paths"),
    [
        ({}, []),
        ({"tool": {"deny": ["x"]}}, ["tool.deny"]),
        (
            {"tool": {"prefer": ["a"], "allow": ["a"]}, "output": {"format": "json"}},
            ["output.format", "tool.allow", "tool.prefer"],
        ),
        ({"tool": {}}, ["tool"]),
        ({"extensions": {"a": {"b": 1}, "c": []}}, ["extensions.a.b", "extensions.c"]),
    ],
)
def test_touched_paths(then: dict[str, Any], paths: list[str]) -> None:
    assert touched_paths(then) == paths


def test_rank_score_formula() -> None:
    assert rank_score(0, 0, 0, 1.0, 0) == 0
    assert rank_score(2, 0, 0, 1.0, 1) == 2001
    assert rank_score(0, 3, 1, 1.0, 2) == 202
    assert rank_score(0, 3, 1, 0.5, 2) == 102
    assert rank_score(-1, 0, 2, 2.0, 0) == -1400
    assert rank_score(1, 5, 0, 0.0, 3) == 1003


def _p(rule: str, score: float, then: dict[str, Any]) -> RankedPatch:
    return RankedPatch(rule_node_id=rule, score=score, then=then)


def test_highest_rank_wins_scalar_conflicts() -> None:
    result = merge_patches(
        [
            _p("r-low", 1, {"output": {"format": "text", "strict": True}}),
            _p("r-high", 5, {"output": {"format": "json"}}),
        ]
    )
    assert result.policy["output"] == {"format": "json", "strict": True}
    assert result.conflicts == [{"path": "output.format", "winner_rule_node_id": "r-high"}]
    assert result.conflict_explain[0]["overridden_rule_node_ids"] == ["r-low"]
    assert result.policy["tool"] == {}


def test_equal_values_are_no_conflict_and_arrays_union() -> None:
    result = merge_patches(
        [
            _p("a", 1, {"output": {"format": "json"}, "extensions": {"tags": ["x", {"k": 1}]}}),
            _p("b", 2, {"output": {"format": "json"}, "extensions": {"tags": [{"k": 1}, "y"]}}),
        ]
    )
    assert result.conflicts == []
    assert result.policy["extensions"] == {"tags": ["x", {"k": 1}, "y"]}


def test_shape_change_is_a_conflict() -> None:
    result = merge_patches(
        [_p("a", 3, {"extensions": {"v": {"deep": 1}}}), _p("b", 1, {"extensions": {"v": [1]}})]
    )
    assert result.policy["extensions"] == {"v": {"deep": 1}}
    assert result.conflicts == [{"path": "extensions.v", "winner_rule_node_id": "a"}]


def test_score_ties_break_on_rule_id() -> None:
    # Rank order is score desc then id asc, so "a" outranks "b" and wins the conflict.
    result = merge_patches(
        [_p("b", 1, {"output": {"format": "text"}}), _p("a", 1, {"output": {"format": "json"}})]
    )
    assert result.policy["output"]["format"] == "json"
    assert result.conflicts[0]["winner_rule_node_id"] == "a"


def test_three_way_conflict_reports_final_winner_once() -> None:
    result = merge_patches(
        [
            _p("a", 1, {"output": {"format": "text"}}),
            _p("b", 2, {"output": {"format": "markdown"}}),
            _p("c", 3, {"output": {"format": "json"}}),
        ]
    )
    assert result.conflicts == [{"path": "output.format", "winner_rule_node_id": "c"}]
    assert result.conflict_explain[0]["overridden_rule_node_ids"] == ["a", "b"]


def test_tool_merge_allow_intersection_deny_union_prefer_order() -> None:
    tool, explain = merge_tool_policies(
        [
            _p("low", 1, {"tool": {"allow": ["a", "b", "c"], "prefer": ["c", "a"], "deny": ["z"]}}),
            _p(
                "high", 9, {"tool": {"allow": ["c", "b", "d"], "prefer": ["b", "c"], "deny": ["y"]}}
            ),
            _p("mid", 5, {"tool": {"allow": [], "deny": ["z", "x"]}}),
        ]
    )
    assert tool == {"allow": ["b", "c"], "deny": ["x", "y", "z"], "prefer": ["b", "c", "a"]}
    codes = [c["code"] for c in explain["conflicts"]]
    assert codes == ["allow_intersection", "prefer_competing_top_choice"]
    assert explain["conflicts"][0]["details"]["dropped"] == ["a", "d"]
    assert explain["conflicts"][1]["winner_rule_node_id"] == "high"
    assert explain["winners"]["prefer_by_tool"] == {"b": "high", "c": "high", "a": "low"}
    assert explain["winners"]["deny_by_tool"] == {"y": "high", "z": "mid", "x": "mid"}
    assert [c["rule_node_id"] for c in explain["contributions"]] == ["high", "mid", "low"]


def test_tool_merge_empty_intersection_and_omissions() -> None:
    tool, explain = merge_tool_policies(
        [_p("a", 1, {"tool": {"allow": ["x"]}}), _p("b", 2, {"tool": {"allow": ["y"]}})]
    )
    assert tool == {"allow": []}
    assert explain["conflicts"][0]["code"] == "allow_intersection_empty"
    tool, _ = merge_tool_policies([_p("a", 1, {"output": {"format": "json"}})])
    assert tool == {}
    tool, _ = merge_tool_policies([_p("a", 1, {"tool": {"allow": []}})])
    assert tool == {}


def test_merge_replaces_tool_with_tool_merge() -> None:
    result = merge_patches(
        [
            _p("a", 1, {"tool": {"allow": ["x", "y"], "prefer": ["y"]}}),
            _p("b", 2, {"tool": {"allow": ["y"], "prefer": ["x"]}}),
        ]
    )
    assert result.policy["tool"] == {"allow": ["y"], "prefer": ["x", "y"]}
    assert result.tool_explain["notes"]
