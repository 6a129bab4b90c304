"""Turn a ``tools/select`` response into the ``tool_selection_explanation`` state value.

Everything comes from the one response: the selection block (allowed, denied with reasons,
preferred, fallback), the applied policy's sources (the active rules that matched, with the
leaf paths each touched and its rank) and ``applied.tool_explain.winners`` (which rule denied
or preferred which tool), plus the shadow block when shadow rules were requested.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aionis_sdk.types import ToolsSelectResponse

from ._state import ToolSelectionExplanation

__all__ = ["empty_explanation", "explain_selection"]


def _short(rule_id: str | None) -> str:
    return f"rule {rule_id[:8]}" if rule_id else "no rule"


def _matched(sources: list[Mapping[str, Any]], state: str) -> list[dict[str, Any]]:
    return [
        {
            "rule_node_id": s.get("rule_node_id"),
            "state": s.get("state") or state,
            "touched_paths": list(s.get("touched_paths") or []),
            "score": (s.get("rank") or {}).get("score"),
            "priority": (s.get("rank") or {}).get("priority"),
            "evidence": (s.get("rank") or {}).get("evidence_score"),
        }
        for s in sources
    ]


def explain_selection(
    response: ToolsSelectResponse, *, narrowing: Mapping[str, Any] | None = None
) -> ToolSelectionExplanation:
    """The explanation of one selection, with a one-paragraph ``summary``."""
    body = response.model_dump(mode="json")
    selection = body["selection"]
    rules = body["rules"]
    applied = rules.get("applied") or {}
    winners = (applied.get("tool_explain") or {}).get("winners") or {}
    deny_by = winners.get("deny_by_tool") or {}
    prefer_by = winners.get("prefer_by_tool") or {}
    policy_tool = (applied.get("policy") or {}).get("tool") or {}
    denied = [
        {
            "name": d["name"],
            "reason": d["reason"],
            "rule_node_id": deny_by.get(d["name"]) if d["reason"] == "deny_list" else None,
            "allow_list": policy_tool.get("allow") if d["reason"] == "not_in_allow_list" else None,
        }
        for d in selection["denied"]
    ]
    preferred = [{"name": n, "rule_node_id": prefer_by.get(n)} for n in selection["preferred"]]
    explanation: ToolSelectionExplanation = {
        "summary": "",
        "selected_tool": selection.get("selected"),
        "candidates": list(selection["candidates"]),
        "allowed": list(selection["ordered"]),
        "denied": denied,
        "preferred": preferred,
        "matched_rules": _matched(applied.get("sources") or [], "active"),
        "considered_rules": int(rules.get("considered") or 0),
        "fallback": dict(selection.get("fallback") or {}),
        "conflicts": list((applied.get("tool_explain") or {}).get("conflicts") or []),
    }
    shadow = rules.get("shadow_selection")
    if shadow is not None:
        explanation["shadow"] = {
            "enforced": False,
            "selected_tool": shadow.get("selected"),
            "allowed": list(shadow.get("ordered") or []),
            "denied": list(shadow.get("denied") or []),
            "preferred": list(shadow.get("preferred") or []),
            "matched_rules": _matched(applied.get("shadow_sources") or [], "shadow"),
        }
    if narrowing is not None:
        explanation["narrowing"] = dict(narrowing)
    explanation["summary"] = _summary(explanation)
    return explanation


def empty_explanation(
    candidates: list[str], details: Mapping[str, Any], message: str
) -> ToolSelectionExplanation:
    """The explanation when strict selection left nothing (400 ``no_tools_allowed``)."""
    explanation: ToolSelectionExplanation = {
        "summary": f"no tool allowed: {message} (details {dict(details)})",
        "selected_tool": None,
        "candidates": list(candidates),
        "allowed": [],
        "denied": [
            {"name": n, "reason": "no_tools_allowed", "rule_node_id": None} for n in candidates
        ],
        "preferred": [],
        "matched_rules": [],
        "considered_rules": 0,
        "fallback": {"applied": False, "reason": "strict_no_tools_allowed"},
        "conflicts": [],
    }
    return explanation


def _summary(e: ToolSelectionExplanation) -> str:
    parts = [
        f"selected {e['selected_tool']!r}" if e["selected_tool"] else "no tool selected",
        f"{len(e['allowed'])} of {len(e['candidates'])} candidates allowed "
        f"({', '.join(e['allowed']) or 'none'})",
    ]
    if e["denied"]:
        reasons = "; ".join(
            f"{d['name']} ({d['reason']}, {_short(d['rule_node_id'])})"
            if d["reason"] == "deny_list"
            else f"{d['name']} ({d['reason']})"
            for d in e["denied"]
        )
        parts.append(f"denied: {reasons}")
    if e["preferred"]:
        prefs = ", ".join(f"{p['name']} ({_short(p['rule_node_id'])})" for p in e["preferred"])
        parts.append(f"preferred: {prefs}")
    parts.append(f"{len(e['matched_rules'])} active rule(s) matched of {e['considered_rules']}")
    if e["fallback"].get("applied"):
        parts.append(f"fallback: {e['fallback'].get('reason')}")
    shadow = e.get("shadow")
    if shadow is not None:
        parts.append(
            f"shadow rules (not enforced) would select {shadow['selected_tool']!r} "
            f"and deny {[d['name'] for d in shadow['denied']]}"
        )
    narrowing = e.get("narrowing")
    if narrowing is not None:
        parts.append(
            f"narrowed by meaning from {narrowing.get('from')} to {len(e['candidates'])} tools"
        )
    return "; ".join(parts) + "."
