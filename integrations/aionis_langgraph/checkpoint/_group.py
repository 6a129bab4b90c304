"""Group commit per thread: records of several ``put_writes`` / ``put`` calls in one ``/write``.

Every call hands its record to the thread's queue as a *ticket* and returns only when the
commit holding the record is acknowledged (or raises that commit's error: every ticket of a
failed commit gets it). One caller at a time per thread is the *leader*: it takes the queued
tickets (up to a node and byte budget), sends them as one commit, and wakes the others.

* A ticket that is not *urgent* (``put_writes``) may wait up to ``linger`` seconds for
  company, counted from when it was queued or, if it queued behind a commit in flight, from
  that commit's end; an urgent one (``put``) or a flush sends at once.
* Tickets queued while a commit is in flight go out together in the next one.
* :meth:`flush` returns once every ticket queued before it is settled, so reads see them.

:class:`GroupCommit` serves sync callers (threads), :class:`AsyncGroupCommit` asyncio ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

__all__ = ["AsyncGroupCommit", "GroupCommit", "Items"]

Items = list[tuple[str, Mapping[str, Any]]]
SyncWrite = Callable[[str, Items], str]
AsyncWrite = Callable[[str, Items], Awaitable[str]]

MAX_NODES = 100
MAX_BYTES = 2_000_000


class _Ticket:
    __slots__ = ("born", "commit_id", "done", "error", "future", "items", "urgent", "weight")

    def __init__(self, items: Items, weight: int, urgent: bool) -> None:
        self.items = items
        self.weight = weight
        self.urgent = urgent
        self.born = time.monotonic()
        self.done = False
        self.error: BaseException | None = None
        self.commit_id = ""
        self.future: asyncio.Future[str] | None = None


class _Queue:
    """One thread's pending tickets and the batch in flight."""

    def __init__(self) -> None:
        self.pending: deque[_Ticket] = deque()
        self.inflight: list[_Ticket] = []
        self.flushers = 0
        self.idle_since = 0.0

    def wait_left(self, linger: float) -> float:
        """Seconds the next batch may still wait for company (0: send now). The window
        opens when a ticket is queued, or reopens when the commit it queued behind ends:
        the ``put`` it waits for usually follows that commit's acknowledgement."""
        if self.flushers or any(t.urgent for t in self.pending):
            return 0.0
        return max(self.pending[0].born, self.idle_since) + linger - time.monotonic()

    def settled(self) -> None:
        self.inflight = []
        self.idle_since = time.monotonic()

    def take(self, max_nodes: int, max_bytes: int) -> list[_Ticket]:
        batch = [self.pending.popleft()]
        nodes, size = len(batch[0].items), batch[0].weight
        while self.pending:
            nxt = self.pending[0]
            if nodes + len(nxt.items) > max_nodes or size + nxt.weight > max_bytes:
                break
            batch.append(self.pending.popleft())
            nodes, size = nodes + len(nxt.items), size + nxt.weight
        self.inflight = batch
        return batch


def merge(batch: Sequence[_Ticket]) -> Items:
    """The batch's records in queue order; a repeated client_id keeps its first record
    (nodes are immutable, and the server refuses duplicates in one write)."""
    seen: set[str] = set()
    out: Items = []
    for ticket in batch:
        for cid, record in ticket.items:
            if cid not in seen:
                seen.add(cid)
                out.append((cid, record))
    return out


class GroupCommit:
    """Group commit for sync callers; ``write(key, items)`` sends one commit."""

    def __init__(
        self,
        write: SyncWrite,
        linger: float,
        *,
        max_nodes: int = MAX_NODES,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self._write = write
        self.linger = linger
        self.max_nodes, self.max_bytes = max_nodes, max_bytes
        self._guard = threading.Lock()
        self._queues: dict[str, tuple[threading.Condition, _Queue]] = {}

    def _queue(self, key: str) -> tuple[threading.Condition, _Queue]:
        with self._guard:
            entry = self._queues.get(key)
            if entry is None:
                entry = self._queues[key] = (threading.Condition(), _Queue())
            return entry

    def submit(self, key: str, items: Items, weight: int, *, urgent: bool) -> str:
        """Queue ``items`` for ``key``; return the commit id once that commit is acknowledged."""
        cond, queue = self._queue(key)
        ticket = _Ticket(items, weight, urgent)
        with cond:
            queue.pending.append(ticket)
            if urgent:
                cond.notify_all()
            while not ticket.done:
                if queue.inflight:
                    cond.wait()
                    continue
                left = queue.wait_left(self.linger)
                if left > 0:
                    cond.wait(left)
                    continue
                self._lead(key, cond, queue)
        if ticket.error is not None:
            raise ticket.error
        return ticket.commit_id

    def _lead(self, key: str, cond: threading.Condition, queue: _Queue) -> None:
        batch = queue.take(self.max_nodes, self.max_bytes)
        error: BaseException | None = None
        commit_id = ""
        cond.release()
        try:
            commit_id = self._write(key, merge(batch))
        except BaseException as exc:  # every caller in the batch gets the commit's error
            error = exc
        finally:
            cond.acquire()
        for ticket in batch:
            ticket.done, ticket.error, ticket.commit_id = True, error, commit_id
        queue.settled()
        cond.notify_all()
        if error is not None and not isinstance(error, Exception):
            raise error  # KeyboardInterrupt and the like stop the leading thread too

    def flush(self, keys: Iterable[str] | None = None) -> None:
        """Return once every ticket queued (for ``keys``, default all) before the call is
        settled. Errors stay with the callers that queued the tickets."""
        if keys is None:
            with self._guard:
                keys = list(self._queues)
        for key in keys:
            with self._guard:
                entry = self._queues.get(key)
            if entry is None:
                continue
            cond, queue = entry
            with cond:
                targets = [*queue.inflight, *queue.pending]
                if not targets:
                    continue
                queue.flushers += 1
                cond.notify_all()
                try:
                    while not all(t.done for t in targets):
                        cond.wait()
                finally:
                    queue.flushers -= 1


class _AsyncQueue(_Queue):
    def __init__(self) -> None:
        super().__init__()
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None


class AsyncGroupCommit:
    """Group commit for asyncio callers; the leader is a task of its own, so a cancelled
    caller does not strand the others (its record is still written)."""

    def __init__(
        self,
        write: AsyncWrite,
        linger: float,
        *,
        max_nodes: int = MAX_NODES,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self._write = write
        self.linger = linger
        self.max_nodes, self.max_bytes = max_nodes, max_bytes
        # Queues hold loop-bound primitives: one family per event loop.
        self._loops: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[str, _AsyncQueue]
        ] = weakref.WeakKeyDictionary()

    def _queues(self) -> dict[str, _AsyncQueue]:
        loop = asyncio.get_running_loop()
        queues = self._loops.get(loop)
        if queues is None:
            queues = self._loops[loop] = {}
        return queues

    async def submit(self, key: str, items: Items, weight: int, *, urgent: bool) -> str:
        queues = self._queues()
        queue = queues.get(key)
        if queue is None:
            queue = queues[key] = _AsyncQueue()
        ticket = _Ticket(items, weight, urgent)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        ticket.future = future
        queue.pending.append(ticket)
        if urgent:
            queue.wake.set()
        if queue.task is None:
            queue.task = asyncio.get_running_loop().create_task(self._drain(key, queue))
        return await asyncio.shield(future)

    async def _drain(self, key: str, queue: _AsyncQueue) -> None:
        try:
            while queue.pending:
                left = queue.wait_left(self.linger)
                if left > 0:
                    queue.wake.clear()
                    # asyncio.TimeoutError: not the builtin one before 3.11
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(queue.wake.wait(), left)
                    continue
                batch = queue.take(self.max_nodes, self.max_bytes)
                try:
                    commit_id = await self._write(key, merge(batch))
                except BaseException as exc:
                    _settle(batch, error=exc)
                    if not isinstance(exc, Exception):
                        raise
                else:
                    _settle(batch, commit_id=commit_id)
                finally:
                    queue.settled()
        finally:
            queue.task = None
            if queue.pending:  # only after a cancellation: fail what is left
                _settle(list(queue.pending), error=asyncio.CancelledError())
                queue.pending.clear()

    async def flush(self, keys: Iterable[str] | None = None) -> None:
        """As :meth:`GroupCommit.flush`."""
        queues = self._queues()
        for key in list(queues) if keys is None else keys:
            queue = queues.get(key)
            if queue is None:
                continue
            futures = [t.future for t in (*queue.inflight, *queue.pending) if t.future]
            if not futures:
                continue
            queue.flushers += 1
            queue.wake.set()
            try:
                await asyncio.wait(futures)
            finally:
                queue.flushers -= 1


def _settle(
    batch: Sequence[_Ticket], *, commit_id: str = "", error: BaseException | None = None
) -> None:
    for ticket in batch:
        ticket.done, ticket.error, ticket.commit_id = True, error, commit_id
        future = ticket.future
        if future is None or future.done():
            continue
        if error is None:
            future.set_result(commit_id)
        elif isinstance(error, asyncio.CancelledError):
            future.cancel()
        else:
            future.set_exception(error)
