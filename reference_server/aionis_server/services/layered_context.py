"""Layered context assembly for planning/context and context/assemble (§7.11).

The spec leaves layer contents, budgets and static-block scoring open. The reference server:

- builds seven layers: ``facts`` (recalled topics, concepts, entities), ``episodes`` (other
  recalled items), ``rules`` (matched active rules and the merged policy), ``static`` (the
  caller's ``static_context_blocks``, highest ``priority`` first), ``decisions`` (the persisted
  tool decision), ``tools`` (the selection) and ``citations`` (recall citations);
- merges them in ``context_layers.order`` (unknown names ignored, missing layers appended in the
  default order) into markdown with one ``# <Layer>`` heading per non-empty layer;
- admits lines in that order while the merged text stays within the budget
  (``min(context_char_budget, 4·context_token_budget)``, else 32,000 characters); a line that
  does not fit is dropped and counted in ``dropped_reasons``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aionis_sdk.canonical import canon

__all__ = ["DEFAULT_ORDER", "LayerInputs", "build_layered_context", "item_line"]

DEFAULT_ORDER = ("facts", "episodes", "rules", "static", "decisions", "tools", "citations")
DEFAULT_BUDGET_CHARS = 32_000
_FACT_KINDS = frozenset({"topic", "concept", "entity"})


@dataclass
class LayerInputs:
    recall: dict[str, Any]
    rules: dict[str, Any] | None = None
    tools: dict[str, Any] | None = None
    static_blocks: Sequence[Any] = ()
    order: Sequence[str] | None = None
    include_merge_trace: bool = False
    char_budget: int | None = None
    token_budget: int | None = None
    lines: dict[str, list[str]] = field(default_factory=dict)


def item_line(item: dict[str, Any]) -> str:
    """One recalled context item as a line: ``<title>: <summary> (node:<id>)``."""
    title = item.get("title") or item.get("kind") or "item"
    summary = item.get("summary")
    text = f"{title}: {summary}" if summary and summary != title else str(title)
    return f"{text} (node:{item.get('node_id')})"


def _static_lines(blocks: Sequence[Any]) -> list[str]:
    ranked: list[tuple[float, int, str]] = []
    for index, block in enumerate(blocks):
        content: Any
        title: Any
        if isinstance(block, str):
            content, title, priority = block, None, 0.0
        elif isinstance(block, dict):
            content = block.get("content") or block.get("text")
            title = block.get("title") or block.get("id")
            raw = block.get("priority", 0)
            priority = (
                float(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else 0.0
            )
        else:
            continue
        if not isinstance(content, str) or not content.strip():
            continue
        text = " ".join(content.split())
        ranked.append(
            (-priority, index, f"{title}: {text}" if isinstance(title, str) and title else text)
        )
    return [line for _, _, line in sorted(ranked)]


def _rule_lines(rules: dict[str, Any] | None) -> list[str]:
    if not rules:
        return []
    lines = [
        f"{m.get('summary') or 'rule'} (rule:{m['rule_node_id']}, score {m['rank']['score']})"
        for m in rules.get("active", [])
    ]
    policy = rules.get("applied", {}).get("policy", {})
    if lines:
        lines.append(f"merged policy: {canon(policy)}")
    return lines


def _tool_lines(tools: dict[str, Any] | None) -> tuple[list[str], list[str]]:
    if not tools:
        return [], []
    decision = tools["decision"]
    selection = tools["selection"]
    decisions = [
        f"decision {decision['decision_id']}: selected {decision['selected_tool']} "
        f"(policy {decision['policy_sha256'][:12]})"
    ]
    lines = [
        f"selected: {selection['selected']}",
        f"ordered: {', '.join(selection['ordered']) or '-'}",
    ]
    if selection["denied"]:
        denied = ", ".join(f"{d['name']} ({d['reason']})" for d in selection["denied"])
        lines.append(f"denied: {denied}")
    if selection["fallback"]["applied"]:
        lines.append(f"fallback: {selection['fallback']['reason']}")
    return decisions, lines


def _layer_lines(inputs: LayerInputs) -> dict[str, list[str]]:
    items = inputs.recall.get("context", {}).get("items", [])
    decisions, tool_lines = _tool_lines(inputs.tools)
    return {
        "facts": [item_line(i) for i in items if i.get("kind") in _FACT_KINDS],
        "episodes": [
            item_line(i)
            for i in items
            if i.get("kind") not in _FACT_KINDS and i.get("kind") != "rule"
        ],
        "rules": _rule_lines(inputs.rules),
        "static": _static_lines(inputs.static_blocks),
        "decisions": decisions,
        "tools": tool_lines,
        "citations": [
            f"node:{c['node_id']} {c['uri']}"
            for c in inputs.recall.get("context", {}).get("citations", [])
        ],
    }


def _order(requested: Sequence[str] | None) -> list[str]:
    chosen = [name for name in dict.fromkeys(requested or ()) if name in DEFAULT_ORDER]
    return chosen + [name for name in DEFAULT_ORDER if name not in chosen]


def _budget(char_budget: int | None, token_budget: int | None) -> int:
    limits = [b for b in (char_budget, token_budget * 4 if token_budget else None) if b]
    return min(limits) if limits else DEFAULT_BUDGET_CHARS


def _heading(name: str) -> str:
    return f"# {name.capitalize()}"


def _render(kept: dict[str, list[str]], order: list[str]) -> str:
    return "\n\n".join(
        _heading(name) + "\n" + "\n".join(f"- {line}" for line in kept[name])
        for name in order
        if kept.get(name)
    )


def build_layered_context(inputs: LayerInputs) -> dict[str, Any]:
    """The ``layered_context`` block."""
    order = _order(inputs.order)
    total = _budget(inputs.char_budget, inputs.token_budget)
    candidates = _layer_lines(inputs)
    kept: dict[str, list[str]] = {name: [] for name in order}
    dropped: dict[str, int] = {}
    used = 0
    for name in order:  # layers fill in order, so the text only ever grows at its end
        for line in candidates[name]:
            if kept[name]:
                delta = 3 + len(line)  # "\n- " + line
            else:
                delta = (2 if used else 0) + len(_heading(name)) + 3 + len(line)
            if used + delta > total:
                dropped[name] = dropped.get(name, 0) + 1
                continue
            kept[name].append(line)
            used += delta
    merged_text = _render(kept, order)
    layers = {
        name: {
            "items": kept[name],
            "item_count": len(kept[name]),
            "chars": sum(len(line) for line in kept[name]),
            "dropped": dropped.get(name, 0),
        }
        for name in order
    }
    result: dict[str, Any] = {
        "version": "layered_context_v1",
        "mode": "layered",
        "order": order,
        "budget": {
            "total_chars": total,
            "used_chars": used,
            "remaining_chars": max(total - used, 0),
        },
        "layers": layers,
        "merged_text": merged_text,
        "dropped_reasons": [
            {"layer": name, "reason": "budget", "count": count} for name, count in dropped.items()
        ],
    }
    if inputs.include_merge_trace:
        result["merge_trace"] = [
            {
                "layer": name,
                "action": "included"
                if kept[name]
                else ("dropped" if dropped.get(name) else "empty"),
                "candidates": len(candidates[name]),
                "kept": len(kept[name]),
                "dropped": dropped.get(name, 0),
            }
            for name in order
        ]
    return result
