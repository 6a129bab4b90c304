"""planning/context and context/assemble (§7.11): recall_text + rules + optional tools/select.

Both run in one request: (1) recall_text with the caller's knobs and consumer, (2) rules/evaluate
on ``context`` (assemble: only with ``include_rules``), (3) tools/select when ``tool_candidates``
is non-empty (this persists a decision; a strict failure fails the whole request), (4) compose
the planner packet, the summary and the cost signals (and the layered context on request).

The token estimate is ``ceil(chars/4)`` of the context the planner receives: the layered
``merged_text`` when requested, else recall's ``context.text``.
"""

from __future__ import annotations

import math
from typing import Any

from ..context import RequestContext
from ..rules.evaluate import evaluate_rules
from ..schemas.planning import ContextAssembleBody, PlanningContextBody
from ..validation import parse_body
from .layered_context import LayerInputs, build_layered_context, item_line
from .tools import select_tools

__all__ = ["context_assemble", "planner_packet", "planning_context"]

PACKET_SECTIONS = (
    "recommended_workflows",
    "candidate_workflows",
    "candidate_patterns",
    "trusted_patterns",
    "contested_patterns",
    "rehydration_candidates",
    "supporting_knowledge",
)
# Composite-only keys that recall_text must not see (it would evaluate rules on its own).
_NOT_FOR_RECALL = ("rules_context", "rules_include_shadow")


def _section_title(name: str) -> str:
    return " ".join(word.capitalize() for word in name.split("_"))


def planner_packet(recall: dict[str, Any]) -> dict[str, Any]:
    """``planner_packet_v1``: only supporting_knowledge is filled (no workflows or patterns)."""
    sections: dict[str, list[str]] = {name: [] for name in PACKET_SECTIONS}
    sections["supporting_knowledge"] = [item_line(item) for item in recall["context"]["items"]]
    merged = "\n\n".join(
        f"# {_section_title(name)}\n" + "\n".join(f"- {line}" for line in lines)
        for name, lines in sections.items()
        if lines
    )
    return {"packet_version": "planner_packet_v1", "sections": sections, "merged_text": merged}


def _recall(ctx: RequestContext) -> dict[str, Any]:
    from .recall import recall_text_service  # the recall module is heavy; load it on first use

    body = {k: v for k, v in ctx.body.items() if k not in _NOT_FOR_RECALL}
    return recall_text_service(ctx, body)


def _rules(ctx: RequestContext, body: PlanningContextBody) -> dict[str, Any]:
    with ctx.state.db.read() as conn:
        return evaluate_rules(
            conn,
            scope_key=ctx.scope_key,
            tenant_id=ctx.tenant_id,
            scope=ctx.scope,
            context=ctx.body.get("context", {}),
            include_shadow=body.include_shadow,
            limit=body.rules_limit,
        )


def _tools(ctx: RequestContext, body: PlanningContextBody) -> dict[str, Any] | None:
    if not body.tool_candidates:
        return None
    return select_tools(
        ctx,
        context=ctx.body.get("context", {}),
        candidates=body.tool_candidates,
        run_id=body.run_id,
        include_shadow=body.include_shadow,
        rules_limit=body.rules_limit,
        strict=body.tool_strict,
    )


def _explanation(
    recall: dict[str, Any], rules: dict[str, Any] | None, tools: dict[str, Any] | None
) -> str:
    parts = [
        f"recalled {len(recall['context']['items'])} context item(s) from {len(recall['seeds'])} seed(s)"
    ]
    if rules is not None:
        parts.append(f"{rules['matched']} of {rules['considered']} rule(s) matched")
    if tools is not None:
        selection = tools["selection"]
        chosen = selection["selected"]
        count = len(selection["candidates"])
        parts.append(
            f"selected tool {chosen} from {count} candidate(s)"
            if chosen
            else f"no tool selectable from {count} candidate(s)"
        )
    return "; ".join(parts)


def _compose(
    ctx: RequestContext,
    body: PlanningContextBody,
    rules: dict[str, Any] | None,
    recall: dict[str, Any],
    tools: dict[str, Any] | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The shared response part and the summary fields."""
    budgets = (
        recall_budget(ctx, "context_token_budget"),
        recall_budget(ctx, "context_char_budget"),
    )
    response: dict[str, Any] = {
        "tenant_id": ctx.tenant_id,
        "scope": ctx.scope,
        "query": recall["query"],
        "recall": recall,
    }
    if rules is not None:
        response["rules"] = rules
    if tools is not None:
        response["tools"] = tools
    response["planner_packet"] = planner_packet(recall)
    text = recall["context"]["text"]
    if body.return_layered_context:
        layers = body.context_layers
        layered = build_layered_context(
            LayerInputs(
                recall=recall,
                rules=rules,
                tools=tools,
                static_blocks=body.static_context_blocks or (),
                order=layers.order if layers is not None else None,
                include_merge_trace=layers.include_merge_trace if layers is not None else False,
                token_budget=budgets[0],
                char_budget=budgets[1],
            )
        )
        response["layered_context"] = layered
        text = layered["merged_text"]
    chars = len(text)
    tokens = math.ceil(chars / 4)
    response["cost_signals"] = {
        "summary_version": "context_cost_signals_v1",
        "context_chars": chars,
        "context_est_tokens": tokens,
        "context_token_budget": budgets[0],
        "context_char_budget": budgets[1],
        "within_token_budget": budgets[0] is None or tokens <= budgets[0],
        "within_char_budget": budgets[1] is None or chars <= budgets[1],
    }
    summary = {
        "planner_explanation": _explanation(recall, rules, tools),
        "selected_tool": tools["selection"]["selected"] if tools else None,
        "decision_id": tools["decision"]["decision_id"] if tools else None,
        "rules_considered": rules["considered"] if rules else 0,
        "rules_matched": rules["matched"] if rules else 0,
        "context_est_tokens": tokens,
        "recalled_items": len(recall["context"]["items"]),
        "seed_count": len(recall["seeds"]),
        "tool_candidate_count": len(tools["candidates"]) if tools else 0,
        "layered_context": body.return_layered_context,
    }
    return response, summary


def recall_budget(ctx: RequestContext, key: str) -> int | None:
    value = ctx.body.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def planning_context(ctx: RequestContext) -> dict[str, Any]:
    """POST /v1/memory/planning/context."""
    body = parse_body(PlanningContextBody, ctx.body)
    recall = _recall(ctx)
    rules = _rules(ctx, body)
    tools = _tools(ctx, body)
    response, summary = _compose(ctx, body, rules, recall, tools)
    response["planning_summary"] = {"summary_version": "planning_summary_v1", **summary}
    return _ordered(response)


def context_assemble(ctx: RequestContext) -> dict[str, Any]:
    """POST /v1/memory/context/assemble."""
    body = parse_body(ContextAssembleBody, ctx.body)
    recall = _recall(ctx)
    rules = _rules(ctx, body) if body.include_rules else None
    tools = _tools(ctx, body)
    response, summary = _compose(ctx, body, rules, recall, tools)
    response["assembly_summary"] = {
        "summary_version": "assembly_summary_v1",
        **summary,
        "include_rules": body.include_rules,
    }
    return _ordered(response)


def _ordered(response: dict[str, Any]) -> dict[str, Any]:
    """Summary and cost blocks before the bulky layered context, for readability."""
    layered = response.pop("layered_context", None)
    if layered is not None:
        response["layered_context"] = layered
    return response
