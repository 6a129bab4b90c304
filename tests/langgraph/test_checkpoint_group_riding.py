"""Riding in the group-commit queue (see ``checkpoint/_group.py``), on its own.

A call returns at once when a put_writes call of the same namespace is still waiting to host
it; the host then returns only once its own record and its riders' are acknowledged. A
put_writes may ride unless the saver says it may not (special channels); a put of checkpoint
C only when a put_writes for C or a later checkpoint has been seen on the thread (so
LangGraph did not wait for C's put). The write function records batches and blocks until a
test opens its gate.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from langgraph.checkpoint.base.id import uuid6

from aionis_langgraph.checkpoint import _group
from aionis_langgraph.checkpoint._group import (
    MAX_NODES,
    AsyncGroupCommit,
    GroupCommit,
    Items,
    Ref,
)


class Gate:
    """A write function: records each batch's client ids; blocks while the gate is shut;
    fails batches holding an id in ``fail_on``."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.open = threading.Event()
        self.open.set()
        self.fail_on: set[str] = set()
        self.entered = threading.Semaphore(0)

    def __call__(self, key: str, items: Items) -> str:
        self.entered.release()
        assert self.open.wait(5)
        ids = [cid for cid, _ in items]
        self.batches.append(ids)
        if self.fail_on & set(ids):
            raise RuntimeError(f"commit refused: {ids}")
        return f"commit-{len(self.batches)}"


def ids(n: int) -> list[str]:
    """``n`` checkpoint ids as LangGraph makes them (UUID v6, increasing)."""
    return [str(uuid6(clock_seq=i)) for i in range(n)]


def _item(cid: str) -> Items:
    return [(cid, {"cid": cid})]


class Call:
    """``group.submit`` in a thread; ``result`` is its return value or exception."""

    def __init__(
        self,
        group: GroupCommit,
        cid: str,
        *,
        urgent: bool,
        ref: Ref | None,
        parent: Ref | None = None,
        may_ride: bool = True,
    ) -> None:
        self.result: Any = None
        self.returned = threading.Event()

        def body() -> None:
            try:
                self.result = group.submit(
                    "t", _item(cid), 1, urgent=urgent, ref=ref, parent=parent, may_ride=may_ride
                )
            except Exception as exc:
                self.result = exc
            self.returned.set()

        self.thread = threading.Thread(target=body)
        self.thread.start()

    def wait(self, timeout: float = 5) -> Any:
        assert self.returned.wait(timeout)
        return self.result


def put_in_flight(gate: Gate, group: GroupCommit, checkpoint_id: str) -> Call:
    """Shut the gate and send "put-0" (of ``checkpoint_id``); returns once its commit is in
    flight, held by the gate."""
    gate.open.clear()
    head = Call(group, "put-0", urgent=True, ref=("", checkpoint_id))
    assert gate.entered.acquire(timeout=5)
    return head


def test_a_put_rides_on_a_waiting_put_writes_of_its_checkpoint() -> None:
    gate = Gate()
    group = GroupCommit(gate, linger=30.0)
    c0, c1 = ids(2)
    head = put_in_flight(gate, group, c0)
    writes = Call(group, "writes-1", urgent=False, ref=("", c1))  # tasks of c1 already ran
    time.sleep(0.1)
    rider = Call(group, "put-1", urgent=True, ref=("", c1), parent=("", c0))
    assert rider.wait() == ""  # returned at once: its record is not written yet
    assert gate.batches == []
    assert not writes.returned.is_set()
    gate.open.set()
    assert head.wait() == "commit-1"
    assert writes.wait() == "commit-2"  # only after its record and the put's are stored
    assert gate.batches == [["put-0"], ["writes-1", "put-1"]]


def test_a_host_in_flight_waits_for_its_rider_in_the_next_commit() -> None:
    gate = Gate()
    group = GroupCommit(gate, linger=30.0)
    c0, c1 = ids(2)
    gate.open.clear()
    host = Call(group, "writes-1", urgent=False, ref=("", c1))
    time.sleep(0.1)
    # Writes of c1 were seen, so put-0 rides on them too; their commit goes out at once.
    assert Call(group, "put-0", urgent=True, ref=("", c0)).wait() == ""
    assert gate.entered.acquire(timeout=5)
    rider = Call(group, "put-1", urgent=True, ref=("", c1), parent=("", c0))
    assert rider.wait() == ""  # its host is in flight, not yet returned
    seen_at_return: list[list[list[str]]] = []
    host.returned.wait(0.2)
    assert not host.returned.is_set()
    gate.open.set()
    assert host.wait() == "commit-1"  # its own commit's id, returned after the rider's
    seen_at_return.append(list(gate.batches))
    assert seen_at_return == [[["writes-1", "put-0"], ["put-1"]]]


def test_writes_of_a_later_checkpoint_also_host() -> None:
    gate, group, (c0, c1, c2), head = head_in_flight()
    later = Call(group, "writes-2", urgent=False, ref=("", c2))
    time.sleep(0.1)
    rider = Call(group, "put-1", urgent=True, ref=("", c1), parent=("", c0))
    assert rider.wait() == ""
    gate.open.set()
    head.wait()
    assert later.wait() == "commit-2"
    assert gate.batches == [["put-0"], ["writes-2", "put-1"]]


@pytest.mark.parametrize(
    "case",
    ["earlier checkpoint", "other namespace", "not a uuid6", "host already returned"],
)
def test_without_proof_that_langgraph_went_on_a_put_waits(case: str) -> None:
    gate = Gate()
    group = GroupCommit(gate, linger=30.0)
    c0, c1 = ids(2)
    put_ref: Ref = ("", c1)
    writes_ref: Ref = ("", c0)  # writes of the previous checkpoint: durability="sync" has those
    if case == "other namespace":
        writes_ref = ("sub:1", c1)
    elif case == "not a uuid6":
        put_ref, writes_ref = ("", "checkpoint-b"), ("", "checkpoint-c")
    if case == "host already returned":
        done = Call(group, "writes-1", urgent=False, ref=("", c1))
        group.flush()
        assert done.wait() == "commit-1"
        put = Call(group, "put-1", urgent=True, ref=put_ref)
        assert put.wait() == "commit-2"  # seen writes of c1, but nobody is left to host it
        return
    head = put_in_flight(gate, group, c0)
    writes = Call(group, "writes", urgent=False, ref=writes_ref)
    time.sleep(0.1)
    put = Call(group, "put-1", urgent=True, ref=put_ref, parent=("", c0))
    time.sleep(0.2)
    assert not put.returned.is_set()  # waits for its own commit
    gate.open.set()
    head.wait()
    assert put.wait() == "commit-2"
    assert writes.wait() == "commit-2"


def test_a_failed_ride_fails_the_host_and_every_descendant() -> None:
    gate = Gate()
    group = GroupCommit(gate, linger=30.0)
    c0, c1, c2, c3 = ids(4)
    gate.fail_on = {"put-1"}
    head = put_in_flight(gate, group, c0)
    host = Call(group, "writes-3", urgent=False, ref=("", c3))
    time.sleep(0.1)
    assert Call(group, "put-1", urgent=True, ref=("", c1), parent=("", c0)).wait() == ""
    assert Call(group, "put-2", urgent=True, ref=("", c2), parent=("", c1)).wait() == ""
    gate.open.set()
    assert head.wait() == "commit-1"
    error = host.wait()
    assert isinstance(error, RuntimeError)
    # The batch with put-1 failed as a whole (put-2 rode in it too), so nothing of c1's line
    # was stored; a later put of a descendant is refused without a round trip.
    assert gate.batches == [["put-0"], ["writes-3", "put-1", "put-2"]]
    late = Call(group, "put-3", urgent=True, ref=("", c3), parent=("", c2))
    assert late.wait() is error
    writes_of_failed = Call(group, "writes-2", urgent=False, ref=("", c2))
    assert writes_of_failed.wait() is error
    assert len(gate.batches) == 2
    # An unrelated line (parent c0, which was stored) is not affected.
    other = Call(group, "put-x", urgent=True, ref=("", ids(1)[0]), parent=("", c0))
    assert other.wait() == "commit-3"


def head_in_flight(
    fails: str | None = None, max_nodes: int = MAX_NODES
) -> tuple[Gate, GroupCommit, list[str], Call]:
    """A gated group (failing commits that hold ``fails``), three checkpoint ids, and
    "put-0" (of the first) in flight."""
    gate = Gate()
    group = GroupCommit(gate, linger=30.0, max_nodes=max_nodes)
    checkpoints = ids(3)
    gate.fail_on = {fails} if fails else set()
    return gate, group, checkpoints, put_in_flight(gate, group, checkpoints[0])


def test_queued_descendants_of_a_failed_put_fail_without_being_sent() -> None:
    gate, group, (c0, c1, c2), head = head_in_flight("put-0", max_nodes=2)
    host = Call(group, "writes-2", urgent=False, ref=("", c2))
    time.sleep(0.1)
    assert Call(group, "put-1", urgent=True, ref=("", c1), parent=("", c0)).wait() == ""
    gate.open.set()
    error = head.wait()
    assert isinstance(error, RuntimeError)
    group.flush()  # the host's own record still lingers for company; send it
    assert host.wait() is error  # its rider (put-1) descends from put-0: failed, never sent
    assert gate.batches == [["put-0"], ["writes-2"]]


def test_put_writes_ride_on_a_waiting_put_writes() -> None:
    gate, group, (c0, c1, c2), head = head_in_flight()
    host = Call(group, "writes-0", urgent=False, ref=("", c0))
    time.sleep(0.1)
    # Tasks of later checkpoints: their calls return at once, the host carries them.
    assert Call(group, "writes-1", urgent=False, ref=("", c1)).wait() == ""
    assert Call(group, "put-1", urgent=True, ref=("", c1), parent=("", c0)).wait() == ""
    assert Call(group, "writes-2", urgent=False, ref=("", c2)).wait() == ""
    assert gate.batches == []
    gate.open.set()
    assert head.wait() == "commit-1"
    assert host.wait() == "commit-2"
    assert gate.batches == [["put-0"], ["writes-0", "writes-1", "put-1", "writes-2"]]


def test_calls_that_may_not_ride_wait_and_host_nobody() -> None:
    gate, group, (c0, c1, _), head = head_in_flight()
    host = Call(group, "writes-0", urgent=False, ref=("", c0))
    time.sleep(0.1)
    error_writes = Call(group, "error-1", urgent=False, ref=("", c1), may_ride=False)
    time.sleep(0.1)
    assert not error_writes.returned.is_set()  # a host was there; it did not ride
    # Nor does it host: this one rides on writes-0, the newest call that may.
    assert Call(group, "writes-1", urgent=False, ref=("", c1)).wait() == ""
    gate.open.set()
    head.wait()
    assert error_writes.wait() == "commit-2"
    assert host.wait() == "commit-2"
    assert gate.batches == [["put-0"], ["writes-0", "error-1", "writes-1"]]


def test_a_host_whose_record_is_stored_carries_riders_until_it_returns() -> None:
    gate = Gate()
    permits = threading.Semaphore(0)

    def one_at_a_time(key: str, items: Items) -> str:
        gate.entered.release()
        assert permits.acquire(timeout=5)
        gate.batches.append([cid for cid, _ in items])
        return f"commit-{len(gate.batches)}"

    group = GroupCommit(one_at_a_time, linger=30.0)
    c0, c1, c2 = ids(3)
    host = Call(group, "writes-0", urgent=False, ref=("", c0))
    time.sleep(0.1)
    flusher = threading.Thread(target=group.flush)  # sends writes-0 now
    flusher.start()
    assert gate.entered.acquire(timeout=5)
    assert Call(group, "put-0", urgent=True, ref=("", c0)).wait() == ""
    permits.release()  # writes-0 is stored; the host leads put-0's commit
    assert gate.entered.acquire(timeout=5)
    flusher.join(5)
    # The host's own record is stored, its caller still waits for put-0: it carries more.
    assert Call(group, "writes-2", urgent=False, ref=("", c2)).wait() == ""
    assert Call(group, "put-1", urgent=True, ref=("", c1), parent=("", c0)).wait() == ""
    time.sleep(0.1)
    assert not host.returned.is_set()
    permits.release()
    permits.release()
    assert host.wait() == "commit-1"
    assert gate.batches == [["writes-0"], ["put-0"], ["writes-2", "put-1"]]


def test_a_full_host_takes_puts_but_no_more_put_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_group, "MAX_RIDERS", 1)
    gate = Gate()
    group = GroupCommit(gate, linger=30.0)
    c0, c1, c2, c3 = ids(4)
    head = put_in_flight(gate, group, c0)
    first = Call(group, "writes-0", urgent=False, ref=("", c0))
    time.sleep(0.1)
    assert Call(group, "writes-1", urgent=False, ref=("", c1)).wait() == ""  # first is full
    assert Call(group, "put-1", urgent=True, ref=("", c1), parent=("", c0)).wait() == ""
    second = Call(group, "writes-2", urgent=False, ref=("", c2))
    time.sleep(0.1)
    assert not second.returned.is_set()  # a host of its own now
    assert Call(group, "writes-3", urgent=False, ref=("", c3)).wait() == ""  # rides on it
    gate.open.set()
    head.wait()
    assert first.wait() == second.wait() == "commit-2"
    assert gate.batches == [["put-0"], ["writes-0", "writes-1", "put-1", "writes-2", "writes-3"]]


def test_failed_writes_refuse_child_checkpoints_until_the_namespace_is_read() -> None:
    gate, group, (c0, c1, c2), head = head_in_flight("writes-0", max_nodes=2)
    host = Call(group, "writes-0", urgent=False, ref=("", c0))
    time.sleep(0.1)
    assert Call(group, "writes-1", urgent=False, ref=("", c1)).wait() == ""
    assert Call(group, "put-1", urgent=True, ref=("", c1), parent=("", c0)).wait() == ""
    gate.open.set()
    assert head.wait() == "commit-1"
    error = host.wait()
    assert isinstance(error, RuntimeError)
    # put-1 (a child of c0, whose writes failed) was queued for the next commit: never sent.
    assert gate.batches == [["put-0"], ["writes-0", "writes-1"]]
    late = Call(group, "put-1b", urgent=True, ref=("", c1), parent=("", c0))
    assert late.wait() is error
    # Writes to c0 itself are still taken (c0 is stored), and so are other namespaces.
    assert Call(group, "writes-0c", urgent=False, ref=("", c0), may_ride=False).wait() == (
        "commit-3"
    )
    # A new run starts with a read of the namespace: then c0's children are taken again.
    group.reading("t", "sub")
    assert Call(group, "put-2", urgent=True, ref=("", c2), parent=("", c0)).wait() is error
    group.reading("t", "")
    assert Call(group, "put-2", urgent=True, ref=("", c2), parent=("", c0)).wait() == "commit-4"


def test_flush_waits_for_riders() -> None:
    gate, group, (_, c1, _), head = head_in_flight()
    writes = Call(group, "writes-1", urgent=False, ref=("", c1))
    time.sleep(0.1)
    assert Call(group, "put-1", urgent=True, ref=("", c1)).wait() == ""
    flushed = threading.Event()
    flusher = threading.Thread(target=lambda: (group.flush(["t"]), flushed.set()))
    flusher.start()
    time.sleep(0.1)
    assert not flushed.is_set()
    gate.open.set()
    assert flushed.wait(5)
    assert ["writes-1", "put-1"] in gate.batches
    head.wait()
    writes.wait()


class AsyncGate:
    """Gate's asyncio twin: commits wait for ``release``; a batch holding an id in
    ``fail_on`` fails."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.release = asyncio.Event()
        self.fail_on: set[str] = set()

    async def __call__(self, key: str, items: Items) -> str:
        await self.release.wait()
        self.batches.append([cid for cid, _ in items])
        if self.fail_on & set(self.batches[-1]):
            raise RuntimeError("refused")
        return f"commit-{len(self.batches)}"


async def test_async_put_rides_and_its_host_waits_for_it() -> None:
    gate = AsyncGate()
    batches, release, fail_on = gate.batches, gate.release, gate.fail_on
    group = AsyncGroupCommit(gate, linger=30.0)
    c0, c1, c2 = ids(3)
    head = asyncio.ensure_future(group.submit("t", _item("put-0"), 1, urgent=True, ref=("", c0)))
    await asyncio.sleep(0.05)
    host = asyncio.ensure_future(
        group.submit("t", _item("writes-1"), 1, urgent=False, ref=("", c1))
    )
    await asyncio.sleep(0.05)
    rode = await asyncio.wait_for(
        group.submit("t", _item("put-1"), 1, urgent=True, ref=("", c1), parent=("", c0)), 1
    )
    assert rode == ""
    assert not host.done()
    flush = asyncio.ensure_future(group.flush(["t"]))
    await asyncio.sleep(0.05)
    assert not flush.done()  # the riding put is not stored yet
    release.set()
    assert await head == "commit-1"
    assert await host == "commit-2"
    await flush
    assert batches == [["put-0"], ["writes-1", "put-1"]]

    # A failing rider fails its host; its descendants are refused.
    fail_on.add("put-2")
    release.clear()
    host = asyncio.ensure_future(
        group.submit("t", _item("writes-2"), 1, urgent=False, ref=("", c2))
    )
    await asyncio.sleep(0.05)
    assert await group.submit("t", _item("put-2"), 1, urgent=True, ref=("", c2)) == ""
    release.set()
    with pytest.raises(RuntimeError) as failed:
        await host
    with pytest.raises(RuntimeError) as refused:
        await group.submit(
            "t", _item("put-3"), 1, urgent=True, ref=("", ids(1)[0]), parent=("", c2)
        )
    assert refused.value is failed.value


async def test_async_put_writes_ride_and_their_host_waits_for_them() -> None:
    gate = AsyncGate()
    batches, release, failing = gate.batches, gate.release, gate.fail_on
    group = AsyncGroupCommit(gate, linger=30.0)
    c0, c1, c2 = ids(3)
    host = asyncio.ensure_future(
        group.submit("t", _item("writes-0"), 1, urgent=False, ref=("", c0))
    )
    await asyncio.sleep(0.05)
    rode = group.submit("t", _item("writes-1"), 1, urgent=False, ref=("", c1))
    assert await asyncio.wait_for(rode, 1) == ""
    special = asyncio.ensure_future(
        group.submit("t", _item("error-2"), 1, urgent=False, ref=("", c2), may_ride=False)
    )
    await asyncio.sleep(0.05)
    assert not host.done()
    assert not special.done()
    flush = asyncio.ensure_future(group.flush(["t"]))
    release.set()
    assert await host == "commit-1"
    assert await special == "commit-1"
    await flush
    assert batches == [["writes-0", "writes-1", "error-2"]]

    # Failed writes refuse the children of their checkpoint until the namespace is read.
    fail = asyncio.ensure_future(
        group.submit("t", _item("bad-2"), 1, urgent=False, ref=("", c2), may_ride=False)
    )
    release.clear()
    await asyncio.sleep(0.05)
    failing.add("bad-2")
    release.set()
    with pytest.raises(RuntimeError) as failed:
        await fail
    child = ids(1)[0]
    with pytest.raises(RuntimeError) as refused:
        await group.submit("t", _item("put-3"), 1, urgent=True, ref=("", child), parent=("", c2))
    assert refused.value is failed.value
    group.reading("t", "")
    put = group.submit("t", _item("put-3"), 1, urgent=True, ref=("", child), parent=("", c2))
    assert await put == "commit-3"
