"""The feedback hook: outcomes reach tools/feedback once, and change later rankings."""

from __future__ import annotations

from collections import Counter

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from test_tool_selection_support import ScriptedChatModel, build_graph, call, make_tools

from aionis_langgraph.tool_selection import (
    Rule,
    create_tool_feedback_node,
    create_tool_selector,
    promote,
    write_rule,
)
from aionis_sdk import AionisClient

SEARCH = "search the repo for TODO markers"


def _context(state: dict[str, object]) -> dict[str, object]:
    return {"task": {"kind": "search", "text": SEARCH}, "repo": {"lang": "python"}}


def _competing_rules(client: AionisClient) -> tuple[str, str]:
    """Two active rules of equal priority preferring different tools for the same task.

    ``grep`` wins at first (its rule's condition is more specific). Its rule is also the more
    confident one (``weight`` 2 scales evidence), so a failure of grep costs it more than the
    same failure costs the rg rule: tools/feedback attributes the outcome to *every* active
    rule that touches ``tool.*`` for this context (spec §7.10), so with equal weights both
    rules would move by the same amount and the order could not flip.
    """
    grep_rule = write_rule(
        client,
        Rule.prefer(
            ["grep"],
            "grep for python repos",
            if_={"task.kind": "search", "repo.lang": "python"},
            weight=2.0,
        ),
    )
    rg_rule = write_rule(
        client, Rule.prefer(["rg"], "ripgrep for search", if_={"task.kind": "search"})
    )
    promote(client, grep_rule)
    promote(client, rg_rule)
    return grep_rule, rg_rule


def test_negative_feedback_through_the_hook_flips_the_ranking(
    aionis_client: AionisClient,
) -> None:
    grep_rule, rg_rule = _competing_rules(aionis_client)
    runs: Counter[str] = Counter()
    tools = make_tools(runs, failing=["grep"])
    model = ScriptedChatModel(
        script=[
            AIMessage("", tool_calls=[call("grep", "c1", "TODO")]),
            AIMessage("", tool_calls=[call("rg", "c2", "TODO")]),
        ]
    )
    selector = create_tool_selector(aionis_client, tools, context_fn=_context)
    graph = build_graph(selector, model, tools, create_tool_feedback_node(aionis_client))
    config = {"configurable": {"thread_id": "t-flip"}}

    first = graph.invoke({"messages": [HumanMessage(SEARCH)]}, config)
    assert first["allowed_tools"][:2] == ["grep", "rg"]
    assert runs["grep"] == 1
    error = next(m for m in first["messages"] if isinstance(m, ToolMessage))
    assert error.status == "error"
    assert "crashed" in str(error.content)
    [report] = first["tool_feedback"]
    assert report["outcome"] == "negative"
    assert report["tool"] == "grep"
    assert report["decision_id"] == first["decision_id"]
    assert report["decision_link_mode"] == "provided"
    assert sorted(report["rule_node_ids"]) == sorted([grep_rule, rg_rule])

    second = graph.invoke({"messages": [HumanMessage(SEARCH)]}, config)
    assert second["allowed_tools"][:2] == ["rg", "grep"]
    assert second["selected_tool"] == "rg"
    assert second["decision_id"] != first["decision_id"]
    assert [r["rule_node_id"] for r in second["tool_selection_explanation"]["matched_rules"]] == [
        rg_rule,
        grep_rule,
    ]

    run = aionis_client.tools.run(run_id="t-flip")
    assert run.lifecycle.status == "feedback_linked"
    assert run.feedback is not None
    assert run.feedback.by_outcome is not None
    # one record per attributed rule: grep failed (2 rules), then rg worked (2 rules)
    assert (run.feedback.by_outcome.negative, run.feedback.by_outcome.positive) == (2, 2)
    assert [r["outcome"] for r in second["tool_feedback"]] == ["positive"]


def test_positive_feedback_and_links_for_a_non_selected_tool(
    aionis_client: AionisClient,
) -> None:
    _competing_rules(aionis_client)
    tools = make_tools(Counter())
    # grep is selected; the model uses rg (allowed, second) and cat (allowed).
    model = ScriptedChatModel(
        script=[AIMessage("", tool_calls=[call("rg", "c1"), call("grep", "c2")])]
    )
    graph = build_graph(
        create_tool_selector(aionis_client, tools, context_fn=_context),
        model,
        tools,
        create_tool_feedback_node(aionis_client),
    )
    out = graph.invoke({"messages": [HumanMessage(SEARCH)]}, {"configurable": {"thread_id": "t2"}})
    by_tool = {r["tool"]: r for r in out["tool_feedback"]}
    assert by_tool["grep"]["decision_link_mode"] == "provided"
    assert by_tool["grep"]["decision_id"] == out["decision_id"]
    assert by_tool["rg"]["decision_link_mode"] in {"inferred", "created_from_feedback"}
    assert by_tool["rg"]["decision_id"] != out["decision_id"]
    assert {r["outcome"] for r in out["tool_feedback"]} == {"positive"}


def test_feedback_is_not_reported_twice(aionis_client: AionisClient) -> None:
    _competing_rules(aionis_client)
    tools = make_tools(Counter())
    model = ScriptedChatModel(script=[AIMessage("", tool_calls=[call("grep", "c1")])])
    graph = build_graph(
        create_tool_selector(aionis_client, tools, context_fn=_context), model, tools, None
    )
    state = graph.invoke(
        {"messages": [HumanMessage(SEARCH)]}, {"configurable": {"thread_id": "t3"}}
    )
    feedback = create_tool_feedback_node(aionis_client)

    first = feedback.invoke(state)
    assert len(first["tool_feedback"]) == 1
    # A retry of the node with the same input (its update was lost) sends nothing new ...
    retried = feedback.invoke(state)
    assert retried["tool_feedback"] == first["tool_feedback"]
    # ... and a state that already holds the report (a re-run from a checkpoint) neither.
    assert feedback.invoke({**state, "tool_feedback": first["tool_feedback"]}) == {}
    fresh_node = create_tool_feedback_node(aionis_client)
    assert fresh_node.invoke({**state, "tool_feedback": first["tool_feedback"]}) == {}

    run = aionis_client.tools.run(run_id="t3")
    assert run.feedback is not None
    assert run.feedback.total == 2
