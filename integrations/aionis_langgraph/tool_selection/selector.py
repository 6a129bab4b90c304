"""``create_tool_selector``: a LangGraph node that asks Aionis which tools the agent may use.

One step of the node:

1. Optionally narrow the candidates by meaning: the tools' descriptions are indexed once as
   memory (:mod:`.index`, lazily on first use, idempotent) and recalled against the task text;
   the top-k become the candidates, most similar first.
2. ``tools/select`` with the context built from state (``context_fn``), the ``run_id`` from the
   config (``run_id_fn``), ``strict`` and ``include_shadow``.
3. Return ``allowed_tools`` (ordered: preferred first), ``selected_tool``, ``decision_id``,
   ``tool_selection_explanation`` and ``tool_decision`` (what the feedback node reports
   against).

``tools/select`` persists a decision and is therefore not idempotent; the SDK does not retry it
after it may have reached the server, and neither does this node.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langchain_core.tools import BaseTool

from aionis_sdk import AionisClient, AsyncAionisClient, BadRequestError

from ._drive import Plan, arun, run
from ._explain import empty_explanation, explain_selection
from ._state import ToolDecision
from .index import Lane, index_plan, narrow_plan

__all__ = [
    "DEFAULT_NARROW_K",
    "NoToolsAllowedError",
    "create_tool_selector",
    "default_context",
    "default_run_id",
    "message_text",
    "task_text",
]

DEFAULT_NARROW_K = 8
ContextFn = Callable[[Any], Mapping[str, Any]]
RunIdFn = Callable[[RunnableConfig], str | None]


class NoToolsAllowedError(RuntimeError):
    """Strict selection left no candidate (the server's 400 ``no_tools_allowed``).

    ``candidates``: what was sent; ``details``: the server's counts ``{candidates, allow,
    deny}``; ``explanation``: the state value the node would have written. The SDK error is
    the ``__cause__``. Nothing was persisted on the server.
    """

    def __init__(self, candidates: list[str], details: Mapping[str, Any], message: str) -> None:
        self.candidates = candidates
        self.details = dict(details)
        self.explanation = empty_explanation(candidates, details, message)
        super().__init__(
            f"Aionis rules allow none of the {len(candidates)} candidate tools "
            f"({', '.join(candidates)}): {message}. Review the active deny/allow rules, or "
            "create the selector with strict=False (deny-only fallback) or "
            "on_no_tools='empty' (continue with no tools)."
        )


def message_text(message: BaseMessage) -> str:
    """The plain text of a message (string content, or its text blocks joined)."""
    content = message.content
    if isinstance(content, str):
        return content
    parts = [
        b if isinstance(b, str) else str(b.get("text", ""))
        for b in content
        if isinstance(b, str) or (isinstance(b, dict) and b.get("type") == "text")
    ]
    return " ".join(p for p in parts if p)


def task_text(state: Any) -> str:
    """The latest human message's text (the default query for narrowing)."""
    messages = state.get("messages", []) if isinstance(state, Mapping) else []
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return message_text(message)
    return ""


def default_context(state: Any) -> dict[str, Any]:
    """``{"task": {"text": <latest human message>}}``; pass ``context_fn`` for more facts."""
    return {"task": {"text": task_text(state)}}


def default_run_id(config: RunnableConfig) -> str | None:
    """``configurable["aionis_run_id"]``, else the LangGraph ``thread_id``, else ``None``."""
    configurable = config.get("configurable") or {}
    value = configurable.get("aionis_run_id") or configurable.get("thread_id")
    return str(value) if value else None


class _Selector:
    def __init__(
        self,
        tools: Sequence[BaseTool],
        *,
        k: int,
        strict: bool,
        include_shadow: bool,
        on_no_tools: Literal["raise", "empty"],
        context_fn: ContextFn,
        query_fn: Callable[[Any], str],
        run_id_fn: RunIdFn,
        index_lane: Lane,
        min_similarity: float,
        rules_limit: int | None,
    ) -> None:
        names = [t.name for t in tools]
        if len(set(names)) != len(names) or not names:
            raise ValueError("tools must be non-empty with unique names")
        self.tools = list(tools)
        self.names = names
        self.k = k
        self.strict = strict
        self.include_shadow = include_shadow
        self.on_no_tools = on_no_tools
        self.context_fn = context_fn
        self.query_fn = query_fn
        self.run_id_fn = run_id_fn
        self.index_lane = index_lane
        self.min_similarity = min_similarity
        self.rules_limit = rules_limit
        self.node_to_tool: dict[str, str] | None = None

    def plan(self, state: Any, config: RunnableConfig) -> Plan[dict[str, Any]]:
        candidates, narrowing = list(self.names), None
        query = self.query_fn(state)
        if self.k and query.strip():
            if self.node_to_tool is None:
                self.node_to_tool = yield from index_plan(self.tools, self.index_lane)
            ranked, narrowing = yield from narrow_plan(
                self.node_to_tool, query, self.k, self.min_similarity
            )
            narrowing["from"] = len(candidates)
            narrowing["applied"] = bool(ranked)
            candidates = ranked or candidates
        context = dict(self.context_fn(state))
        run_id = self.run_id_fn(config)
        params: dict[str, Any] = {
            "context": context,
            "candidates": candidates,
            "strict": self.strict,
            "include_shadow": self.include_shadow,
        }
        if run_id:
            params["run_id"] = run_id
        if self.rules_limit is not None:
            params["rules_limit"] = self.rules_limit
        try:
            response = yield ("tools.select", params)
        except BadRequestError as exc:
            if exc.code != "no_tools_allowed":
                raise
            if self.on_no_tools == "raise":
                raise NoToolsAllowedError(candidates, exc.details, exc.message) from exc
            return _update(
                [],
                None,
                None,
                empty_explanation(candidates, exc.details, exc.message),
                ToolDecision(
                    decision_id=None,
                    run_id=run_id,
                    candidates=candidates,
                    context=context,
                    selected_tool=None,
                ),
            )
        explanation = explain_selection(response, narrowing=narrowing)
        decision = ToolDecision(
            decision_id=response.decision.decision_id,
            run_id=run_id,
            candidates=list(response.selection.candidates),
            context=context,
            selected_tool=response.selection.selected,
        )
        return _update(
            list(response.selection.ordered),
            response.selection.selected,
            response.decision.decision_id,
            explanation,
            decision,
        )


def _update(
    allowed: list[str],
    selected: str | None,
    decision_id: str | None,
    explanation: Any,
    decision: ToolDecision,
) -> dict[str, Any]:
    return {
        "allowed_tools": allowed,
        "selected_tool": selected,
        "decision_id": decision_id,
        "tool_selection_explanation": explanation,
        "tool_decision": decision,
    }


def create_tool_selector(
    client: AionisClient | AsyncAionisClient,
    tools: Sequence[BaseTool],
    *,
    async_client: AsyncAionisClient | None = None,
    narrow_by_meaning: bool | int = False,
    strict: bool = True,
    include_shadow: bool = False,
    on_no_tools: Literal["raise", "empty"] = "raise",
    context_fn: ContextFn | None = None,
    query_fn: Callable[[Any], str] | None = None,
    run_id_fn: RunIdFn | None = None,
    index_lane: Lane = "shared",
    narrow_min_similarity: float = 0.0,
    rules_limit: int | None = None,
    name: str = "select_tools",
) -> RunnableLambda[Any, dict[str, Any]]:
    """A node for ``graph.add_node("select_tools", selector)``; sync and async.

    ``client`` may be sync or async (or pass both, the async one as ``async_client``). With
    only a sync client, async graphs run the node in a worker thread; with only an async
    client, sync invocation raises ``TypeError``.

    ``narrow_by_meaning``: ``False`` (send every tool), ``True`` (top 8 by meaning) or an int k;
    tools at or under ``narrow_min_similarity`` are dropped, and when none remains every tool is
    sent (narrowing never turns into a deny). The index (``index_lane``, default shared) is
    written lazily on the first narrowing call.
    ``strict``: sent to ``tools/select``. With ``strict=True`` and nothing allowed the node
    raises :class:`NoToolsAllowedError`, or with ``on_no_tools="empty"`` writes
    ``allowed_tools=[]`` (the guard then blocks every call). ``strict=False`` uses the
    server's fallback (allow-list dropped, deny kept), reported in the explanation.
    """
    if isinstance(narrow_by_meaning, bool):
        k = DEFAULT_NARROW_K if narrow_by_meaning else 0
    else:
        k = max(0, int(narrow_by_meaning))
    sync_client = client if isinstance(client, AionisClient) else None
    aclient = async_client or (client if isinstance(client, AsyncAionisClient) else None)
    selector = _Selector(
        tools,
        k=k,
        strict=strict,
        include_shadow=include_shadow,
        on_no_tools=on_no_tools,
        context_fn=context_fn or default_context,
        query_fn=query_fn or task_text,
        run_id_fn=run_id_fn or default_run_id,
        index_lane=index_lane,
        min_similarity=narrow_min_similarity,
        rules_limit=rules_limit,
    )

    def select_tools(state: Any, config: RunnableConfig) -> dict[str, Any]:
        if sync_client is None:
            raise TypeError("this tool selector has only an async client; use ainvoke/astream")
        return run(sync_client, selector.plan(state, config))

    async def aselect_tools(state: Any, config: RunnableConfig) -> dict[str, Any]:
        assert aclient is not None
        return await arun(aclient, selector.plan(state, config))

    if aclient is None:
        return RunnableLambda(select_tools, name=name)
    return RunnableLambda(select_tools, afunc=aselect_tools, name=name)
