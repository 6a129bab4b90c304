"""AionisSaver's group commit, against the session's reference server.

``/write`` round trips are counted with the SDK's ``on_request`` hook. A long ``linger``
makes the coalescing deterministic where a test needs it; the default (2 ms) is what the
benchmark measures.
"""

from __future__ import annotations

import asyncio
import operator
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from aionis_langgraph._records import Identity
from aionis_langgraph.checkpoint import AionisSaver
from aionis_langgraph.verify import verify_thread
from aionis_sdk import AionisClient, AsyncAionisClient, BadRequestError, Hooks, RequestInfo


class Counter:
    """Counts ``/write`` requests seen by a client's ``on_request`` hook."""

    def __init__(self) -> None:
        self.writes = 0
        self._lock = threading.Lock()

    def __call__(self, info: RequestInfo) -> None:
        if info.operation == "memory.write":
            with self._lock:
                self.writes += 1


class CallCounting(AionisSaver):
    """Counts put / put_writes calls (sync and async)."""

    calls = 0

    def put(self, *args: Any, **kwargs: Any) -> RunnableConfig:
        type(self).calls += 1
        return super().put(*args, **kwargs)

    def put_writes(self, *args: Any, **kwargs: Any) -> None:
        type(self).calls += 1
        super().put_writes(*args, **kwargs)

    async def aput(self, *args: Any, **kwargs: Any) -> RunnableConfig:
        type(self).calls += 1
        return await super().aput(*args, **kwargs)

    async def aput_writes(self, *args: Any, **kwargs: Any) -> None:
        type(self).calls += 1
        await super().aput_writes(*args, **kwargs)


@pytest.fixture
def counted(aionis_server_url: str, aionis_scope: str) -> Iterator[tuple[AionisClient, Counter]]:
    counter = Counter()
    with AionisClient(
        base_url=aionis_server_url, scope=aionis_scope, hooks=Hooks(on_request=counter)
    ) as client:
        yield client, counter


class Loop(TypedDict):
    i: int
    log: Annotated[list[str], operator.add]


def _loop_graph(rounds: int) -> StateGraph[Loop]:
    builder = StateGraph(Loop)
    builder.add_node("plan", lambda s: {"i": s["i"] + 1, "log": ["p"]})
    builder.add_node("act", lambda s: {"log": ["a"]})
    builder.add_edge(START, "plan")
    builder.add_edge("plan", "act")
    builder.add_conditional_edges("act", lambda s: END if s["i"] >= rounds else "plan")
    return builder


def _fan_graph() -> StateGraph[Loop]:
    """Three tasks in one super-step: three put_writes, then one put."""
    builder = StateGraph(Loop)
    builder.add_node("start", lambda s: {"log": ["s"]})
    for name in ("x", "y", "z"):
        builder.add_node(name, lambda s, n=name: {"log": [n]})
        builder.add_edge("start", name)
    builder.add_node("join", lambda s: {"i": 1})
    builder.add_edge(START, "start")
    builder.add_edge(["x", "y", "z"], "join")
    builder.add_edge("join", END)
    return builder


def _cfg(thread_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id}}


# --- coalescing -------------------------------------------------------------------------


@pytest.mark.parametrize("linger", [0.0, 0.05])
def test_writes_per_super_step(counted: tuple[AionisClient, Counter], linger: float) -> None:
    client, counter = counted
    CallCounting.calls = 0
    saver = CallCounting(client, linger=linger)
    graph = _loop_graph(rounds=10).compile(checkpointer=saver)
    graph.invoke({"i": 0, "log": []}, _cfg("loop"))
    steps = len(list(saver.list(_cfg("loop")))) - 1  # checkpoints after the input one
    assert steps == 21  # the input's step 0, then one per node run
    calls, writes = CallCounting.calls, counter.writes
    assert calls >= 2 * steps  # a put and a put_writes per super-step
    if linger:
        # One commit per checkpoint: each task's writes ride with the next put.
        assert writes <= steps + 2, (writes, calls)
    else:
        assert writes == calls, (writes, calls)
    assert verify_thread(client, "loop").ok


def test_parallel_tasks_share_a_commit(counted: tuple[AionisClient, Counter]) -> None:
    client, counter = counted
    saver = AionisSaver(client, linger=0.05)
    graph = _fan_graph().compile(checkpointer=saver)
    out = graph.invoke({"i": 0, "log": []}, _cfg("fan"))
    assert sorted(out["log"]) == ["s", "x", "y", "z"]
    checkpoints = list(saver.list(_cfg("fan")))
    assert len(checkpoints) == 5  # input, step 0, after start, after x|y|z, after join
    # Five puts and six put_writes (input, start, x, y, z, join): every put carries the
    # writes that were pending with it, the three parallel tasks' in one commit.
    assert counter.writes <= len(checkpoints), counter.writes
    report = verify_thread(client, "fan")
    assert report.ok, str(report)
    assert report.commits < report.checked


async def test_async_graph_coalesces(aionis_server_url: str, aionis_scope: str) -> None:
    counter = Counter()
    async with AsyncAionisClient(
        base_url=aionis_server_url, scope=aionis_scope, hooks=Hooks(on_request=counter)
    ) as client:
        saver = AionisSaver(async_client=client, linger=0.05)
        graph = _loop_graph(rounds=5).compile(checkpointer=saver)
        out = await graph.ainvoke({"i": 0, "log": []}, _cfg("aloop"))
        assert out["log"] == ["p", "a"] * 5
        steps = len([c async for c in saver.alist(_cfg("aloop"))]) - 1
        assert steps == 11
        assert counter.writes <= steps + 2, counter.writes
        state = await graph.aget_state(_cfg("aloop"))
        assert state.values["i"] == 5


# --- errors ---------------------------------------------------------------------------


def _ckpt_config(thread_id: str, checkpoint_id: str) -> RunnableConfig:
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": "",
            "checkpoint_id": checkpoint_id,
        }
    }


def _break_identity(saver: AionisSaver) -> None:
    """From now on the server refuses the saver's writes (400: an agent id over 1,024
    characters); the thread's generation and head are already cached, so no read fails."""
    saver.identity = Identity(agent_id="x" * 2000)


def test_failed_commit_raises_in_every_caller(counted: tuple[AionisClient, Counter]) -> None:
    client, counter = counted
    saver = AionisSaver(client, linger=5.0)
    config = saver.put(_cfg("fails"), empty_checkpoint(), {"source": "input"}, {})
    _break_identity(saver)
    before = counter.writes
    errors: dict[str, BaseException] = {}

    def writes() -> None:
        try:
            saver.put_writes(config, [("log", ["w"])], "task-1")
        except BaseException as exc:
            errors["put_writes"] = exc

    started = time.monotonic()
    worker = threading.Thread(target=writes)
    worker.start()
    time.sleep(0.2)  # the put_writes is queued, lingering for company
    assert worker.is_alive()
    with pytest.raises(BadRequestError) as put_error:
        saver.put(config, empty_checkpoint(), {"source": "loop", "step": 1}, {})
    worker.join(timeout=3)
    assert not worker.is_alive()
    assert time.monotonic() - started < 4  # the put did not wait out the linger
    assert errors["put_writes"] is put_error.value  # the very same failed commit
    assert put_error.value.status_code == 400
    assert counter.writes - before == 1  # both records were in it


async def test_failed_commit_raises_in_every_caller_async(
    aionis_server_url: str, aionis_scope: str
) -> None:
    counter = Counter()
    async with AsyncAionisClient(
        base_url=aionis_server_url, scope=aionis_scope, hooks=Hooks(on_request=counter)
    ) as client:
        saver = AionisSaver(async_client=client, linger=5.0)
        config = await saver.aput(_cfg("afails"), empty_checkpoint(), {"source": "input"}, {})
        _break_identity(saver)
        before = counter.writes
        pending = asyncio.ensure_future(saver.aput_writes(config, [("log", ["w"])], "t"))
        await asyncio.sleep(0.2)
        assert not pending.done()
        with pytest.raises(BadRequestError) as put_error:
            await saver.aput(config, empty_checkpoint(), {"source": "loop", "step": 1}, {})
        with pytest.raises(BadRequestError) as writes_error:
            await asyncio.wait_for(pending, 3)
        assert writes_error.value is put_error.value
        assert counter.writes - before == 1


# --- reads see pending writes -------------------------------------------------------------


def test_read_flushes_pending_writes(aionis_client: AionisClient) -> None:
    saver = AionisSaver(aionis_client, linger=30.0)
    first = empty_checkpoint()
    config = saver.put(_cfg("ryw"), first, {"source": "input", "step": -1}, {})
    done = threading.Event()

    def writes() -> None:
        saver.put_writes(config, [("log", ["pending"])], "task-1")
        done.set()

    worker = threading.Thread(target=writes)
    worker.start()
    time.sleep(0.2)
    assert not done.is_set()  # still lingering: nothing else to share a commit with
    got = saver.get_tuple(_cfg("ryw"))
    assert got is not None
    assert got.pending_writes == [("task-1", "log", ["pending"])]
    assert done.wait(3)  # the read's flush acknowledged it
    worker.join()
    # A fresh saver (no shared state) sees it too: it is durable on the server.
    fresh = AionisSaver(aionis_client, linger=0)
    again = fresh.get_tuple(_cfg("ryw"))
    assert again is not None
    assert again.pending_writes == got.pending_writes


async def test_read_flushes_pending_writes_async(aionis_async_client: AsyncAionisClient) -> None:
    saver = AionisSaver(async_client=aionis_async_client, linger=30.0)
    config = await saver.aput(_cfg("aryw"), empty_checkpoint(), {"source": "input"}, {})
    pending = asyncio.ensure_future(saver.aput_writes(config, [("log", ["x"])], "t1"))
    await asyncio.sleep(0.2)
    assert not pending.done()
    listed = [t async for t in saver.alist(_cfg("aryw"))]
    assert listed[0].pending_writes == [("t1", "log", ["x"])]
    await asyncio.wait_for(pending, 3)


def test_delete_thread_flushes_first(aionis_client: AionisClient) -> None:
    saver = AionisSaver(aionis_client, linger=30.0)
    config = saver.put(_cfg("del"), empty_checkpoint(), {"source": "input"}, {})
    worker = threading.Thread(target=saver.put_writes, args=(config, [("log", [1])], "t"))
    worker.start()
    time.sleep(0.2)
    saver.delete_thread("del")
    worker.join(timeout=3)
    assert not worker.is_alive()
    assert saver.get_tuple(_cfg("del")) is None
    # The deleted generation's history, pending write included, still verifies.
    report = verify_thread(aionis_client, "del")
    assert report.ok, str(report)
    assert report.checked == 3


# --- verification of coalesced commits -------------------------------------------------------


def test_edit_inside_a_coalesced_commit_is_detected(
    tmp_path: Path, aionis_server_process: Any
) -> None:
    db = tmp_path / "coalesced.db"
    with aionis_server_process(str(db)) as url, AionisSaver.from_url(url, linger=0.05) as saver:
        graph = _loop_graph(rounds=3).compile(checkpointer=saver)
        graph.invoke({"i": 0, "log": []}, _cfg("audited"))
    conn = sqlite3.connect(db)
    with conn:
        commit_id, node_id, slots = conn.execute(
            "SELECT commit_id, id, slots_json FROM nodes WHERE commit_id IN "
            "(SELECT commit_id FROM nodes WHERE client_id LIKE 'lg:%' "
            " GROUP BY commit_id HAVING COUNT(*) > 1) ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        pos = slots.index('"b":"') + 5
        edited = slots[:pos] + ("A" if slots[pos] != "A" else "B") + slots[pos + 1 :]
        conn.execute("UPDATE nodes SET slots_json = ? WHERE id = ?", (edited, node_id))
    conn.close()
    with aionis_server_process(str(db)) as url, AionisClient(base_url=url) as client:
        report = verify_thread(client, "audited")
    assert not report.ok
    assert report.first_broken is not None
    assert report.first_broken.check == "input_sha256"
    assert report.first_broken.commit_id == commit_id


@pytest.mark.parametrize("bad", [-0.001, float("nan"), float("inf"), 61.0])
def test_linger_out_of_range_is_refused(aionis_client: AionisClient, bad: float) -> None:
    with pytest.raises(ValueError, match="linger"):
        AionisSaver(aionis_client, linger=bad)


@pytest.mark.parametrize("bad", ["0.002", None, True])
def test_linger_of_the_wrong_type_is_refused(aionis_client: AionisClient, bad: object) -> None:
    with pytest.raises(TypeError, match="linger"):
        AionisSaver(aionis_client, linger=bad)  # type: ignore[arg-type]
