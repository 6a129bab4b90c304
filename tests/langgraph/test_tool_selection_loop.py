"""The documented agent loop (select → agent → tools → feedback → select …) with a checkpointer."""

from __future__ import annotations

from collections import Counter
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from test_tool_selection_support import ScriptedChatModel, call, make_tools

from aionis_langgraph.tool_selection import (
    Rule,
    ToolSelectionState,
    create_agent_node,
    create_guarded_tool_node,
    create_tool_feedback_node,
    create_tool_selector,
    promote,
    write_rule,
)
from aionis_sdk import AionisClient


def _route(state: dict[str, Any]) -> str:
    last = state["messages"][-1]
    return "tools" if isinstance(last, AIMessage) and last.tool_calls else END


def test_documented_loop_with_a_checkpointer(aionis_client: AionisClient) -> None:
    promote(aionis_client, write_rule(aionis_client, Rule.deny(["rm"], "never delete")))
    runs: Counter[str] = Counter()
    tools = make_tools(runs)
    model = ScriptedChatModel(
        script=[
            AIMessage("", tool_calls=[call("rm", "c1"), call("ls", "c2")]),
            AIMessage("", tool_calls=[call("cat", "c3")]),
            AIMessage("all done"),
        ]
    )
    builder = StateGraph(ToolSelectionState)
    builder.add_node("select_tools", create_tool_selector(aionis_client, tools))
    builder.add_node("agent", create_agent_node(model, tools, system_prompt="be careful"))
    builder.add_node("tools", create_guarded_tool_node(tools))
    builder.add_node("tool_feedback", create_tool_feedback_node(aionis_client))
    builder.add_edge(START, "select_tools")
    builder.add_edge("select_tools", "agent")
    builder.add_conditional_edges("agent", _route, ["tools", END])
    builder.add_edge("tools", "tool_feedback")
    builder.add_edge("tool_feedback", "select_tools")
    graph = builder.compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "loop-1"}}

    out = graph.invoke({"messages": [HumanMessage("tidy the folder")]}, config)
    assert out["messages"][-1].content == "all done"
    assert (runs["rm"], runs["ls"], runs["cat"]) == (0, 1, 1)
    assert [(r["tool"], r["outcome"]) for r in out["tool_feedback"]] == [
        ("ls", "positive"),
        ("cat", "positive"),
    ]
    assert len({r["decision_id"] for r in out["tool_feedback"]}) == 2  # one select per turn
    assert len(model.bound) == 3
    assert all("rm" not in offered for offered in model.bound)

    run = aionis_client.tools.run(run_id="loop-1")
    # 3 selects, plus 1 decision the server created for the cat report (cat was allowed but
    # not the selected tool, so the report could not name the select's decision)
    assert [r["decision_link_mode"] for r in out["tool_feedback"]] == [
        "provided",
        "created_from_feedback",
    ]
    assert run.lifecycle.decision_count == 4
    assert run.feedback is not None
    assert run.feedback.total == 2  # two reports, one attributed rule each

    # Replaying the thread from the checkpoint before the first feedback re-runs the
    # feedback node with state that lacks the reports; the node's memory keeps it silent.
    history = list(graph.get_state_history(config))
    before = next(s for s in history if s.next == ("tool_feedback",))
    graph.invoke(None, before.config)
    run = aionis_client.tools.run(run_id="loop-1")
    assert run.feedback is not None
    assert run.feedback.total == 2
