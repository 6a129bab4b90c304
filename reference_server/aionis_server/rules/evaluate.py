"""Rule evaluation (§7.9): load, filter by scope and lane, match, rank and merge.

:func:`evaluate_rules` returns the whole rules/evaluate response body. rules/evaluate,
tools/select, tools/feedback, recall's ``rules_context`` and the composite routes all call it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from ..storage.visibility import is_visible
from .conditions import condition_paths, match
from .policy import MergeResult, RankedPatch, merge_patches, touched_paths, validate_policy_patch

__all__ = ["context_identity", "evaluate_rules", "lane_reason", "rank_score"]

_INVALID_SAMPLE_MAX = 5
_RULE_COLUMNS = (
    "r.node_id, r.state, r.if_json, r.then_json, r.exceptions_json, r.rule_scope,"
    " r.target_agent_id, r.target_team_id, r.priority, r.weight, r.positive_count,"
    " r.negative_count, r.commit_id, n.memory_lane, n.owner_agent_id, n.owner_team_id,"
    " n.text_summary"
)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def context_identity(context: Any) -> tuple[str | None, str | None]:
    """The context agent and team: ``agent.id``/``agent_id`` and ``agent.team_id``/``team_id``."""
    if not isinstance(context, dict):
        return None, None
    agent = context.get("agent")
    agent_obj = agent if isinstance(agent, dict) else {}
    agent_id = _text(agent_obj.get("id")) or _text(context.get("agent_id"))
    team_id = _text(agent_obj.get("team_id")) or _text(context.get("team_id"))
    return agent_id, team_id


def lane_reason(agent_id: str | None, team_id: str | None) -> str:
    if agent_id and team_id:
        return "enforced_agent_team"
    if agent_id:
        return "enforced_agent_only"
    if team_id:
        return "enforced_team_only"
    return "missing_agent_context_fail_closed"


def _number(value: float) -> float | int:
    """Integral floats as ints, so JSON shows ``1000`` rather than ``1000.0``."""
    return int(value) if float(value).is_integer() else value


def rank_score(
    priority: int, positive: int, negative: int, weight: float, specificity: int
) -> float:
    """``priority·1000 + evidence·100·weight + specificity`` with evidence = positive − negative."""
    return priority * 1000 + (positive - negative) * 100 * weight + specificity


def _loads(text: str | None) -> tuple[bool, Any]:
    try:
        return True, json.loads(text) if text is not None else None
    except (TypeError, ValueError):
        return False, None


@dataclass
class _Rule:
    row: sqlite3.Row
    if_value: Any
    then_value: Any
    exceptions: Any
    parsed: bool

    @property
    def node_id(self) -> str:
        return str(self.row["node_id"])


def _load(conn: sqlite3.Connection, scope_key: str, limit: int) -> list[_Rule]:
    rows = conn.execute(
        f"SELECT {_RULE_COLUMNS} FROM rule_defs r JOIN nodes n ON n.id = r.node_id"
        " WHERE r.scope_key = ? AND r.state IN ('shadow', 'active')"
        " ORDER BY r.updated_at DESC, r.update_seq DESC, r.node_id ASC LIMIT ?",
        (scope_key, limit),
    ).fetchall()
    rules = []
    for row in rows:
        ok_if, if_value = _loads(row["if_json"])
        ok_then, then_value = _loads(row["then_json"])
        ok_exc, exceptions = _loads(row["exceptions_json"])
        rules.append(_Rule(row, if_value, then_value, exceptions, ok_if and ok_then and ok_exc))
    return rules


def _scope_passes(row: sqlite3.Row, agent_id: str | None, team_id: str | None) -> bool:
    scope = row["rule_scope"]
    if scope == "agent":
        return agent_id is not None and row["target_agent_id"] == agent_id
    if scope == "team":
        return team_id is not None and row["target_team_id"] == team_id
    return True


def _condition_holds(rule: _Rule, context: Any) -> bool:
    if not rule.parsed or not match(rule.if_value, context):
        return False
    exceptions = rule.exceptions if isinstance(rule.exceptions, list) else []
    return not any(match(exception, context) for exception in exceptions)


def _rule_match(rule: _Rule) -> dict[str, Any]:
    row = rule.row
    paths = condition_paths(rule.if_value)
    positive, negative = int(row["positive_count"]), int(row["negative_count"])
    weight = float(row["weight"])
    score = rank_score(int(row["priority"]), positive, negative, weight, len(paths))
    return {
        "rule_node_id": rule.node_id,
        "state": row["state"],
        "rule_scope": row["rule_scope"],
        "target_agent_id": row["target_agent_id"],
        "target_team_id": row["target_team_id"],
        "summary": row["text_summary"],
        "if_json": rule.if_value,
        "then_json": rule.then_value,
        "exceptions_json": rule.exceptions,
        "stats": {"positive": positive, "negative": negative},
        "rank": {
            "score": _number(score),
            "evidence_score": positive - negative,
            "priority": int(row["priority"]),
            "weight": _number(weight),
            "specificity": len(paths),
        },
        "match_detail": {"condition_paths": paths, "condition_path_count": len(paths)},
        "commit_id": row["commit_id"],
    }


def _sort(matches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = sorted(matches, key=lambda m: m["rule_node_id"])
    return sorted(by_id, key=lambda m: -float(m["rank"]["score"]))


def _merge(matches: list[dict[str, Any]]) -> tuple[MergeResult, list[dict[str, Any]]]:
    patches = [
        RankedPatch(m["rule_node_id"], float(m["rank"]["score"]), m["then_json"]) for m in matches
    ]
    sources = [
        {
            "rule_node_id": m["rule_node_id"],
            "state": m["state"],
            "commit_id": m["commit_id"],
            "touched_paths": touched_paths(m["then_json"]),
            "rank": m["rank"],
        }
        for m in matches
    ]
    return merge_patches(patches), sources


def _first_selectable(tool_policy: dict[str, Any]) -> str | None:
    allow = tool_policy.get("allow")
    deny = set(tool_policy.get("deny", []))
    for name in tool_policy.get("prefer", []):
        if name not in deny and (allow is None or name in allow):
            return str(name)
    return None


def evaluate_rules(
    conn: sqlite3.Connection,
    *,
    scope_key: str,
    tenant_id: str,
    scope: str,
    context: Any,
    include_shadow: bool,
    limit: int,
) -> dict[str, Any]:
    """Evaluate the scope's shadow/active rules on ``context``; the rules/evaluate response body."""
    agent_id, team_id = context_identity(context)
    rules = _load(conn, scope_key, limit)
    counts = {"scope": 0, "lane": 0, "condition": 0}
    active: list[dict[str, Any]] = []
    shadow: list[dict[str, Any]] = []
    invalid_sample: list[dict[str, Any]] = []
    skipped_invalid = 0
    for rule in rules:
        row = rule.row
        if not _scope_passes(row, agent_id, team_id):
            counts["scope"] += 1
            continue
        lane_ok = is_visible(
            row["memory_lane"], row["owner_agent_id"], row["owner_team_id"], agent_id, team_id
        )
        if not lane_ok:
            counts["lane"] += 1
            continue
        if not _condition_holds(rule, context):
            counts["condition"] += 1
            continue
        problem = validate_policy_patch(rule.then_value)
        if problem is not None:
            skipped_invalid += 1
            if len(invalid_sample) < _INVALID_SAMPLE_MAX:
                invalid_sample.append(
                    {"rule_node_id": rule.node_id, "state": row["state"], "error": problem}
                )
            continue
        (active if row["state"] == "active" else shadow).append(_rule_match(rule))

    active, shadow = _sort(active), _sort(shadow)
    merged, sources = _merge(active)
    applied: dict[str, Any] = {
        "policy": merged.policy,
        "sources": sources,
        "conflicts": merged.conflicts,
        "conflict_explain": merged.conflict_explain,
        "tool_explain": merged.tool_explain,
    }
    matched_shadow = len(shadow)
    if include_shadow:
        shadow_merged, shadow_sources = _merge(shadow)
        applied["shadow_policy"] = shadow_merged.policy
        applied["shadow_sources"] = shadow_sources
        applied["shadow_conflicts"] = shadow_merged.conflicts
    else:
        shadow = []
    matched = len(active) + len(shadow)
    return {
        "scope": scope,
        "tenant_id": tenant_id,
        "considered": len(rules),
        "matched": matched,
        "skipped_invalid_then": skipped_invalid,
        "invalid_then_sample": invalid_sample,
        "active": active,
        "shadow": shadow,
        "applied": applied,
        "agent_visibility_summary": {
            "agent": {"id": agent_id, "team_id": team_id},
            "rule_scope": {
                "scanned": len(rules),
                "filtered_by_scope": counts["scope"],
                "filtered_by_lane": counts["lane"],
                "filtered_by_condition": counts["condition"],
                "skipped_invalid_then": skipped_invalid,
                "matched_active": len(active),
                "matched_shadow": matched_shadow,
            },
            "lane": {
                "applied": True,
                "reason": lane_reason(agent_id, team_id),
                "agent_id": agent_id,
                "team_id": team_id,
                "filtered": counts["lane"],
            },
        },
        "evaluation_summary": {
            "summary_version": "rules_evaluation_summary_v1",
            "selected_tool": _first_selectable(merged.policy.get("tool", {})),
            "considered": len(rules),
            "matched": matched,
            "matched_active": len(active),
            "matched_shadow": matched_shadow,
            "include_shadow": include_shadow,
            "skipped_invalid_then": skipped_invalid,
            "conflict_count": len(merged.conflicts),
            "tool_conflict_count": len(merged.tool_explain.get("conflicts", [])),
            "allowed_tools": merged.policy.get("tool", {}).get("allow"),
            "denied_tools": merged.policy.get("tool", {}).get("deny", []),
            "preferred_tools": merged.policy.get("tool", {}).get("prefer", []),
        },
    }
