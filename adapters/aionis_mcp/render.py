"""Tool results: structured output plus the text a model reads."""

from __future__ import annotations

import json
from typing import Any

import pydantic
from mcp.types import CallToolResult, TextContent

from aionis_sdk.types.recall import RecallTextResponse
from aionis_sdk.types.tools import ToolsSelectResponse

from .models import Citation, RecallOutput, RecallSeed

__all__ = ["explain_selection", "input_error", "ok_result", "recall_output", "render_recall"]


def ok_result(output: pydantic.BaseModel, text: str | None = None) -> CallToolResult:
    data = output.model_dump(mode="json")
    body = text if text is not None else json.dumps(data, indent=2, sort_keys=True)
    return CallToolResult(content=[TextContent(type="text", text=body)], structured_content=data)


def recall_output(query: str, resp: RecallTextResponse) -> RecallOutput:
    """The ``recall`` tool's output for a recall_text response."""
    titles = {item.node_id: item.title for item in resp.context.items if item.node_id}
    return RecallOutput(
        query=query,
        context_text=resp.context.text,
        citations=[
            Citation(
                node_id=c.node_id,
                uri=c.uri,
                commit_id=c.commit_id,
                commit_uri=c.commit_uri,
                title=titles.get(c.node_id),
            )
            for c in resp.context.citations
        ],
        seeds=[
            RecallSeed(
                id=s.id,
                uri=s.uri,
                type=s.type,
                title=s.title,
                text_summary=s.text_summary,
                similarity=s.similarity,
            )
            for s in resp.seeds
        ],
        request_id=resp.request_id,
    )


def render_recall(out: RecallOutput) -> str:
    """Recall output as text for a model: the context, then one line per citation."""
    if not out.seeds and not out.citations:
        return f"No memory matched {out.query!r}."
    lines = [out.context_text.strip() or "(empty context)", "", "Citations:"]
    for c in out.citations:
        label = f"{c.title}: " if c.title else ""
        lines.append(f"- {label}{c.uri or c.node_id} (commit {c.commit_id})")
    return "\n".join(lines)


def input_error(message: str) -> dict[str, Any]:
    return {
        "code": "invalid_input",
        "status": None,
        "request_id": None,
        "message": message + "; pass selected_tool",
        "type": "ValueError",
        "retryable": False,
    }


def explain_selection(resp: ToolsSelectResponse) -> str:
    sel = resp.selection
    parts = [f"Selected {sel.selected!r}." if sel.selected else "No tool selected."]
    if sel.denied:
        parts.append(
            "Denied: " + ", ".join(f"{d.name} ({d.reason.replace('_', ' ')})" for d in sel.denied)
        )
    if sel.preferred:
        parts.append("Preferred by rules: " + ", ".join(sel.preferred) + ".")
    parts.append(f"{resp.rules.matched} rule(s) matched of {resp.rules.considered} considered.")
    if sel.fallback.applied:
        parts.append(f"Fallback: {sel.fallback.reason} ({sel.fallback.effective_mode}).")
    notes = (resp.rules.applied.tool_explain or {}).get("notes")
    if isinstance(notes, list) and notes:
        parts.append("Notes: " + "; ".join(str(n) for n in notes[:5]))
    return " ".join(parts)
