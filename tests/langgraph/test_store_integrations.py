"""AionisStore inside LangGraph: a compiled graph, a prebuilt agent with langmem's memory
tools, and langgraph-bigtool's tool index. Chat models are scripted (no network)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langgraph.config import get_store
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import create_react_agent
from langgraph.store.base import BaseStore
from langgraph.warnings import LangGraphDeprecatedSinceV10
from langgraph_bigtool import create_agent
from store_suite import fresh_scope, server_url
from typing_extensions import TypedDict

from aionis_langgraph.store import AionisStore
from aionis_sdk import AionisClient, AsyncAionisClient

with warnings.catch_warnings():
    # Third-party: trustcall (a langmem dependency) imports Send from langgraph.constants,
    # deprecated since LangGraph 1.0. Only that message is ignored, only for this import.
    warnings.filterwarnings(
        "ignore",
        message="Importing Send from langgraph.constants",
        category=LangGraphDeprecatedSinceV10,
    )
    from langmem import create_manage_memory_tool, create_search_memory_tool

__all__ = ["server_url"]


class ScriptedChat(GenericFakeChatModel):
    """A fake chat model that plays a fixed list of replies and accepts tool binding."""

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChat:  # type: ignore[override]
        return self


def scripted(*replies: AIMessage) -> ScriptedChat:
    return ScriptedChat(messages=iter(replies))


def call(name: str, args: dict[str, Any], call_id: str) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id}])


@pytest.fixture
def store(server_url: str) -> Iterator[AionisStore]:
    with AionisClient(base_url=server_url, agent_id="graphs", scope=fresh_scope()) as client:
        yield AionisStore(client)


class Visit(TypedDict):
    user: str
    count: int


def test_compiled_graph_reads_and_writes_through_store(store: AionisStore) -> None:
    def remember(state: Visit, *, store: BaseStore) -> dict[str, int]:
        ns = ("visits", state["user"])
        item = store.get(ns, "counter")
        count = (item.value["n"] if item else 0) + 1
        store.put(ns, "counter", {"n": count})
        return {"count": count}

    graph = StateGraph(Visit).add_node(remember).add_edge(START, "remember").compile(store=store)
    assert graph.invoke({"user": "ada", "count": 0})["count"] == 1
    assert graph.invoke({"user": "ada", "count": 0})["count"] == 2
    assert graph.invoke({"user": "bob", "count": 0})["count"] == 1
    assert store.list_namespaces(prefix=("visits",)) == [("visits", "ada"), ("visits", "bob")]


async def test_compiled_graph_async_with_get_store(server_url: str) -> None:
    async with AsyncAionisClient(base_url=server_url, agent_id="g", scope=fresh_scope()) as ac:
        store = AionisStore(aclient=ac)

        async def note(state: MessagesState) -> dict[str, list[BaseMessage]]:
            s = get_store()
            await s.aput(("notes",), "last", {"text": str(state["messages"][-1].content)})
            hits = await s.asearch(("notes",), query="sunny weather")
            return {"messages": [AIMessage(content=hits[0].value["text"])]}

        graph = StateGraph(MessagesState).add_node(note).add_edge(START, "note")
        result = await graph.compile(store=store).ainvoke({"messages": [("user", "sunny day")]})
        assert result["messages"][-1].content == "sunny day"


# The brief of this test is langgraph.prebuilt.create_react_agent, which LangGraph 1.x marks
# deprecated (moved to langchain.agents); only that warning is ignored here.
@pytest.mark.filterwarnings(
    "ignore:create_react_agent has been moved:langgraph.warnings.LangGraphDeprecatedSinceV10"
)
def test_prebuilt_agent_with_langmem_tools(store: AionisStore) -> None:
    ns = ("memories", "{user_id}")
    tools = [create_manage_memory_tool(namespace=ns), create_search_memory_tool(namespace=ns)]
    config = {"configurable": {"user_id": "ada"}}
    writer = create_react_agent(
        scripted(
            call("manage_memory", {"content": "Ada prefers pytest over unittest"}, "c1"),
            AIMessage(content="Noted."),
        ),
        tools,
        store=store,
    )
    writer.invoke({"messages": [("user", "remember: I like pytest")]}, config)
    saved = store.search(("memories", "ada"))
    assert [m.value["content"] for m in saved] == ["Ada prefers pytest over unittest"]

    reader = create_react_agent(
        scripted(
            call("search_memory", {"query": "which test framework does Ada like"}, "c2"),
            AIMessage(content="pytest"),
        ),
        tools,
        store=store,
    )
    out = reader.invoke({"messages": [("user", "what do I like?")]}, config)
    tool_msgs = [m for m in out["messages"] if isinstance(m, ToolMessage)]
    assert "Ada prefers pytest over unittest" in str(tool_msgs[0].content)

    memory_id = saved[0].key
    updater = create_react_agent(
        scripted(
            call("manage_memory", {"action": "delete", "id": memory_id}, "c3"),
            AIMessage(content="Forgotten."),
        ),
        tools,
        store=store,
    )
    updater.invoke({"messages": [("user", "forget it")]}, config)
    assert store.search(("memories", "ada")) == []


def add(a: float, b: float) -> float:
    """Add two numbers."""
    return a + b


def multiply(a: float, b: float) -> float:
    """Multiply two numbers together to get their product."""
    return a * b


def square_root(x: float) -> float:
    """Square root of a number."""
    return math.sqrt(x)


def test_bigtool_uses_store_as_tool_index(store: AionisStore) -> None:
    registry: dict[str, Any] = {"t_add": add, "t_mul": multiply, "t_sqrt": square_root}
    for tool_id, fn in registry.items():
        store.put(("tools",), tool_id, {"description": f"{fn.__name__}: {fn.__doc__}"})
    # The model asks bigtool to retrieve tools; bigtool searches AionisStore by meaning and
    # binds what it found. (Calling the retrieved tool afterwards fails inside
    # langgraph-bigtool 0.0.3 with langgraph-prebuilt 1.1: ToolNode.inject_tool_args is gone;
    # see integrations/aionis_langgraph/NOTES.md. The retrieval is what uses the store.)
    llm = scripted(
        call("retrieve_tools", {"query": "multiply two numbers product"}, "r1"),
        AIMessage(content="I can multiply now."),
    )
    agent = create_agent(llm, registry, limit=1).compile(store=store)
    out = agent.invoke({"messages": [("user", "what is 6 times 7?")]})
    assert out["selected_tool_ids"] == ["t_mul"]
    retrieved = [m for m in out["messages"] if isinstance(m, ToolMessage)]
    assert retrieved[0].content == "Available tools: ['multiply']"
