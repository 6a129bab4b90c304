"""The support agent: one LangGraph ``StateGraph``, whatever memory it is compiled with.

Three kinds of turn, chosen by ``mode`` in the input:

* ``"log"`` records turns of an earlier conversation in the thread (the checkpointer keeps them);
* ``"close"`` ends a conversation: the *extract* node reads the thread's transcript back from
  the checkpointed state, asks the extraction model for memories, and writes each one to the
  long-term store under ``("customers", <customer id>)`` (same key = a newer version);
* ``"answer"`` answers the last customer message: *recall* searches the store by meaning in the
  customer's namespace (timed), *respond* puts the recalled memories into the prompt, calls the
  chat model and keeps the memories it cited.

Without a store (the no-memory variant) recall finds nothing and extraction writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.store.base import BaseStore
from typing_extensions import TypedDict

from .models import memories_from_reply
from .prompts import EXTRACT_SYSTEM, answer_system_prompt, cited_numbers, extraction_prompt

__all__ = ["RECALL_LIMIT", "AgentState", "build_agent", "namespace_of"]

RECALL_LIMIT = 4
Mode = Literal["log", "close", "answer"]


class Recalled(TypedDict):
    key: str
    text: str
    score: float | None


class AgentState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    customer_id: str
    conversation_id: str
    date: str
    mode: Mode
    recalled: list[Recalled]
    cited: list[str]
    recall_ms: float | None
    extracted: list[str]


def namespace_of(customer_id: str) -> tuple[str, str]:
    return ("customers", customer_id)


def _text(message: AnyMessage) -> str:
    return message.content if isinstance(message.content, str) else str(message.content)


def build_agent(
    answer_model: BaseChatModel,
    extract_model: BaseChatModel,
    *,
    recall_limit: int = RECALL_LIMIT,
) -> StateGraph[AgentState]:
    """The uncompiled graph; compile it with the variant's ``checkpointer`` and ``store``."""

    def route(state: AgentState) -> str:
        return {"log": "log", "close": "extract"}.get(state.get("mode", "answer"), "recall")

    def log(state: AgentState) -> dict[str, Any]:
        return {}

    def recall(state: AgentState, runtime: Runtime[Any]) -> dict[str, Any]:
        question = next(
            (_text(m) for m in reversed(state["messages"]) if isinstance(m, HumanMessage)), ""
        )
        if runtime.store is None:
            return {"recalled": [], "recall_ms": None}
        started = time.perf_counter()
        items = runtime.store.search(
            namespace_of(state["customer_id"]), query=question, limit=recall_limit
        )
        elapsed_ms = (time.perf_counter() - started) * 1000
        recalled = [
            Recalled(key=item.key, text=str(item.value.get("text", "")), score=item.score)
            for item in items
        ]
        return {"recalled": recalled, "recall_ms": elapsed_ms}

    def respond(state: AgentState) -> dict[str, Any]:
        recalled = state.get("recalled") or []
        system = SystemMessage(content=answer_system_prompt([r["text"] for r in recalled]))
        question = state["messages"][-1]
        reply = answer_model.invoke([system, question])
        answer = AIMessage(content=_text(reply))
        cited = [
            recalled[n - 1]["key"] for n in cited_numbers(_text(reply)) if 0 < n <= len(recalled)
        ]
        return {"messages": [answer], "cited": cited}

    def extract(state: AgentState, runtime: Runtime[Any]) -> dict[str, Any]:
        transcript = _transcript(state["messages"])
        prompt = extraction_prompt(state["conversation_id"], state["date"], transcript)
        reply = extract_model.invoke([SystemMessage(content=EXTRACT_SYSTEM), HumanMessage(prompt)])
        memories = memories_from_reply(reply)
        store: BaseStore | None = runtime.store
        if store is not None:
            for memory in memories:
                store.put(
                    namespace_of(state["customer_id"]),
                    memory["key"],
                    {
                        "text": memory["text"],
                        "kind": memory["kind"],
                        "conversation": state["conversation_id"],
                        "date": state["date"],
                    },
                )
        return {"extracted": [m["key"] for m in memories] if store is not None else []}

    graph = StateGraph(AgentState)
    graph.add_node("log", log)
    graph.add_node("recall", recall)
    graph.add_node("respond", respond)
    graph.add_node("extract", extract)
    graph.add_conditional_edges(START, route, ["log", "recall", "extract"])
    graph.add_edge("recall", "respond")
    for last in ("log", "respond", "extract"):
        graph.add_edge(last, END)
    return graph


def _transcript(messages: Sequence[AnyMessage]) -> list[tuple[str, str]]:
    role = {"human": "customer", "ai": "agent"}
    return [(role.get(m.type, m.type), _text(m)) for m in messages if m.type in role]


def compile_agent(
    graph: StateGraph[AgentState],
    checkpointer: BaseCheckpointSaver[Any] | None,
    store: BaseStore | None,
) -> CompiledStateGraph[AgentState, Any, Any, Any]:
    return graph.compile(checkpointer=checkpointer, store=store)
