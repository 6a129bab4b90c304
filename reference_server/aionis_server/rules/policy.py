"""PolicyPatch (a rule's ``then``): validation, touched paths and the merge of matched rules (§7.9).

Rules are merged in ascending rank so the highest-ranked rule wins every scalar conflict; the
``tool`` section is then replaced by the tool merge (allow intersection, deny union, prefer in
rank order). Besides the policy itself the merge explains what happened: ``conflicts``,
``conflict_explain`` and ``tool_explain``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from aionis_sdk.canonical import canon

from .conditions import deep_equal

__all__ = [
    "MergeResult",
    "RankedPatch",
    "merge_patches",
    "merge_tool_policies",
    "touched_paths",
    "validate_policy_patch",
]

_OUTPUT_FORMATS: Final = ("json", "text", "markdown")
_TOOL_LISTS: Final = ("allow", "deny", "prefer")
_MAX_TOOL_LIST: Final = 100


def _unknown_keys(value: dict[str, Any], allowed: Sequence[str], where: str) -> str | None:
    extra = sorted(k for k in value if k not in allowed)
    return f"{where}: unknown key(s) {', '.join(extra)}" if extra else None


def _validate_output(output: Any) -> str | None:
    if not isinstance(output, dict):
        return "output must be an object"
    if problem := _unknown_keys(output, ("format", "strict"), "output"):
        return problem
    if "format" in output and output["format"] not in _OUTPUT_FORMATS:
        return "output.format must be one of json, text, markdown"
    if "strict" in output and not isinstance(output["strict"], bool):
        return "output.strict must be a boolean"
    return None


def _validate_tool(tool: Any) -> str | None:
    if not isinstance(tool, dict):
        return "tool must be an object"
    if problem := _unknown_keys(tool, _TOOL_LISTS, "tool"):
        return problem
    for name in _TOOL_LISTS:
        if name not in tool:
            continue
        items = tool[name]
        if not isinstance(items, list):
            return f"tool.{name} must be an array of strings"
        if len(items) > _MAX_TOOL_LIST:
            return f"tool.{name} must have at most {_MAX_TOOL_LIST} items"
        if not all(isinstance(item, str) and item != "" for item in items):
            return f"tool.{name} must contain only non-empty strings"
    return None


def validate_policy_patch(then: Any) -> str | None:
    """Why ``then`` is not a valid PolicyPatch, or ``None`` when it is (strict: no unknown keys)."""
    if not isinstance(then, dict):
        return "then must be an object"
    if problem := _unknown_keys(then, ("output", "tool", "extensions"), "then"):
        return problem
    if "output" in then and (problem := _validate_output(then["output"])):
        return problem
    if "tool" in then and (problem := _validate_tool(then["tool"])):
        return problem
    if "extensions" in then and not isinstance(then["extensions"], dict):
        return "extensions must be an object"
    return None


def touched_paths(then: Any) -> list[str]:
    """The sorted leaf paths of a PolicyPatch (an array or an empty object is a leaf)."""
    out: set[str] = set()

    def walk(value: Any, prefix: str) -> None:
        if isinstance(value, dict) and value:
            for key, sub in value.items():
                walk(sub, f"{prefix}.{key}" if prefix else key)
        elif prefix:
            out.add(prefix)

    walk(then, "")
    return sorted(out)


@dataclass(frozen=True)
class RankedPatch:
    """One matched rule's valid ``then`` with its rank (input lists are in rank order)."""

    rule_node_id: str
    score: float
    then: dict[str, Any]


@dataclass
class MergeResult:
    policy: dict[str, Any]
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    conflict_explain: list[dict[str, Any]] = field(default_factory=list)
    tool_explain: dict[str, Any] = field(default_factory=dict)


def _union(old: list[Any], new: list[Any]) -> list[Any]:
    seen = {canon(item) for item in old}
    merged = list(old)
    for item in new:
        key = canon(item)
        if key not in seen:
            seen.add(key)
            merged.append(copy.deepcopy(item))
    return merged


class _Merger:
    def __init__(self) -> None:
        self.policy: dict[str, Any] = {}
        self.conflicts: dict[str, dict[str, Any]] = {}  # path -> {winner, overridden[]}
        self.writers: dict[str, str] = {}  # path -> rule that last set it

    def _writer_of(self, path: str) -> str:
        parts = path.split(".")
        for end in range(len(parts), 0, -1):
            writer = self.writers.get(".".join(parts[:end]))
            if writer is not None:
                return writer
        return ""

    def apply(self, target: dict[str, Any], patch: dict[str, Any], prefix: str, rule: str) -> None:
        for key, value in patch.items():
            path = f"{prefix}.{key}" if prefix else key
            if key not in target:
                target[key] = copy.deepcopy(value)
                self.writers[path] = rule
                continue
            old = target[key]
            if isinstance(old, dict) and isinstance(value, dict):
                self.apply(old, value, path, rule)
            elif isinstance(old, list) and isinstance(value, list):
                target[key] = _union(old, value)
            elif not deep_equal(old, value):
                target[key] = copy.deepcopy(value)
                entry = self.conflicts.setdefault(path, {"winner": rule, "overridden": []})
                entry["overridden"].append(self._writer_of(path))
                entry["winner"] = rule
                self.writers[path] = rule


def _ranked_ascending(patches: Sequence[RankedPatch]) -> list[RankedPatch]:
    """Lowest rank first: the reverse of rank order (score desc, then rule_node_id asc)."""
    ordered = sorted(patches, key=lambda p: p.rule_node_id, reverse=True)
    return sorted(ordered, key=lambda p: p.score)


def _rank_order(patches: Sequence[RankedPatch]) -> list[RankedPatch]:
    return sorted(sorted(patches, key=lambda p: p.rule_node_id), key=lambda p: -p.score)


def merge_tool_policies(patches: Sequence[RankedPatch]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The merged ``policy.tool`` and its ``tool_explain`` block."""
    ranked = _rank_order(patches)
    contributions: list[dict[str, Any]] = []
    allow_sets: list[tuple[str, list[str]]] = []
    deny: set[str] = set()
    prefer: list[str] = []
    prefer_by_tool: dict[str, str] = {}
    deny_by_tool: dict[str, str] = {}
    top_choices: list[dict[str, str]] = []
    for patch in ranked:
        tool = patch.then.get("tool")
        if not isinstance(tool, dict) or not tool:
            continue
        entry: dict[str, Any] = {"rule_node_id": patch.rule_node_id, "score": patch.score}
        for name in _TOOL_LISTS:
            if name in tool:
                entry[name] = list(tool[name])
        contributions.append(entry)
        if tool.get("allow"):
            allow_sets.append((patch.rule_node_id, list(tool["allow"])))
        for name in tool.get("deny", []):
            deny.add(name)
            deny_by_tool.setdefault(name, patch.rule_node_id)
        if tool.get("prefer"):
            top_choices.append({"rule_node_id": patch.rule_node_id, "tool": tool["prefer"][0]})
        for name in tool.get("prefer", []):
            if name not in prefer_by_tool:
                prefer_by_tool[name] = patch.rule_node_id
                prefer.append(name)

    merged: dict[str, Any] = {}
    notes: list[str] = []
    conflicts: list[dict[str, Any]] = []
    if allow_sets:
        common = set(allow_sets[0][1]).intersection(*(set(items) for _, items in allow_sets[1:]))
        merged["allow"] = sorted(common)
        notes.append(f"allow is the intersection of {len(allow_sets)} allow list(s)")
        conflicts.extend(_allow_conflicts(allow_sets, common))
    if deny:
        merged["deny"] = sorted(deny)
        notes.append("deny is the union of every deny list; deny wins over allow and prefer")
    if prefer:
        merged["prefer"] = prefer
        notes.append("prefer lists are concatenated in rank order, first occurrence kept")
    distinct_tops = {choice["tool"] for choice in top_choices}
    if len(distinct_tops) > 1:
        conflicts.append(
            {
                "code": "prefer_competing_top_choice",
                "message": "matched rules prefer different first choices; the highest rank wins",
                "details": {"top_choices": top_choices},
                "winner_rule_node_id": top_choices[0]["rule_node_id"],
            }
        )
    if not merged:
        notes.append("no matched active rule sets tool fields")
    explain = {
        "notes": notes,
        "contributions": contributions,
        "winners": {"prefer_by_tool": prefer_by_tool, "deny_by_tool": deny_by_tool},
        "conflicts": conflicts,
    }
    return merged, explain


def _allow_conflicts(
    allow_sets: list[tuple[str, list[str]]], common: set[str]
) -> list[dict[str, Any]]:
    if len(allow_sets) < 2:
        return []
    union = {name for _, items in allow_sets for name in items}
    rule_ids = [rule for rule, _ in allow_sets]
    if not common:
        return [
            {
                "code": "allow_intersection_empty",
                "message": "the allow lists of the matched rules have no tool in common",
                "details": {"rule_node_ids": rule_ids, "allow_lists": len(allow_sets)},
                "winner_rule_node_id": None,
            }
        ]
    dropped = sorted(union - common)
    if not dropped:
        return []
    return [
        {
            "code": "allow_intersection",
            "message": "tools allowed by only some matched rules were dropped from allow",
            "details": {"rule_node_ids": rule_ids, "dropped": dropped, "kept": sorted(common)},
            "winner_rule_node_id": rule_ids[0],
        }
    ]


def merge_patches(patches: Sequence[RankedPatch]) -> MergeResult:
    """Deep-merge valid PolicyPatches (given in any order) as §7.9 step 7 prescribes."""
    merger = _Merger()
    for patch in _ranked_ascending(patches):
        merger.apply(merger.policy, patch.then, "", patch.rule_node_id)
    tool, tool_explain = merge_tool_policies(patches)
    merger.policy["tool"] = tool
    conflicts = [
        {"path": path, "winner_rule_node_id": e["winner"]} for path, e in merger.conflicts.items()
    ]
    explain = [
        {
            "path": path,
            "winner_rule_node_id": e["winner"],
            "overridden_rule_node_ids": [r for r in dict.fromkeys(e["overridden"]) if r],
            "message": f"{path} was set to different values; the highest-ranked rule wins",
        }
        for path, e in merger.conflicts.items()
    ]
    return MergeResult(merger.policy, conflicts, explain, tool_explain)
