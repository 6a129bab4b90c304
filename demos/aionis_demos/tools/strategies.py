"""The four ways of offering tools to the same scripted model, each as a LangGraph graph.

Every graph is ``select → agent → tools (guarded) [→ tool_feedback] → END``; only the select
step differs:

* ``all_tools``: every tool is offered.
* ``semantic``: langgraph-bigtool style retrieval: the tool descriptions are indexed in a
  LangGraph ``InMemoryStore`` with the reference server's deterministic embedder, and the top-k
  by meaning of the task text are offered.
* ``rules``: Aionis ``tools/select`` through ``create_tool_selector`` with the rule book active.
* ``rules_feedback``: the same, plus ``create_tool_feedback_node`` reporting every outcome to
  ``tools/feedback``, so rule evidence moves later rankings.

The agent node offers ``state["allowed_tools"]`` (the guard enforces the same list) and, when
the selector recommends tools, adds the ``Preferred tools:`` line the policy model reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import SystemMessage
from langchain_core.runnables import Runnable, RunnableLambda
from langchain_core.tools import BaseTool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.store.memory import InMemoryStore

from aionis_langgraph.tool_selection import (
    ToolSelectionState,
    bind_allowed_tools,
    create_guarded_tool_node,
    create_tool_feedback_node,
    create_tool_selector,
)
from aionis_sdk import AionisClient
from aionis_server.embeddings import HashingEmbedder

from .policy import PREFERRED_PREFIX

__all__ = [
    "STRATEGIES",
    "STRATEGY_LABELS",
    "DemoState",
    "Strategy",
    "build_graph",
    "semantic_selector",
]

Strategy = Literal["all_tools", "semantic", "rules", "rules_feedback"]
STRATEGIES: tuple[Strategy, ...] = ("all_tools", "semantic", "rules", "rules_feedback")
STRATEGY_LABELS: dict[Strategy, str] = {
    "all_tools": "1. all tools offered",
    "semantic": "2. semantic retrieval (top-k)",
    "rules": "3. Aionis rules",
    "rules_feedback": "4. Aionis rules + feedback",
}
Graph = CompiledStateGraph[Any, Any, Any, Any]


class DemoState(ToolSelectionState, total=False):
    """The selection state plus the task's structured context (repo facts, task kind)."""

    task_context: dict[str, Any]


def _task_context(state: Any) -> dict[str, Any]:
    return dict(state["task_context"])


def _latest_human_text(state: Any) -> str:
    return str(state["messages"][-1].content)


def all_tools_selector(tools: Sequence[BaseTool]) -> Runnable[Any, dict[str, Any]]:
    names = [t.name for t in tools]
    return RunnableLambda(lambda state: {"allowed_tools": list(names)}, name="select_tools")


def semantic_selector(tools: Sequence[BaseTool], k: int) -> Runnable[Any, dict[str, Any]]:
    """Top-k tools by meaning of the task text (InMemoryStore + the deterministic embedder)."""
    embedder = HashingEmbedder()

    def embed(texts: Sequence[str]) -> list[list[float]]:
        matrix = np.asarray(embedder.embed(list(texts)), dtype=np.float64)
        return [list(map(float, row)) for row in matrix]

    store = InMemoryStore(index={"dims": embedder.dim, "embed": embed, "fields": ["description"]})
    for tool in tools:
        store.put(("tools",), tool.name, {"description": f"{tool.name}: {tool.description}"})

    def select(state: Any) -> dict[str, Any]:
        hits = store.search(("tools",), query=_latest_human_text(state), limit=k)
        return {"allowed_tools": [hit.key for hit in hits]}

    return RunnableLambda(select, name="select_tools")


def agent_node(model: BaseChatModel, tools: Sequence[BaseTool]) -> Runnable[Any, dict[str, Any]]:
    def agent(state: Any) -> dict[str, Any]:
        allowed = list(state.get("allowed_tools") or [])
        explanation = state.get("tool_selection_explanation") or {}
        preferred = [p["name"] for p in explanation.get("preferred", []) if p["name"] in allowed]
        messages = list(state["messages"])
        if preferred:
            messages = [SystemMessage(f"{PREFERRED_PREFIX} {', '.join(preferred)}"), *messages]
        return {"messages": [bind_allowed_tools(model, tools, allowed).invoke(messages)]}

    return RunnableLambda(agent, name="agent")


def build_graph(
    strategy: Strategy,
    model: BaseChatModel,
    tools: Sequence[BaseTool],
    *,
    client: AionisClient | None = None,
    k: int = 5,
) -> Graph:
    """The compiled graph of ``strategy``; the Aionis strategies need ``client``."""
    selector: Runnable[Any, dict[str, Any]]
    feedback: Callable[..., Any] | Runnable[Any, Any] | None = None
    if strategy == "all_tools":
        selector = all_tools_selector(tools)
    elif strategy == "semantic":
        selector = semantic_selector(tools, k)
    else:
        if client is None:
            raise ValueError(f"strategy {strategy!r} needs an Aionis client")
        selector = create_tool_selector(client, tools, context_fn=_task_context)
        if strategy == "rules_feedback":
            feedback = create_tool_feedback_node(client)
    graph = StateGraph(DemoState)
    graph.add_node("select_tools", selector)
    graph.add_node("agent", agent_node(model, tools))
    graph.add_node("tools", create_guarded_tool_node(tools))
    graph.add_edge(START, "select_tools")
    graph.add_edge("select_tools", "agent")
    graph.add_edge("agent", "tools")
    if feedback is not None:
        graph.add_node("tool_feedback", feedback)
        graph.add_edge("tools", "tool_feedback")
        graph.add_edge("tool_feedback", END)
    else:
        graph.add_edge("tools", END)
    return graph.compile()
