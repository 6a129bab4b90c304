"""Group commit per thread: records of several ``put_writes`` / ``put`` calls in one ``/write``.

Every call hands its record to the thread's queue as a *ticket*. One caller at a time per
thread is the *leader*: it takes the queued tickets (up to a node and byte budget), sends them
as one commit, and wakes the others. A call returns only when the commit holding its record is
acknowledged (or raises that commit's error: every ticket of a failed commit gets it), with one
exception, *riding*, below.

* A ``put_writes`` ticket may wait up to ``linger`` seconds for company, counted from when
  it was queued or, if it queued behind a commit in flight, from that commit's end; a ``put``
  (*urgent*), a call that may not ride (below) or a flush sends at once.
* Tickets queued while a commit is in flight go out together in the next one.
* :meth:`flush` returns once every ticket queued before it is settled, so reads see them.

**Riding.** A call may return as soon as its record is queued when a ``put_writes`` call on
the same thread and namespace is still waiting (its caller has not returned: its record is
queued, in flight, or stored while it waits for its own riders). That call becomes the
rider's *host*: it returns only once its own record *and* its riders' are acknowledged, and
raises the first error of any of them. So while a run goes on, one LangGraph worker waits
per thread and namespace instead of one per save, and the others keep running tasks.
Which calls may ride:

1. A ``put_writes``, unless the saver passes ``may_ride=False``: for writes on LangGraph's
   special channels (a failed task's error, which LangGraph waits to see stored before it
   runs the task's error handler; interrupts; resumes). Such a call hosts no riders either,
   so it returns as soon as its own record is stored.
2. A ``put`` of checkpoint C only when a ``put_writes`` for C or a later checkpoint of the same
   namespace has already been queued on this thread: LangGraph ran tasks of C (or beyond)
   before C's ``put`` returned, which it does only with ``durability="async"`` (with
   ``"sync"`` it waits for the ``put`` before running the next tasks, so there a put never
   rides).

Why this keeps LangGraph's guarantees:

- LangGraph waits for every ``put_writes`` and ``put`` it started before a run returns, and a
  host returns only after its riders, so every record is acknowledged before the run ends, or
  the run raises a commit's error. Mid-run, LangGraph relies on a returned call's record
  being stored only for a ``put`` with ``durability="sync"`` (which never rides), for the
  writes of failed tasks (which never ride) and for delta-channel writes before their
  checkpoint's ``put`` (covered by the queue order and the failure rules below).
- Records go out in queue order, so a checkpoint's commit never precedes its parent's or the
  writes queued before it. If a commit fails, queued and later ``put`` tickets of checkpoints
  that descend from its puts, or from a checkpoint whose writes it held, fail with the same
  error instead of being stored after a gap, and so do later ``put_writes`` to its failed
  checkpoints. Failed writes are remembered only until the namespace is read again
  (:meth:`GroupCommit.reading`): a run starts with a read, and a run that resumes from that
  checkpoint writes its tasks again.

Checkpoint ids are compared as LangGraph makes them (UUID v6, which sort by time); a put
whose id is anything else never rides.

:class:`GroupCommit` serves sync callers (threads), :class:`AsyncGroupCommit` asyncio ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
import weakref
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

__all__ = ["AsyncGroupCommit", "GroupCommit", "Items", "Ref"]

Items = list[tuple[str, Mapping[str, Any]]]
Ref = tuple[str, str]  # (checkpoint_ns, checkpoint_id)
SyncWrite = Callable[[str, Items], str]
AsyncWrite = Callable[[str, Items], Awaitable[str]]

MAX_NODES = 100
MAX_BYTES = 2_000_000
MAX_FAILED = 256  # failed checkpoints remembered per thread (their descendants are refused)
# put_writes riders one host carries (puts ride on it regardless): the host's caller is held
# until every rider is stored, so in a long run it returns now and then and another waiting
# put_writes takes over; an error among its riders reaches LangGraph no later than that.
MAX_RIDERS = 256


def _uuid6(value: str) -> int | None:
    """``value`` as the integer of a version 6 UUID (which orders by time), else ``None``."""
    try:
        parsed = uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None
    return parsed.int if parsed.version == 6 else None


def _remember(failed: OrderedDict[Ref, BaseException], ref: Ref, error: BaseException) -> None:
    failed[ref] = error
    failed.move_to_end(ref)
    while len(failed) > MAX_FAILED:
        failed.popitem(last=False)


class _Ticket:
    """One call's records. ``ref``: the checkpoint they belong to (a put's own, a
    put_writes' target); ``parent``: a put's parent checkpoint. ``may_ride``: its caller may
    return before the record is acknowledged (see the module docstring). ``host``: the
    ticket whose caller waits for this one's acknowledgement; a host counts its riders that
    are not done yet and keeps the first error among them."""

    __slots__ = (
        "born",
        "commit_id",
        "done",
        "error",
        "future",
        "host",
        "items",
        "may_ride",
        "open_riders",
        "parent",
        "ref",
        "rider_error",
        "urgent",
        "weight",
        "writes_riders",
    )

    def __init__(
        self,
        items: Items,
        weight: int,
        urgent: bool,
        ref: Ref | None = None,
        parent: Ref | None = None,
        may_ride: bool = True,
    ) -> None:
        self.items = items
        self.weight = weight
        self.urgent = urgent
        self.ref = ref
        self.parent = parent
        self.may_ride = may_ride
        self.born = time.monotonic()
        self.done = False
        self.error: BaseException | None = None
        self.commit_id = ""
        self.future: asyncio.Future[str] | None = None
        self.host: _Ticket | None = None
        self.open_riders = 0
        self.writes_riders = 0  # put_writes riders carried so far (MAX_RIDERS)
        self.rider_error: BaseException | None = None

    def carry(self, rider: _Ticket) -> None:
        rider.host = self
        self.open_riders += 1
        if not rider.urgent:
            self.writes_riders += 1

    def finish(self, commit_id: str, error: BaseException | None) -> None:
        """Its record is acknowledged (``error`` is ``None``) or failed."""
        self.done, self.commit_id, self.error = True, commit_id, error
        host = self.host
        if host is not None:
            host.open_riders -= 1
            if error is not None and host.rider_error is None:
                host.rider_error = error

    @property
    def prompt(self) -> bool:
        """Sent without lingering: a put, or a call that may not ride (LangGraph waits)."""
        return self.urgent or not self.may_ride

    def settled(self) -> bool:
        """Its own record and every rider's are acknowledged (or failed)."""
        return self.done and not self.open_riders

    def outcome(self) -> BaseException | None:
        """The error its caller raises: its own commit's, else the first rider's."""
        return self.error if self.error is not None else self.rider_error


class _Queue:
    """One thread's pending tickets and the batch in flight."""

    def __init__(self) -> None:
        self.pending: deque[_Ticket] = deque()
        self.inflight: list[_Ticket] = []
        self.flushers = 0
        self.idle_since = 0.0
        # Checkpoints whose put failed (not stored), and checkpoints some of whose writes
        # failed: descendants of either are refused (see the module docstring).
        self.failed: OrderedDict[Ref, BaseException] = OrderedDict()
        self.failed_writes: OrderedDict[Ref, BaseException] = OrderedDict()
        self.writes_seen: dict[str, int] = {}  # per namespace: the latest put_writes target
        # put_writes tickets whose callers wait (queued, in flight, or waiting for riders)
        # and that may carry riders, oldest first.
        self.hosts: list[_Ticket] = []

    def saw_writes(self, ticket: _Ticket) -> None:
        if ticket.ref is not None and (target := _uuid6(ticket.ref[1])) is not None:
            ns = ticket.ref[0]
            self.writes_seen[ns] = max(target, self.writes_seen.get(ns, target))

    def host_for(self, ticket: _Ticket) -> _Ticket | None:
        """The newest waiting put_writes ticket of ``ticket``'s namespace that may carry it
        (see the module docstring)."""
        if ticket.ref is None or not ticket.may_ride:
            return None
        ns, checkpoint_id = ticket.ref
        if ticket.urgent:  # a put
            own = _uuid6(checkpoint_id)
            if own is None or self.writes_seen.get(ns, -1) < own:
                return None  # no sign that LangGraph went on without this put
        for host in reversed(self.hosts):
            if host.ref is None or host.ref[0] != ns or host.error is not None:
                continue
            if ticket.urgent or host.writes_riders < MAX_RIDERS:
                return host
        return None

    def admit(self, ticket: _Ticket) -> _Ticket | None:
        """Queue ``ticket`` (or raise the error of a failed checkpoint it depends on); return
        the host it rides on, if it may ride."""
        refused = self.refusal(ticket)
        if refused is not None:
            raise refused
        if not ticket.urgent:
            self.saw_writes(ticket)
        host = self.host_for(ticket)
        self.pending.append(ticket)
        if host is not None:
            host.carry(ticket)  # its caller returns now
        elif not ticket.urgent and ticket.may_ride:
            self.hosts.append(ticket)
        return host

    def release(self, ticket: _Ticket) -> None:
        """``ticket``'s caller has its outcome (or gave up): it carries no more riders."""
        if ticket in self.hosts:
            self.hosts.remove(ticket)

    def refusal(self, ticket: _Ticket) -> BaseException | None:
        """The error of a failed checkpoint ``ticket`` descends from (a put) or writes to
        (put_writes), if any."""
        if ticket.urgent:
            if ticket.parent is None:
                return None
            failed = self.failed.get(ticket.parent)
            return failed if failed is not None else self.failed_writes.get(ticket.parent)
        return self.failed.get(ticket.ref) if ticket.ref is not None else None

    def record(self, batch: Sequence[_Ticket], error: BaseException | None) -> list[_Ticket]:
        """Note a settled batch's checkpoints as failed (or a put's as no longer failed);
        fail the queued tickets that depend on a failed one and return them."""
        for ticket in batch:
            if ticket.ref is None:
                continue
            if ticket.urgent and error is None:
                self.failed.pop(ticket.ref, None)
            elif error is not None:
                _remember(self.failed if ticket.urgent else self.failed_writes, ticket.ref, error)
        if not self.failed and not self.failed_writes:
            return []
        dropped: list[_Ticket] = []
        for ticket in list(self.pending):  # queue order: a parent is met before its child
            refused = self.refusal(ticket)
            if refused is None:
                continue
            self.pending.remove(ticket)
            ticket.finish("", refused)
            if ticket.urgent and ticket.ref is not None:
                _remember(self.failed, ticket.ref, refused)
            dropped.append(ticket)
        return dropped

    def reading(self, ns: str) -> None:
        """A read of namespace ``ns`` began: forget its checkpoints' failed writes."""
        for ref in [ref for ref in self.failed_writes if ref[0] == ns]:
            del self.failed_writes[ref]

    def wait_left(self, linger: float) -> float:
        """Seconds the next batch may still wait for company (0: send now). The window
        opens when a ticket is queued, or reopens when the commit it queued behind ends:
        the ``put`` it waits for usually follows that commit's acknowledgement."""
        if self.flushers or any(t.prompt for t in self.pending):
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

    def submit(
        self,
        key: str,
        items: Items,
        weight: int,
        *,
        urgent: bool,
        ref: Ref | None = None,
        parent: Ref | None = None,
        may_ride: bool = True,
    ) -> str:
        """Queue ``items`` for ``key``; return the commit id once that commit is acknowledged
        (``""`` for a call that rode on a waiting put_writes: see the module docstring).
        ``ref`` is the checkpoint the records belong to, ``parent`` a put's parent;
        ``may_ride=False`` keeps the call waiting for its own acknowledgement."""
        cond, queue = self._queue(key)
        ticket = _Ticket(items, weight, urgent, ref, parent, may_ride)
        with cond:
            host = queue.admit(ticket)
            if ticket.prompt:
                cond.notify_all()
            if host is not None:
                return ""
            try:
                while not ticket.settled():
                    if queue.inflight or not queue.pending:
                        cond.wait()
                        continue
                    left = queue.wait_left(self.linger)
                    if left > 0:
                        cond.wait(left)
                        continue
                    self._lead(key, cond, queue)
            finally:
                queue.release(ticket)
        error = ticket.outcome()
        if error is not None:
            raise error
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
            ticket.finish(commit_id, error)
        queue.record(batch, error)
        queue.settled()
        cond.notify_all()
        if error is not None and not isinstance(error, Exception):
            raise error  # KeyboardInterrupt and the like stop the leading thread too

    def reading(self, key: str, ns: str) -> None:
        """A read of ``key``'s namespace ``ns`` began (every LangGraph run starts with one):
        its checkpoints' failed writes no longer refuse their children."""
        with self._guard:
            entry = self._queues.get(key)
        if entry is not None:
            with entry[0]:
                entry[1].reading(ns)

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

    async def submit(
        self,
        key: str,
        items: Items,
        weight: int,
        *,
        urgent: bool,
        ref: Ref | None = None,
        parent: Ref | None = None,
        may_ride: bool = True,
    ) -> str:
        """As :meth:`GroupCommit.submit`."""
        queues = self._queues()
        queue = queues.get(key)
        if queue is None:
            queue = queues[key] = _AsyncQueue()
        ticket = _Ticket(items, weight, urgent, ref, parent, may_ride)
        host = queue.admit(ticket)
        if ticket.prompt:
            queue.wake.set()
        if queue.task is None:
            queue.task = asyncio.get_running_loop().create_task(self._drain(key, queue))
        if host is not None:
            return ""  # no future: nobody awaits it but the host
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        ticket.future = future
        try:
            return await asyncio.shield(future)
        finally:
            queue.release(ticket)

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
                    _settle(queue, batch, error=exc)
                    if not isinstance(exc, Exception):
                        raise
                else:
                    _settle(queue, batch, commit_id=commit_id)
                finally:
                    queue.settled()
        finally:
            queue.task = None
            if queue.pending:  # only after a cancellation: fail what is left
                left_over = list(queue.pending)
                queue.pending.clear()
                _settle(queue, left_over, error=asyncio.CancelledError())

    def reading(self, key: str, ns: str) -> None:
        """As :meth:`GroupCommit.reading`."""
        queue = self._queues().get(key)
        if queue is not None:
            queue.reading(ns)

    async def flush(self, keys: Iterable[str] | None = None) -> None:
        """As :meth:`GroupCommit.flush`."""
        queues = self._queues()
        for key in list(queues) if keys is None else keys:
            queue = queues.get(key)
            if queue is None:
                continue
            futures = {f for t in (*queue.inflight, *queue.pending) if (f := _awaited(t))}
            if not futures:
                continue
            queue.flushers += 1
            queue.wake.set()
            try:
                await asyncio.wait(futures)
            finally:
                queue.flushers -= 1


def _awaited(ticket: _Ticket) -> asyncio.Future[str] | None:
    """The future that resolves once ``ticket`` is done: its own, or (a rider has none) its
    host's."""
    if ticket.future is not None:
        return ticket.future
    return ticket.host.future if ticket.host is not None else None


def _settle(
    queue: _Queue,
    batch: Sequence[_Ticket],
    *,
    commit_id: str = "",
    error: BaseException | None = None,
) -> None:
    """Mark ``batch`` done, then resolve the future of every awaited ticket (of the batch,
    failed with it, or hosting one of them) whose outcome is now complete."""
    for ticket in batch:
        ticket.finish(commit_id, error)
    touched = [*batch, *queue.record(batch, error)]
    for ticket in [*touched, *(t.host for t in touched if t.host is not None)]:
        future = ticket.future
        if future is None or future.done() or not ticket.settled():
            continue
        queue.release(ticket)
        outcome = ticket.outcome()
        if outcome is None:
            future.set_result(ticket.commit_id)
        elif isinstance(outcome, asyncio.CancelledError):
            future.cancel()
        else:
            future.set_exception(outcome)
