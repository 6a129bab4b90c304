"""Tool selection inside a real graph against a real reference server: deny, prefer, strict."""

from __future__ import annotations

from collections import Counter

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from test_tool_selection_support import ScriptedChatModel, build_graph, call, make_tools

from aionis_langgraph.tool_selection import (
    NoToolsAllowedError,
    Rule,
    create_tool_feedback_node,
    create_tool_selector,
    promote,
    write_rule,
)
from aionis_sdk import AionisClient

CLEANUP = {"configurable": {"thread_id": "t-cleanup"}}


def _activate(client: AionisClient, rule: Rule) -> str:
    rule_id = write_rule(client, rule)
    promote(client, rule_id)
    return rule_id


def test_deny_rule_cannot_be_bypassed_by_the_model(aionis_client: AionisClient) -> None:
    deny = _activate(
        aionis_client,
        Rule.deny(["rm"], "never delete files", if_={"task.text": {"$regex": "clean"}}),
    )
    runs: Counter[str] = Counter()
    tools = make_tools(runs)
    # The model ignores what it was offered and asks for rm (twice) and ls.
    model = ScriptedChatModel(
        script=[AIMessage("", tool_calls=[call("rm", "c1"), call("ls", "c2"), call("rm", "c3")])]
    )
    graph = build_graph(
        create_tool_selector(aionis_client, tools),
        model,
        tools,
        create_tool_feedback_node(aionis_client),
    )
    out = graph.invoke({"messages": [HumanMessage("clean up the build folder")]}, CLEANUP)

    assert runs["rm"] == 0  # the violation count: a denied tool never executed
    assert runs["ls"] == 1
    assert "rm" not in out["allowed_tools"]
    assert all("rm" not in offered for offered in model.bound)
    denied = out["tool_selection_explanation"]["denied"]
    assert denied == [
        {"name": "rm", "reason": "deny_list", "rule_node_id": deny, "allow_list": None}
    ]
    tool_messages = {m.tool_call_id: m for m in out["messages"] if isinstance(m, ToolMessage)}
    assert tool_messages["c1"].status == "error" and "not allowed" in str(tool_messages["c1"].content)
    assert tool_messages["c3"].status == "error"
    assert tool_messages["c2"].status == "success"
    # Only the call that ran is reported; blocked calls are not tool outcomes.
    assert [r["tool"] for r in out["tool_feedback"]] == ["ls"]
    assert "denied: rm (deny_list" in out["tool_selection_explanation"]["summary"]
