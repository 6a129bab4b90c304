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
    assert tool_messages["c1"].status == "error"
    assert "not allowed" in str(tool_messages["c1"].content)
    assert tool_messages["c3"].status == "error"
    assert tool_messages["c2"].status == "success"
    # Only the call that ran is reported; blocked calls are not tool outcomes.
    assert [r["tool"] for r in out["tool_feedback"]] == ["ls"]
    assert "denied: rm (deny_list" in out["tool_selection_explanation"]["summary"]


def test_prefer_rules_order_allowed_tools(aionis_client: AionisClient) -> None:
    high = _activate(
        aionis_client, Rule.prefer(["rg"], "ripgrep first for code search", priority=5)
    )
    low = _activate(aionis_client, Rule.prefer(["grep", "cat"], "then grep", priority=1))
    runs: Counter[str] = Counter()
    tools = make_tools(runs)
    model = ScriptedChatModel(script=[AIMessage("", tool_calls=[call("rg", "c1")])])
    graph = build_graph(create_tool_selector(aionis_client, tools), model, tools, None)
    out = graph.invoke({"messages": [HumanMessage("find TODOs")]}, CLEANUP)

    names = [t.name for t in tools]
    rest = [n for n in names if n not in {"rg", "grep", "cat"}]
    assert out["allowed_tools"] == ["rg", "grep", "cat", *rest]
    assert out["selected_tool"] == "rg"
    assert model.bound == [out["allowed_tools"]]  # offered in the preferred order
    explanation = out["tool_selection_explanation"]
    assert explanation["preferred"] == [
        {"name": "rg", "rule_node_id": high},
        {"name": "grep", "rule_node_id": low},
        {"name": "cat", "rule_node_id": low},
    ]
    assert [r["rule_node_id"] for r in explanation["matched_rules"]] == [high, low]
    assert explanation["summary"].startswith("selected 'rg'; 10 of 10 candidates allowed")
    assert out["decision_id"] == out["tool_decision"]["decision_id"]
    assert out["tool_decision"]["run_id"] == "t-cleanup"
    decision = aionis_client.tools.decision(decision_id=out["decision_id"]).decision
    assert decision.selected_tool == "rg"
    assert decision.run_id == "t-cleanup"


def test_strict_with_everything_denied_raises_a_clear_error(
    aionis_client: AionisClient,
) -> None:
    tools = make_tools(Counter())
    _activate(aionis_client, Rule.deny([t.name for t in tools], "read-only freeze"))
    graph = build_graph(
        create_tool_selector(aionis_client, tools), ScriptedChatModel(script=[]), tools, None
    )
    with pytest.raises(NoToolsAllowedError) as info:
        graph.invoke({"messages": [HumanMessage("anything")]}, CLEANUP)
    err = info.value
    assert err.candidates == [t.name for t in tools]
    assert err.details["deny"] == len(tools)
    assert "strict=False" in str(err)
    assert "on_no_tools='empty'" in str(err)
    assert err.__cause__ is not None
    assert getattr(err.__cause__, "code", "") == "no_tools_allowed"


def test_strict_empty_mode_continues_with_no_tools_and_blocks_every_call(
    aionis_client: AionisClient,
) -> None:
    runs: Counter[str] = Counter()
    tools = make_tools(runs)
    _activate(aionis_client, Rule.deny([t.name for t in tools], "read-only freeze"))
    model = ScriptedChatModel(script=[AIMessage("", tool_calls=[call("ls", "c1")])])
    graph = build_graph(
        create_tool_selector(aionis_client, tools, on_no_tools="empty"),
        model,
        tools,
        create_tool_feedback_node(aionis_client),
    )
    out = graph.invoke({"messages": [HumanMessage("list")]}, CLEANUP)
    assert out["allowed_tools"] == []
    assert out["selected_tool"] is None
    assert out["decision_id"] is None
    assert out["tool_selection_explanation"]["summary"].startswith("no tool allowed")
    assert model.bound == []  # never bound to any tool
    assert sum(runs.values()) == 0
    assert out["messages"][-1].status == "error"
    assert out.get("tool_feedback", []) == []  # nothing ran, nothing reported


def test_non_strict_falls_back_to_deny_only_when_the_allowlist_filters_all(
    aionis_client: AionisClient,
) -> None:
    tools = make_tools(Counter())
    _activate(aionis_client, Rule.allow(["kubectl"], "only kubectl (not installed here)"))
    _activate(aionis_client, Rule.deny(["rm"], "never delete"))
    graph = build_graph(
        create_tool_selector(aionis_client, tools, strict=False),
        ScriptedChatModel(script=[AIMessage("done")]),
        tools,
        None,
    )
    out = graph.invoke({"messages": [HumanMessage("deploy")]}, CLEANUP)
    assert out["allowed_tools"] == [t.name for t in tools if t.name != "rm"]
    fallback = out["tool_selection_explanation"]["fallback"]
    assert fallback["applied"] is True
    assert fallback["reason"] == "allowlist_filtered_all"
    assert "fallback: allowlist_filtered_all" in out["tool_selection_explanation"]["summary"]


def test_shadow_rules_are_reported_but_not_enforced(aionis_client: AionisClient) -> None:
    shadow = write_rule(aionis_client, Rule.deny(["http_get"], "maybe block network"))
    promote(aionis_client, shadow, to="shadow")
    runs: Counter[str] = Counter()
    tools = make_tools(runs)
    model = ScriptedChatModel(script=[AIMessage("", tool_calls=[call("http_get", "c1")])])
    graph = build_graph(
        create_tool_selector(aionis_client, tools, include_shadow=True), model, tools, None
    )
    out = graph.invoke({"messages": [HumanMessage("fetch the docs")]}, CLEANUP)
    assert "http_get" in out["allowed_tools"]
    assert runs["http_get"] == 1  # not enforced
    report = out["tool_selection_explanation"]["shadow"]
    assert report["enforced"] is False
    assert [d["name"] for d in report["denied"]] == ["http_get"]
    assert [r["rule_node_id"] for r in report["matched_rules"]] == [shadow]
    assert "shadow rules (not enforced)" in out["tool_selection_explanation"]["summary"]


def test_a_draft_rule_is_never_evaluated(aionis_client: AionisClient) -> None:
    write_rule(aionis_client, Rule.deny(["ls"], "draft only"))
    tools = make_tools(Counter())
    graph = build_graph(
        create_tool_selector(aionis_client, tools),
        ScriptedChatModel(script=[AIMessage("ok")]),
        tools,
        None,
    )
    out = graph.invoke({"messages": [HumanMessage("list")]}, CLEANUP)
    assert "ls" in out["allowed_tools"]
    assert out["tool_selection_explanation"]["matched_rules"] == []
