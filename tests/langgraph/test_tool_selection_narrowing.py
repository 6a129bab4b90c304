"""Narrowing by meaning: tool descriptions stored as memory, recalled against the task."""

from __future__ import annotations

from collections import Counter

from langchain_core.messages import AIMessage, HumanMessage
from test_tool_selection_support import ScriptedChatModel, build_graph, call, make_tools

from aionis_langgraph.tool_selection import (
    Rule,
    create_tool_selector,
    index_tools,
    promote,
    tool_client_id,
    write_rule,
)
from aionis_sdk import AionisClient

CONFIG = {"configurable": {"thread_id": "t-narrow"}}


def test_index_is_shared_idempotent_and_versioned_by_description(
    aionis_client: AionisClient,
) -> None:
    tools = make_tools(Counter())
    first = index_tools(aionis_client, tools)
    assert index_tools(aionis_client, tools) == first
    assert sorted(first.values()) == sorted(t.name for t in tools)
    node = aionis_client.memory.find(client_id=tool_client_id(tools[0]), include_meta=True)
    assert [n.memory_lane for n in node.nodes] == ["shared"]
    edited = tools[0].model_copy(update={"description": "Remove files, asking first"})
    assert tool_client_id(edited) != tool_client_id(tools[0])


def test_narrowing_picks_the_relevant_tools_for_the_task(aionis_client: AionisClient) -> None:
    write_rule(aionis_client, Rule(summary="unrelated memory about regex lessons"))
    aionis_client.memory.write(
        input_text="note",
        memory_lane="shared",
        nodes=[{"type": "event", "text_summary": "we searched for a regex pattern yesterday"}],
    )
    runs: Counter[str] = Counter()
    tools = make_tools(runs)
    model = ScriptedChatModel(script=[AIMessage("", tool_calls=[call("rg", "c1")])])
    graph = build_graph(
        create_tool_selector(aionis_client, tools, narrow_by_meaning=3), model, tools, None
    )
    out = graph.invoke(
        {"messages": [HumanMessage("search the source code files for a regex pattern")]},
        CONFIG,
    )
    assert set(out["allowed_tools"][:2]) == {"grep", "rg"}
    assert len(out["allowed_tools"]) == 3
    assert "rm" not in out["allowed_tools"]
    narrowing = out["tool_selection_explanation"]["narrowing"]
    assert narrowing["applied"] is True
    assert narrowing["from"] == len(tools)
    assert list(narrowing["scores"]) == out["tool_decision"]["candidates"]
    assert "narrowed by meaning from 10 to 3 tools" in out["tool_selection_explanation"]["summary"]
    assert model.bound == [out["allowed_tools"]]
    assert runs["rg"] == 1


def test_narrowing_then_rules_still_deny(aionis_client: AionisClient) -> None:
    rule = write_rule(aionis_client, Rule.deny(["rm"], "never delete"))
    promote(aionis_client, rule)
    runs: Counter[str] = Counter()
    tools = make_tools(runs)
    model = ScriptedChatModel(script=[AIMessage("", tool_calls=[call("rm", "c1")])])
    graph = build_graph(
        create_tool_selector(aionis_client, tools, narrow_by_meaning=True), model, tools, None
    )
    out = graph.invoke({"messages": [HumanMessage("delete the old files from the disk")]}, CONFIG)
    assert "rm" in out["tool_decision"]["candidates"]  # recalled as relevant ...
    assert "rm" not in out["allowed_tools"]  # ... and denied by the rule
    assert runs["rm"] == 0


def test_a_task_that_matches_no_description_keeps_every_tool(
    aionis_client: AionisClient,
) -> None:
    tools = make_tools(Counter())
    selector = create_tool_selector(
        aionis_client, tools, narrow_by_meaning=2, narrow_min_similarity=0.1
    )
    graph = build_graph(
        selector,
        ScriptedChatModel(script=[AIMessage("ok")]),
        tools,
        None,
    )
    out = graph.invoke({"messages": [HumanMessage("zzqx vvbn")]}, CONFIG)
    assert len(out["allowed_tools"]) == len(tools)
    assert out["tool_selection_explanation"]["narrowing"]["applied"] is False
