"""Riding in real graphs, against the session's reference server.

With group commit, a put_writes (and, with LangGraph's default ``durability="async"``, a
checkpoint's put) may return before its commit is acknowledged while another put_writes call
waits for both (see ``checkpoint/_group.py``). These tests check what that must never
change: every checkpoint is stored when a run returns (even if the process then dies at
once), ``durability="sync"`` puts are stored before the next step runs, a failed task's
writes are stored before its error handler runs, an interrupt's writes are stored, and a
failed commit leaves no gap and does not block a resumed run.
"""

from __future__ import annotations

import asyncio
import operator
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.channels import DeltaChannel
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.config import get_config
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt
from typing_extensions import TypedDict

from aionis_langgraph._records import Identity
from aionis_langgraph.checkpoint import AionisSaver, _group
from aionis_langgraph.checkpoint import _codec as codec
from aionis_langgraph.verify import verify_thread
from aionis_sdk import AionisClient, AsyncAionisClient, BadRequestError

STEPS = 24


class State(TypedDict):
    i: int
    text: str


def chain_graph(steps: int = STEPS, node: Any = None) -> StateGraph[State]:
    """``step`` in a loop until ``i`` reaches ``steps``: one task per super-step."""

    def step(state: State) -> dict[str, Any]:
        if node is not None:
            node(state)
        return {"i": state["i"] + 1, "text": state["text"][-50:] + "x"}

    builder = StateGraph(State)
    builder.add_node("step", step)
    builder.add_edge(START, "step")
    builder.add_conditional_edges("step", lambda s: END if s["i"] >= steps else "step")
    return builder


def _cfg(thread_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id}}


class Rides:
    """Counts puts that rode (and that waited), and put_writes that rode, while installed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rode = 0
        self.waited = 0
        self.writes_rode = 0
        self._lock = threading.Lock()
        original = _group._Queue.host_for

        def counting(queue: Any, ticket: Any) -> Any:
            host = original(queue, ticket)
            with self._lock:
                if not ticket.urgent:
                    self.writes_rode += host is not None
                elif host is None:
                    self.waited += 1
                else:
                    self.rode += 1
            return host

        monkeypatch.setattr(_group._Queue, "host_for", counting)


@pytest.fixture
def rides(monkeypatch: pytest.MonkeyPatch) -> Rides:
    return Rides(monkeypatch)


@pytest.fixture
def fresh(aionis_server_url: str, aionis_scope: str) -> Iterator[AionisSaver]:
    """A second saver on its own client, no group commit: sees only what the server stored."""
    with AionisClient(base_url=aionis_server_url, scope=aionis_scope) as client:
        yield AionisSaver(client, linger=0)


def _stored_chain(saver: AionisSaver, thread_id: str) -> list[Any]:
    """Every stored checkpoint of the thread, after checking each one's parent is stored."""
    tuples = list(saver.list(_cfg(thread_id)))
    stored = {t.config["configurable"]["checkpoint_id"] for t in tuples}
    for t in tuples:
        if t.parent_config is not None:
            assert t.parent_config["configurable"]["checkpoint_id"] in stored, "gap in chain"
    return tuples


def test_async_run_rides_and_everything_is_stored_on_return(
    aionis_client: AionisClient, fresh: AionisSaver, rides: Rides
) -> None:
    saver = AionisSaver(aionis_client)
    graph = chain_graph().compile(checkpointer=saver)
    for n in range(3):
        out = graph.invoke({"i": 0, "text": ""}, _cfg(f"ride-{n}"))
        assert out["i"] == STEPS
        chain = _stored_chain(fresh, f"ride-{n}")
        assert len(chain) == STEPS + 2  # input, then one per super-step
        assert chain[0].checkpoint["channel_values"]["i"] == STEPS
        assert verify_thread(aionis_client, f"ride-{n}").ok
    assert rides.rode > 0  # the behaviour under test happened at all
    assert rides.writes_rode > 0


def test_sync_durability_never_rides_and_each_step_sees_its_checkpoint_stored(
    aionis_client: AionisClient, fresh: AionisSaver, rides: Rides
) -> None:
    missing: list[str] = []

    def check(state: State) -> None:
        conf = get_config()["configurable"]
        started_from = conf["checkpoint_map"][""]
        stored = fresh.get_tuple(
            {"configurable": {"thread_id": conf["thread_id"], "checkpoint_id": started_from}}
        )
        if stored is None:
            missing.append(started_from)

    saver = AionisSaver(aionis_client)
    graph = chain_graph(12, node=check).compile(checkpointer=saver)
    out = graph.invoke({"i": 0, "text": ""}, _cfg("sync"), durability="sync")
    assert out["i"] == 12
    assert missing == []
    assert rides.rode == 0
    assert rides.waited >= 12


async def test_async_graph_rides_and_everything_is_stored_on_return(
    aionis_async_client: AsyncAionisClient, fresh: AionisSaver, rides: Rides
) -> None:
    saver = AionisSaver(async_client=aionis_async_client)
    graph = chain_graph().compile(checkpointer=saver)
    out = await graph.ainvoke({"i": 0, "text": ""}, _cfg("aride"))
    assert out["i"] == STEPS
    chain = await asyncio.to_thread(_stored_chain, fresh, "aride")
    assert len(chain) == STEPS + 2
    assert chain[0].checkpoint["channel_values"]["i"] == STEPS


async def test_async_graph_on_a_sync_only_saver_stores_everything_on_return(
    aionis_client: AionisClient, fresh: AionisSaver
) -> None:
    """``ainvoke`` with a saver that has only a sync client: its a-methods run the sync group
    commit in worker threads, riding included."""
    saver = AionisSaver(aionis_client)
    out = await chain_graph().compile(checkpointer=saver).ainvoke({"i": 0, "text": ""}, _cfg("s"))
    assert out["i"] == STEPS
    chain = await asyncio.to_thread(_stored_chain, fresh, "s")
    assert len(chain) == STEPS + 2
    assert chain[0].checkpoint["channel_values"]["i"] == STEPS


def test_a_process_that_dies_right_after_the_run_lost_nothing(
    aionis_server_url: str, aionis_scope: str, fresh: AionisSaver
) -> None:
    """The run returns, then the process ends without closing anything (``os._exit``)."""
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        from test_checkpoint_riding_graphs import chain_graph
        from aionis_langgraph.checkpoint import AionisSaver
        from aionis_sdk import AionisClient
        client = AionisClient(base_url={aionis_server_url!r}, scope={aionis_scope!r})
        graph = chain_graph().compile(checkpointer=AionisSaver(client))
        for n in range(3):
            graph.invoke({{"i": 0, "text": ""}}, {{"configurable": {{"thread_id": f"die-{{n}}"}}}})
        os._exit(0)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    for n in range(3):
        chain = _stored_chain(fresh, f"die-{n}")
        assert len(chain) == STEPS + 2
        assert chain[0].checkpoint["channel_values"]["i"] == STEPS


def test_an_interrupt_is_stored_when_the_run_returns(
    aionis_client: AionisClient, fresh: AionisSaver
) -> None:
    def ask(state: State) -> None:
        if state["i"] == 5:
            answer = interrupt("continue?")
            assert answer == "yes"

    saver = AionisSaver(aionis_client)
    graph = chain_graph(8, node=ask).compile(checkpointer=saver)
    graph.invoke({"i": 0, "text": ""}, _cfg("ask"))
    # A saver that shares nothing with the run's sees the interrupt and can resume it.
    graph_elsewhere = chain_graph(8, node=ask).compile(checkpointer=fresh)
    state = graph_elsewhere.get_state(_cfg("ask"))
    assert state.next == ("step",)
    assert state.values["i"] == 5
    assert [i.value for i in state.interrupts] == ["continue?"]
    out = graph_elsewhere.invoke(Command(resume="yes"), _cfg("ask"))
    assert out["i"] == 8


def test_a_failed_commit_fails_the_run_leaves_no_gap_and_the_thread_resumes(
    aionis_client: AionisClient, fresh: AionisSaver
) -> None:
    saver = AionisSaver(aionis_client)
    identity = saver.identity

    def breaks(state: State) -> None:
        if state["i"] == 10:  # from here on the server refuses the saver's writes (400)
            saver.identity = Identity(agent_id="x" * 2000)

    graph = chain_graph(node=breaks).compile(checkpointer=saver)
    with pytest.raises(BadRequestError):
        graph.invoke({"i": 0, "text": ""}, _cfg("breaks"))
    chain = _stored_chain(fresh, "breaks")  # asserts every stored parent is stored
    assert 1 <= len(chain) < STEPS + 2
    assert verify_thread(aionis_client, "breaks").ok
    # The same saver resumes the thread from its last stored checkpoint, although that
    # checkpoint's writes (or children) failed in the first run.
    saver.identity = identity
    resumed = chain_graph().compile(checkpointer=saver)
    assert resumed.invoke(None, _cfg("breaks"))["i"] == STEPS
    chain = _stored_chain(fresh, "breaks")
    assert chain[0].checkpoint["channel_values"]["i"] == STEPS
    assert verify_thread(aionis_client, "breaks").ok


def test_an_error_handler_runs_after_the_failed_tasks_writes_are_stored(
    aionis_client: AionisClient, fresh: AionisSaver
) -> None:
    """LangGraph waits for a failed task's writes before it runs the node's error handler;
    those writes never ride, so the handler finds them on the server."""
    found: list[list[str]] = []

    def risky(state: State) -> dict[str, Any]:
        if state["i"] == 5:
            raise ValueError("boom")
        return {"i": state["i"] + 1}

    def handler(state: State) -> dict[str, Any]:
        thread_id = get_config()["configurable"]["thread_id"]
        records = fresh._run(fresh._core.records(codec.pattern(kind="writes", thread=thread_id)))
        found.append([w[1] for r in records for w in r["writes"] if w[1] == "__error__"])
        return {"i": STEPS}

    builder = StateGraph(State)
    builder.add_node("step", lambda s: {"i": s["i"] + 1, "text": s["text"][-50:] + "x"})
    builder.add_node("risky", risky, error_handler=handler)
    builder.add_edge(START, "step")
    builder.add_edge("step", "risky")
    builder.add_conditional_edges("risky", lambda s: END if s["i"] >= STEPS else "step")
    graph = builder.compile(checkpointer=AionisSaver(aionis_client))
    for n in range(4):
        assert graph.invoke({"i": 0, "text": ""}, _cfg(f"handled-{n}"))["i"] == STEPS
    assert found == [["__error__"]] * 4


class Fan(TypedDict):
    i: int
    log: Annotated[list[str], operator.add]


def fan_graph(rounds: int) -> StateGraph[Fan]:
    """Each round: three parallel tasks, then a subgraph step; ``rounds`` times."""
    inner = StateGraph(Fan)
    inner.add_node("inner", lambda s: {"log": ["in"]})
    inner.add_edge(START, "inner")
    inner.add_edge("inner", END)
    builder = StateGraph(Fan)
    builder.add_node("start", lambda s: {"i": s["i"] + 1})
    for name in ("a", "b", "c"):
        builder.add_node(name, lambda s, n=name: {"log": [n]})
        builder.add_edge("start", name)
    builder.add_node("sub", inner.compile())
    builder.add_edge(["a", "b", "c"], "sub")
    builder.add_edge(START, "start")
    builder.add_conditional_edges("sub", lambda s: END if s["i"] >= rounds else "start")
    return builder


def _history(saver: Any, thread_id: str) -> list[tuple[Any, ...]]:
    """What a run left, comparable across savers: per checkpoint of the thread (subgraph
    namespaces included) its step, source, values and pending writes, in a fixed order."""
    out = []
    for t in saver.list(_cfg(thread_id)):
        meta = t.metadata or {}
        values = t.checkpoint["channel_values"]
        out.append(
            (
                meta.get("step"),
                meta.get("source"),
                sorted(values.get("log", [])),
                values.get("i"),
                sorted((w[1], str(w[2])) for w in t.pending_writes or []),
            )
        )
    return sorted(out, key=repr)


@pytest.mark.parametrize("durability", ["async", "sync", "exit"])
def test_fan_out_and_subgraphs_store_the_same_history_as_in_memory(
    aionis_client: AionisClient, fresh: AionisSaver, durability: Any
) -> None:
    thread = f"fan-{durability}"
    reference = InMemorySaver()
    start = {"i": 0, "log": []}
    expected = (
        fan_graph(6)
        .compile(checkpointer=reference)
        .invoke(start, _cfg(thread), durability=durability)
    )
    saver = AionisSaver(aionis_client)
    out = (
        fan_graph(6).compile(checkpointer=saver).invoke(start, _cfg(thread), durability=durability)
    )
    assert out["i"] == 6
    assert sorted(out["log"]) == sorted(expected["log"])
    assert _history(fresh, thread) == _history(reference, thread)  # read by a saver of its own
    assert verify_thread(aionis_client, thread).ok


def _concat(state: list[str] | None, writes: Any) -> list[str]:
    return [*(state or []), *(item for write in writes for item in write)]


class Delta(TypedDict):
    i: int
    log: Annotated[list[str], DeltaChannel(_concat, snapshot_frequency=7)]


def delta_graph(rounds: int) -> StateGraph[Delta]:
    """A delta channel (LangGraph stores only its writes between snapshots, and waits for
    those writes before each checkpoint's put): two tasks a round."""
    builder = StateGraph(Delta)
    builder.add_node("a", lambda s: {"i": s["i"] + 1, "log": [f"a{s['i']}"]})
    builder.add_node("b", lambda s: {"log": [f"b{s['i']}"]})
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    builder.add_conditional_edges("b", lambda s: END if s["i"] >= rounds else "a")
    return builder


def test_delta_channels_rebuild_the_same_state_and_history_as_in_memory(
    aionis_client: AionisClient, fresh: AionisSaver
) -> None:
    def runs(saver: Any) -> tuple[Any, ...]:
        graph = delta_graph(15).compile(checkpointer=saver)
        first = graph.invoke({"i": 0, "log": ["start"]}, _cfg("delta"))
        second = graph.invoke({"i": 0, "log": ["again"]}, _cfg("delta"))  # resumes the thread
        history = [
            (s.values.get("i"), s.values.get("log")) for s in graph.get_state_history(_cfg("delta"))
        ]
        return first, second, history

    expected = runs(InMemorySaver())
    assert runs(AionisSaver(aionis_client)) == expected
    assert len(expected[1]["log"]) == 62
    # A saver of its own rebuilds the channel from what the server stored.
    elsewhere = delta_graph(15).compile(checkpointer=fresh)
    assert elsewhere.get_state(_cfg("delta")).values == expected[1]
    assert verify_thread(aionis_client, "delta").ok
