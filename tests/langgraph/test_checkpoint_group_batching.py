"""The group-commit queue on its own: batch budget, duplicate records, linger, flush.

The write function here records what it is handed and blocks until the test releases it,
so the batches are deterministic; the saver's tests run the same code against a server.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from aionis_langgraph.checkpoint._group import AsyncGroupCommit, GroupCommit, Items


class Recorder:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def __call__(self, key: str, items: Items) -> str:
        self.entered.set()
        assert self.gate.wait(5)
        self.batches.append([cid for cid, _ in items])
        return f"commit-{len(self.batches)}"


def _item(cid: str) -> Items:
    return [(cid, {"cid": cid})]


def _submit_in_thread(
    group: GroupCommit, cid: str, results: dict[str, Any], *, urgent: bool = False, weight: int = 1
) -> threading.Thread:
    def body() -> None:
        try:
            results[cid] = group.submit("t", _item(cid), weight, urgent=urgent)
        except Exception as exc:
            results[cid] = exc

    thread = threading.Thread(target=body)
    thread.start()
    return thread


def test_queued_behind_a_commit_share_the_next_one_within_budget() -> None:
    write = Recorder()
    group = GroupCommit(write, linger=5.0, max_nodes=3, max_bytes=100)
    results: dict[str, Any] = {}
    write.gate.clear()
    first = _submit_in_thread(group, "a", results, urgent=True)
    assert write.entered.wait(5)  # "a" is in flight, the gate holds it
    others = [_submit_in_thread(group, c, results) for c in "bcdef"]
    time.sleep(0.2)
    last = _submit_in_thread(group, "g", results, urgent=True)
    time.sleep(0.1)
    write.gate.set()
    for thread in [first, *others, last]:
        thread.join(5)
    # Three nodes per commit at most, in queue order; nobody waited out the 5 s linger.
    assert write.batches == [["a"], ["b", "c", "d"], ["e", "f", "g"]]
    assert results == {
        "a": "commit-1",
        **dict.fromkeys("bcd", "commit-2"),
        **dict.fromkeys("efg", "commit-3"),
    }


def test_byte_budget_and_duplicate_client_ids() -> None:
    write = Recorder()
    group = GroupCommit(write, linger=5.0, max_nodes=100, max_bytes=10)
    results: dict[str, Any] = {}
    write.gate.clear()
    first = _submit_in_thread(group, "a", results, urgent=True)
    assert write.entered.wait(5)
    heavy = _submit_in_thread(group, "h", results, weight=8)
    time.sleep(0.05)
    dup = _submit_in_thread(group, "h", results, weight=1)  # same client_id again
    time.sleep(0.05)
    light = _submit_in_thread(group, "l", results, weight=3, urgent=True)
    time.sleep(0.1)
    write.gate.set()
    for thread in (first, heavy, dup, light):
        thread.join(5)
    # 8 + 1 fit in 10 bytes (the duplicate is dropped from the commit), 3 more do not.
    assert write.batches == [["a"], ["h"], ["l"]]


def test_lone_write_lingers_and_flush_sends_it() -> None:
    write = Recorder()
    group = GroupCommit(write, linger=0.3)
    results: dict[str, Any] = {}
    started = time.monotonic()
    alone = _submit_in_thread(group, "x", results)
    alone.join(5)
    waited = time.monotonic() - started
    assert results["x"] == "commit-1"
    assert waited >= 0.3  # lingered for company that never came, then sent alone

    group = GroupCommit(write, linger=30.0)
    pending = _submit_in_thread(group, "y", results)
    time.sleep(0.1)
    assert pending.is_alive()
    group.flush(["other-thread"])  # another thread's flush does not send it
    assert pending.is_alive()
    group.flush()
    pending.join(5)
    assert not pending.is_alive()
    assert results["y"] == "commit-2"


def test_error_reaches_every_caller_of_the_commit() -> None:
    boom = RuntimeError("commit refused")

    def write(key: str, items: Items) -> str:
        raise boom

    group = GroupCommit(write, linger=30.0)
    results: dict[str, Any] = {}
    waiting = _submit_in_thread(group, "w", results)
    time.sleep(0.1)
    with pytest.raises(RuntimeError) as raised:
        group.submit("t", _item("c"), 1, urgent=True)
    waiting.join(5)
    assert raised.value is boom
    assert results["w"] is boom


async def test_async_group_batches_and_flushes() -> None:
    batches: list[list[str]] = []
    release = asyncio.Event()

    async def write(key: str, items: Items) -> str:
        await release.wait()
        batches.append([cid for cid, _ in items])
        return f"commit-{len(batches)}"

    group = AsyncGroupCommit(write, linger=30.0)
    first = asyncio.ensure_future(group.submit("t", _item("a"), 1, urgent=True))
    await asyncio.sleep(0.05)
    rest = [asyncio.ensure_future(group.submit("t", _item(c), 1, urgent=False)) for c in "bc"]
    await asyncio.sleep(0.05)
    release.set()
    assert await first == "commit-1"
    await asyncio.sleep(0.1)
    assert not any(f.done() for f in rest)  # "b" and "c" linger for a put
    await group.flush(["t"])
    assert [await f for f in rest] == ["commit-2", "commit-2"]
    assert batches == [["a"], ["b", "c"]]
