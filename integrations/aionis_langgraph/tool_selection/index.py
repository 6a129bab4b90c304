"""Tool descriptions as memory, recalled by meaning to narrow the candidates.

``index_tools`` writes one ``concept`` node per tool in a single ``/write``. The node's
``client_id`` is ``aionis_langgraph:tool:<name>:<sha256(name, description)[:16]>``, so the
write is idempotent (re-indexing the same tools changes nothing) and an edited description
becomes a new node instead of being silently ignored (nodes are immutable, spec §5.8). The
node's title is ``"<name>: <description>"`` because a concept is embedded from its title
(spec §6).

Lane: **shared** by default. Tool descriptions are not secrets, and a shared node is visible to
every reader of the scope, with or without a configured ``agent_id`` (spec §4.5), so one index
serves all agents. ``lane="private"`` keeps the index in the writing agent's lane; it then
needs the client's ``agent_id`` (the reader must be the owner).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from langchain_core.tools import BaseTool

from aionis_sdk import AionisClient, AsyncAionisClient

from ._drive import Plan, arun, run

__all__ = [
    "TOOL_NODE_KIND",
    "aindex_tools",
    "index_plan",
    "index_tools",
    "narrow_plan",
    "tool_client_id",
]

TOOL_NODE_KIND = "aionis_langgraph.tool"
Lane = Literal["shared", "private"]


def _describe(tool: BaseTool) -> str:
    return f"{tool.name}: {tool.description}".strip()


def tool_client_id(tool: BaseTool) -> str:
    """The deterministic ``client_id`` of a tool's description node."""
    digest = hashlib.sha256(f"{tool.name}\n{tool.description}".encode()).hexdigest()[:16]
    return f"aionis_langgraph:tool:{tool.name}:{digest}"


def index_plan(tools: Sequence[BaseTool], lane: Lane) -> Plan[dict[str, str]]:
    nodes = [
        {
            "client_id": tool_client_id(t),
            "type": "concept",
            "title": _describe(t),  # a concept embeds its title (spec §6)
            "text_summary": _describe(t),
            "memory_lane": lane,
            "slots": {"kind": TOOL_NODE_KIND, "tool_name": t.name},
        }
        for t in tools
    ]
    names = ", ".join(t.name for t in tools)
    response = yield (
        "memory.write",
        {"input_text": f"tool index: {names}", "memory_lane": lane, "nodes": nodes},
    )
    by_client_id = {tool_client_id(t): t.name for t in tools}
    return {n.id: by_client_id[n.client_id] for n in response.nodes if n.client_id in by_client_id}


def index_tools(
    client: AionisClient, tools: Sequence[BaseTool], *, lane: Lane = "shared"
) -> dict[str, str]:
    """Store each tool's description as a memory node; returns ``{node_id: tool_name}``."""
    return run(client, index_plan(tools, lane))


async def aindex_tools(
    client: AsyncAionisClient, tools: Sequence[BaseTool], *, lane: Lane = "shared"
) -> dict[str, str]:
    """Async twin of :func:`index_tools`."""
    return await arun(client, index_plan(tools, lane))


def narrow_plan(
    node_to_tool: Mapping[str, str], query: str, k: int, min_similarity: float = 0.0
) -> Plan[tuple[list[str], dict[str, Any]]]:
    """Recall the tool nodes against ``query``; the top-``k`` tool names by similarity.

    Only tools whose similarity exceeds ``min_similarity`` count (a provider-dependent noise
    floor: hashing embeddings give unrelated texts about ±0.05).

    Returns ``(names, report)``. When the recall finds none of the tools (an empty index, or a
    query sharing nothing with any description), ``names`` is empty and the caller keeps
    every tool: narrowing must never turn into a deny.
    """
    limit = min(200, max(24, 4 * len(node_to_tool)))
    response = yield ("memory.recall_text", {"query_text": query, "limit": limit})
    scores: dict[str, float] = {}
    for seed in response.seeds:
        name = node_to_tool.get(seed.id)
        if name is not None and name not in scores:
            scores[name] = float(seed.similarity or 0.0)
    ranked = [n for n, s in sorted(scores.items(), key=lambda kv: -kv[1]) if s > min_similarity][:k]
    return ranked, {"query": query, "k": k, "scores": {n: round(scores[n], 4) for n in ranked}}
