"""Real LangGraph graphs on AionisSaver: human in the loop, time travel, subgraphs, and a
thread resumed by another process, all against the session's reference server."""

from __future__ import annotations

import operator
import subprocess
import sys
import textwrap
from typing import Annotated

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt
from typing_extensions import TypedDict

from aionis_langgraph.checkpoint import AionisSaver
from aionis_langgraph.verify import averify_thread, verify_thread
from aionis_sdk import AionisClient, AsyncAionisClient


class State(TypedDict):
    log: Annotated[list[str], operator.add]
    answer: str


def _approval_graph() -> StateGraph[State]:
    def draft(state: State) -> dict[str, object]:
        return {"log": ["draft"]}

    def review(state: State) -> dict[str, object]:
        answer = interrupt({"question": "ship it?", "seen": list(state["log"])})
        return {"log": [f"review:{answer}"], "answer": str(answer)}

    def publish(state: State) -> dict[str, object]:
        return {"log": ["publish"]}

    builder = StateGraph(State)
    builder.add_node("draft", draft)
    builder.add_node("review", review)
    builder.add_node("publish", publish)
    builder.add_edge(START, "draft")
    builder.add_edge("draft", "review")
    builder.add_edge("review", "publish")
    builder.add_edge("publish", END)
    return builder


def test_interrupt_and_resume(aionis_client: AionisClient) -> None:
    graph = _approval_graph().compile(checkpointer=AionisSaver(aionis_client))
    config = {"configurable": {"thread_id": "hitl"}}
    first = graph.invoke({"log": [], "answer": ""}, config)
    assert first["__interrupt__"][0].value == {"question": "ship it?", "seen": ["draft"]}
    assert graph.get_state(config).next == ("review",)

    # A fresh saver (no caches) sees the same pending interrupt.
    graph2 = _approval_graph().compile(checkpointer=AionisSaver(aionis_client))
    final = graph2.invoke(Command(resume="yes"), config)
    assert final["log"] == ["draft", "review:yes", "publish"]
    assert graph2.get_state(config).next == ()
    assert verify_thread(aionis_client, "hitl").ok


async def test_interrupt_and_resume_async(aionis_async_client: AsyncAionisClient) -> None:
    graph = _approval_graph().compile(checkpointer=AionisSaver(async_client=aionis_async_client))
    config = {"configurable": {"thread_id": "hitl-async"}}
    await graph.ainvoke({"log": [], "answer": ""}, config)
    final = await graph.ainvoke(Command(resume="no"), config)
    assert final["log"] == ["draft", "review:no", "publish"]
    report = await averify_thread(aionis_async_client, "hitl-async")
    assert report.ok, str(report)
    assert report.checked >= 6


def _counter_graph() -> StateGraph[State]:
    def step(name: str):  # type: ignore[no-untyped-def]
        def node(state: State) -> dict[str, object]:
            return {"log": [name]}

        return node

    builder = StateGraph(State)
    for name in ("a", "b", "c"):
        builder.add_node(name, step(name))
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    builder.add_edge("b", "c")
    builder.add_edge("c", END)
    return builder


def test_time_travel_replay_and_fork(aionis_client: AionisClient) -> None:
    graph = _counter_graph().compile(checkpointer=AionisSaver(aionis_client))
    config = {"configurable": {"thread_id": "travel"}}
    assert graph.invoke({"log": [], "answer": ""}, config)["log"] == ["a", "b", "c"]

    history = list(graph.get_state_history(config))
    assert [s.next for s in history] == [(), ("c",), ("b",), ("a",), ("__start__",)]
    after_a = next(s for s in history if s.next == ("b",))
    assert after_a.values["log"] == ["a"]

    # Replay from the checkpoint after "a": b and c run again on top of ["a"].
    replayed = graph.invoke(None, after_a.config)
    assert replayed["log"] == ["a", "b", "c"]

    # Fork: rewrite the state at that checkpoint, then continue from the fork.
    fork_config = graph.update_state(after_a.config, {"log": ["edited"]})
    forked = graph.invoke(None, fork_config)
    assert forked["log"] == ["a", "edited", "b", "c"]
    assert graph.get_state(config).values["log"] == ["a", "edited", "b", "c"]
    fork_state = graph.get_state(fork_config)
    assert fork_state.metadata is not None
    assert fork_state.metadata["source"] == "update"
    assert verify_thread(aionis_client, "travel").ok


class Outer(TypedDict):
    log: Annotated[list[str], operator.add]


def _nested_graph() -> StateGraph[Outer]:
    def inner_ask(state: Outer) -> dict[str, object]:
        value = interrupt("inner?")
        return {"log": [f"inner:{value}"]}

    inner = StateGraph(Outer)
    inner.add_node("ask", inner_ask)
    inner.add_edge(START, "ask")

    outer = StateGraph(Outer)
    outer.add_node("before", lambda s: {"log": ["before"]})
    outer.add_node("sub", inner.compile())
    outer.add_node("after", lambda s: {"log": ["after"]})
    outer.add_edge(START, "before")
    outer.add_edge("before", "sub")
    outer.add_edge("sub", "after")
    return outer


def test_subgraph_namespaces(aionis_client: AionisClient) -> None:
    saver = AionisSaver(aionis_client)
    graph = _nested_graph().compile(checkpointer=saver)
    config = {"configurable": {"thread_id": "nested"}}
    graph.invoke({"log": []}, config)

    state = graph.get_state(config, subgraphs=True)
    assert state.next == ("sub",)
    sub_state = state.tasks[0].state
    assert sub_state is not None
    assert sub_state.next == ("ask",)
    namespaces = {t.config["configurable"]["checkpoint_ns"] for t in saver.list(config)}
    assert "" in namespaces
    assert any(ns.startswith("sub:") for ns in namespaces)

    final = graph.invoke(Command(resume="ok"), config)
    # Same result as LangGraph's own in-memory saver (the subgraph shares the log key).
    reference = _nested_graph().compile(checkpointer=InMemorySaver())
    reference.invoke({"log": []}, config)
    assert final == reference.invoke(Command(resume="ok"), config)
    assert final["log"][-2:] == ["inner:ok", "after"]
    sub_ns = next(ns for ns in namespaces if ns.startswith("sub:"))
    assert verify_thread(aionis_client, "nested", sub_ns).ok
    assert verify_thread(aionis_client, "nested").ok


_CHILD = textwrap.dedent(
    """
    import sys
    from aionis_langgraph.checkpoint import AionisSaver
    from langgraph.types import Command
    sys.path.insert(0, sys.argv[3])
    from test_checkpoint_graphs import _approval_graph

    with AionisSaver.from_url(sys.argv[1], scope=sys.argv[2]) as saver:
        graph = _approval_graph().compile(checkpointer=saver)
        out = graph.invoke(Command(resume="from-child"), {"configurable": {"thread_id": "proc"}})
        print("|".join(out["log"]))
    """
)


def test_thread_resumed_in_new_process(
    aionis_client: AionisClient, aionis_server_url: str, aionis_scope: str
) -> None:
    graph = _approval_graph().compile(checkpointer=AionisSaver(aionis_client))
    config = {"configurable": {"thread_id": "proc"}}
    graph.invoke({"log": [], "answer": ""}, config)
    here = __file__.rsplit("/", 1)[0]
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, aionis_server_url, aionis_scope, here],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "draft|review:from-child|publish"
    # Back in this process, the thread shows the child's progress.
    assert graph.get_state(config).values["answer"] == "from-child"
    assert verify_thread(aionis_client, "proc").ok


def test_delete_thread_hides_history_but_stays_verifiable(aionis_client: AionisClient) -> None:
    saver = AionisSaver(aionis_client)
    graph = _counter_graph().compile(checkpointer=saver)
    config = {"configurable": {"thread_id": "gone"}}
    graph.invoke({"log": [], "answer": ""}, config)
    saver.delete_thread("gone")
    assert AionisSaver(aionis_client).get_tuple(config) is None
    assert list(saver.list(config)) == []
    # The thread id can be reused; the old generation stays hidden.
    assert graph.invoke({"log": [], "answer": ""}, config)["log"] == ["a", "b", "c"]
    assert len(list(saver.list(config))) == 5
    report = verify_thread(aionis_client, "gone")
    assert report.ok, str(report)
    assert report.checked > 10  # both generations and the tombstone
