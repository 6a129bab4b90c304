"""The async variant: the same nodes on an AsyncAionisClient inside an async graph."""

from __future__ import annotations

from collections import Counter

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from test_tool_selection_support import ScriptedChatModel, build_graph, call, make_tools

from aionis_langgraph.tool_selection import (
    NoToolsAllowedError,
    Rule,
    aexplain_rules,
    aindex_tools,
    apromote,
    awrite_rule,
    create_tool_feedback_node,
    create_tool_selector,
)
from aionis_sdk import AsyncAionisClient

CONFIG: RunnableConfig = {"configurable": {"thread_id": "t-async"}}


async def test_async_graph_denies_prefers_narrows_and_reports(
    aionis_async_client: AsyncAionisClient,
) -> None:
    deny = await awrite_rule(aionis_async_client, Rule.deny(["rm"], "never delete"))
    prefer = await awrite_rule(aionis_async_client, Rule.prefer(["grep"], "grep first"))
    await apromote(aionis_async_client, deny)
    await apromote(aionis_async_client, prefer)
    runs: Counter[str] = Counter()
    tools = make_tools(runs, failing=["grep"])
    await aindex_tools(aionis_async_client, tools)
    model = ScriptedChatModel(
        script=[AIMessage("", tool_calls=[call("rm", "c1"), call("grep", "c2")])]
    )
    graph = build_graph(
        create_tool_selector(aionis_async_client, tools, narrow_by_meaning=4),
        model,
        tools,
        create_tool_feedback_node(aionis_async_client),
    )
    out = await graph.ainvoke(
        {"messages": [HumanMessage("search files for a regex pattern, then delete files")]},
        CONFIG,
    )
    assert out["selected_tool"] == "grep"
    assert "rm" in out["tool_decision"]["candidates"]
    assert "rm" not in out["allowed_tools"]
    assert runs["rm"] == 0
    assert runs["grep"] == 1
    [report] = out["tool_feedback"]
    assert (report["tool"], report["outcome"]) == ("grep", "negative")
    assert report["decision_link_mode"] == "provided"
    lines = await aexplain_rules(aionis_async_client, out["tool_decision"]["context"])
    assert any("grep first" in line and "+0/-1" in line for line in lines)
    assert any("never delete" in line for line in lines)


async def test_async_strict_error(aionis_async_client: AsyncAionisClient) -> None:
    tools = make_tools(Counter())
    rule = await awrite_rule(aionis_async_client, Rule.deny([t.name for t in tools], "freeze"))
    await apromote(aionis_async_client, rule, via_shadow=False)
    selector = create_tool_selector(aionis_async_client, tools)
    with pytest.raises(NoToolsAllowedError):
        await selector.ainvoke({"messages": [HumanMessage("x")]}, CONFIG)
    with pytest.raises(TypeError, match="only an async client"):
        selector.invoke({"messages": [HumanMessage("x")]}, CONFIG)
