"""Rules and tools models (§7.9, §7.10)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from aionis_sdk.types import (
    RuleFeedbackRequest,
    RuleFeedbackResponse,
    RulesEvaluateRequest,
    RulesEvaluateResponse,
    RuleStateRequest,
    RuleStateResponse,
    ToolsDecisionRequest,
    ToolsDecisionResponse,
    ToolsFeedbackRequest,
    ToolsFeedbackResponse,
    ToolsRunRequest,
    ToolsRunResponse,
    ToolsSelectRequest,
    ToolsSelectResponse,
)

RULE = "0b5a6c7e-1111-5222-8333-444455556666"
DEC = "9f1c2d3e-4b5a-4c6d-8e7f-000011112222"


def applied() -> dict[str, Any]:
    return {
        "policy": {"tool": {"allow": ["pytest", "unittest"], "deny": ["rm"], "prefer": ["pytest"]}},
        "sources": [
            {
                "rule_node_id": RULE,
                "state": "active",
                "commit_id": "c",
                "touched_paths": ["tool.deny", "tool.prefer"],
                "rank": {
                    "score": 101,
                    "evidence_score": 100,
                    "priority": 0,
                    "weight": 1,
                    "specificity": 1,
                },
            }
        ],
        "conflicts": [],
        "tool_explain": {"notes": [], "contributions": []},
    }


def select_body() -> dict[str, Any]:
    return {
        "scope": "default",
        "tenant_id": "default",
        "candidates": ["rm", "pytest"],
        "selection": {
            "candidates": ["rm", "pytest"],
            "allowed": ["pytest"],
            "denied": [{"name": "rm", "reason": "deny_list"}],
            "preferred": ["pytest"],
            "ordered": ["pytest"],
            "selected": "pytest",
            "fallback": {
                "applied": True,
                "reason": "allowlist_filtered_all",
                "effective_mode": "deny_only",
                "note": "allowlist removed every candidate; deny only",
            },
        },
        "rules": {"considered": 1, "matched": 1, "applied": applied()},
        "decision": {
            "decision_id": DEC,
            "decision_uri": f"aionis://default/default/decision/{DEC}",
            "run_id": None,
            "selected_tool": "pytest",
            "policy_sha256": "ab" * 32,
            "source_rule_ids": [RULE],
            "created_at": "2026-11-22T02:30:06.114Z",
        },
        "selection_summary": {
            "summary_version": "tools_selection_summary_v1",
            "selected_tool": "pytest",
            "candidate_count": 2,
            "allowed_count": 1,
            "denied_count": 1,
            "preferred_count": 1,
            "matched_rules": 1,
            "fallback_applied": True,
            "fallback_reason": "allowlist_filtered_all",
        },
        "pattern_matches": {"matched": 0, "trusted": 0, "preferred_tools": [], "anchors": []},
    }


def test_tools_select_with_fallback_round_trip() -> None:
    body = select_body()
    resp = ToolsSelectResponse.model_validate(body, strict=True)
    assert resp.selected == "pytest"
    assert resp.selection.fallback.reason == "allowlist_filtered_all"
    assert resp.selection.denied[0].reason == "deny_list"
    assert resp.rules.applied.policy.tool is not None
    assert resp.rules.applied.policy.tool.deny == ["rm"]
    assert resp.rules.applied.sources[0].rank is not None
    assert resp.rules.applied.sources[0].rank.score == 101.0
    assert resp.model_dump(exclude_unset=True) == body


def test_tools_select_nothing_selected_keeps_null() -> None:
    body = select_body()
    body["selection"]["selected"] = None
    assert ToolsSelectResponse.model_validate(body, strict=True).selected is None
    del body["selection"]["selected"]
    with pytest.raises(ValidationError):
        ToolsSelectResponse.model_validate(body)


def test_tools_select_request() -> None:
    req = ToolsSelectRequest(candidates=["pytest"], context={"agent": {"id": "a"}}, strict=False)
    assert req.to_body() == {
        "context": {"agent": {"id": "a"}},
        "candidates": ["pytest"],
        "strict": False,
    }
    assert ToolsSelectRequest(candidates=["x"]).to_body() == {"context": {}, "candidates": ["x"]}
    bad: dict[str, Any]
    for bad in (
        {"candidates": []},
        {"candidates": ["t"] * 201},
        {"candidates": ["x"], "rules_limit": 201},
    ):
        with pytest.raises(ValidationError):
            ToolsSelectRequest.model_validate(bad)


def test_rules_evaluate_round_trip() -> None:
    match: dict[str, Any] = {
        "rule_node_id": RULE,
        "state": "active",
        "rule_scope": "global",
        "target_agent_id": None,
        "target_team_id": None,
        "summary": "prefer pytest",
        "if_json": {"intent": "test"},
        "then_json": {"tool": {"prefer": ["pytest"]}},
        "exceptions_json": [],
        "stats": {"positive": 1, "negative": 0},
        "rank": {"score": 101, "evidence_score": 100, "priority": 0, "weight": 1, "specificity": 1},
        "match_detail": {"condition_paths": ["intent"], "condition_path_count": 1},
        "commit_id": "c",
    }
    body = {
        "scope": "default",
        "tenant_id": "default",
        "considered": 1,
        "matched": 1,
        "skipped_invalid_then": 0,
        "invalid_then_sample": [],
        "active": [match],
        "shadow": [],
        "applied": applied(),
        "agent_visibility_summary": {"agent": {"id": "a", "team_id": None}},
    }
    resp = RulesEvaluateResponse.model_validate(body, strict=True)
    assert resp.active[0].if_json == {"intent": "test"}
    assert resp.model_dump(exclude_unset=True) == body
    assert RulesEvaluateRequest().to_body() == {"context": {}}
    with pytest.raises(ValidationError):
        RulesEvaluateRequest(limit=201)


def test_rule_state_and_feedback() -> None:
    req = RuleStateRequest(rule_node_id=RULE, state="active", input_text="activate", actor="owner")
    assert req.to_body() == {
        "rule_node_id": RULE,
        "state": "active",
        "input_text": "activate",
        "actor": "owner",
    }
    with pytest.raises(ValidationError):
        RuleStateRequest(rule_node_id=RULE, state="active")
    with pytest.raises(ValidationError):
        RuleStateRequest(rule_node_id=RULE, state="enabled", input_text="x")
    with pytest.raises(ValidationError):
        RuleFeedbackRequest(rule_node_id="nope", outcome="positive", input_text="x")
    with pytest.raises(ValidationError):
        RuleFeedbackRequest(rule_node_id=RULE, outcome="good", input_text="x")
    RuleStateResponse.model_validate(
        {"tenant_id": "d", "scope": "d", "commit_id": "c", "commit_hash": "h"}, strict=True
    )
    fb = RuleFeedbackResponse.model_validate(
        {"tenant_id": "d", "scope": "d", "commit_id": "c", "commit_hash": "h", "feedback_id": "f"},
        strict=True,
    )
    assert fb.feedback_id == "f"


def test_tools_decision_one_of() -> None:
    with pytest.raises(ValidationError, match="decision_id, decision_uri or run_id"):
        ToolsDecisionRequest()
    assert ToolsDecisionRequest(run_id="r1").to_body() == {"run_id": "r1"}
    resp = ToolsDecisionResponse.model_validate(
        {
            "tenant_id": "d",
            "scope": "d",
            "lookup_mode": "run_id_latest",
            "decision": {
                "decision_id": DEC,
                "decision_kind": "tools_select",
                "candidates": ["pytest"],
                "metadata": {"strict": True},
                "commit_id": None,
            },
        },
        strict=True,
    )
    assert resp.decision.metadata == {"strict": True}


def test_tools_run() -> None:
    with pytest.raises(ValidationError):
        ToolsRunRequest(run_id="r", decision_limit=0)
    resp = ToolsRunResponse.model_validate(
        {
            "tenant_id": "d",
            "scope": "d",
            "run_id": "r",
            "lifecycle": {
                "status": "feedback_linked",
                "decision_count": 1,
                "latest_decision_at": "2026-11-22T02:30:06.114Z",
                "latest_feedback_at": None,
            },
            "decisions": [{"decision_id": DEC}],
            "feedback": {
                "total": 1,
                "by_outcome": {"positive": 1, "negative": 0, "neutral": 0},
                "recent": [
                    {
                        "id": "f",
                        "rule_node_id": RULE,
                        "outcome": "positive",
                        "source": "tools_feedback",
                    }
                ],
            },
        },
        strict=True,
    )
    assert resp.feedback is not None
    assert resp.feedback.recent is not None
    assert resp.feedback.recent[0].outcome == "positive"


def test_tools_feedback() -> None:
    req = ToolsFeedbackRequest(
        candidates=["pytest"],
        selected_tool="pytest",
        outcome="positive",
        input_sha256="0" * 64,
        target="all",
    )
    assert req.to_body() == {
        "context": {},
        "candidates": ["pytest"],
        "selected_tool": "pytest",
        "outcome": "positive",
        "input_sha256": "0" * 64,
        "target": "all",
    }
    with pytest.raises(ValidationError, match="input_text or input_sha256"):
        ToolsFeedbackRequest(candidates=["a"], selected_tool="a", outcome="neutral")
    with pytest.raises(ValidationError):
        ToolsFeedbackRequest(
            candidates=["a"], selected_tool="a", outcome="neutral", input_text="x", target="rule"
        )
    body = {
        "ok": True,
        "scope": "d",
        "tenant_id": "d",
        "updated_rules": 1,
        "rule_node_ids": [RULE],
        "commit_id": "c",
        "commit_uri": "cu",
        "commit_hash": "h",
        "decision_id": DEC,
        "decision_uri": "du",
        "decision_link_mode": "inferred",
        "decision_policy_sha256": "ab" * 32,
        "pattern_anchor": None,
        "governance_preview": None,
    }
    assert ToolsFeedbackResponse.model_validate(body, strict=True).decision_link_mode == "inferred"
    del body["decision_link_mode"]
    with pytest.raises(ValidationError):
        ToolsFeedbackResponse.model_validate(body)
