"""``ext.store_index`` watch: which store items changed after a position, as a long poll.

A client that caches what it reads from the store (``AionisStore(read_cache=True)``) keeps one
``POST /v1/ext/store/watch {"after": position, "epoch": epoch, "timeout_ms": ...}`` open. The
answer comes as soon as a version the consumer can see has been committed after ``position``
(or when the timeout passes, with no changes) and names each item that changed, with its
namespace and the ``client_id`` of its newest such version (``version``); the client drops what
it cached of them (unless it already holds that very version) and asks again from the new
``position``.
A position is the index's watermark (``nodes.seq``); ``epoch`` names the index of this server
process.

* ``after`` null: the current position and epoch, at once (where a new watcher starts).
* ``reset: true`` (at once, no changes): the position cannot be answered from here (older than
  the :data:`~.ext_store_index.CHANGES_KEPT` versions the index remembers, ahead of the
  database, or from another epoch), or more than ``limit`` items changed: the client drops
  everything it cached and goes on from the new position.
* Only versions the consumer can see (§4.5) are reported: another agent's private version
  changes nothing this consumer reads, and its item's name is not this consumer's business.

Waiting holds no worker thread: the database calls :meth:`CommitSignal.committed` after each
commit, which wakes the waiting requests on the event loop; each then syncs the index and looks
again (in a worker thread, as every query does). A waiting request also wakes every second
(to notice a client that has gone) and at once when the server begins to shut down.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from ..context import RequestContext
from ..schemas.ext_store import ExtStoreWatchBody
from .ext_store_index import Change, StoreIndex

__all__ = ["CommitSignal", "changes_since", "close_watchers", "commit_signal"]


class CommitSignal:
    """Wakes watch requests (on the event loop) when the database commits (on any thread)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.generation = 0  # commits seen; bumped by the committing thread
        self.closing = False
        self._waiters: set[asyncio.Future[None]] = set()

    def committed(self) -> None:
        """A transaction committed (called by the writer; commits never run concurrently).

        The generation is bumped before waiters are looked at, and a request reads it before
        it looks at the index: either it sees the new generation and looks again, or it is
        already waiting and is woken here."""
        self.generation += 1
        if self._waiters:
            self._call(self._wake)

    def close(self) -> None:
        """The server is stopping: answer every waiting request now (any thread)."""
        self.closing = True
        self._call(self._wake)

    def _call(self, fn: Callable[[], None]) -> None:
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
            self._loop.call_soon_threadsafe(fn)

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait(self, seen: int, timeout: float) -> None:
        """Until a commit after generation ``seen``, :meth:`close`, or ``timeout`` seconds."""
        if self.generation != seen or self.closing or timeout <= 0:
            return
        waiter: asyncio.Future[None] = self._loop.create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)


def commit_signal(app_state: Any, db: Any) -> CommitSignal:
    """The app's signal, created (and subscribed to ``db``'s commits) by the first watch.
    Call on the event loop thread."""
    found: CommitSignal | None = getattr(app_state, "ext_store_signal", None)
    if found is None:
        found = CommitSignal(asyncio.get_running_loop())
        db.on_commit(found.committed)
        app_state.ext_store_signal = found
    return found


def close_watchers(app_state: Any) -> None:
    """Answer every waiting watch request now (the server is shutting down)."""
    found: CommitSignal | None = getattr(app_state, "ext_store_signal", None)
    if found is not None:
        found.close()


def changes_since(
    ctx: RequestContext, body: ExtStoreWatchBody, index: StoreIndex
) -> dict[str, Any]:
    """The items visible to the consumer whose versions were added after ``body.after``."""
    agent, team = body.consumer_agent_id, body.consumer_team_id
    with index.lock:
        with ctx.state.db.read() as conn:
            index.sync(conn)
        position = index.watermark
        answer: dict[str, Any] = {
            "tenant_id": ctx.tenant_id,
            "scope": ctx.scope,
            "epoch": index.epoch,
            "position": position,
            "reset": False,
            "changes": [],
        }
        after = body.after
        if after is None:
            return answer
        if (
            (body.epoch is not None and body.epoch != index.epoch)
            or after > position
            or after < index.changes_floor
        ):
            answer["reset"] = True
            return answer
        found: dict[str, Change] = {}  # newest visible version of each item
        for change in reversed(index.changes):
            if change.seq <= after:
                break
            if (
                change.scope_key != ctx.scope_key
                or change.item in found
                or not change.owner.visible_to(agent, team)
            ):
                continue
            found[change.item] = change
            if len(found) > body.limit:
                answer["reset"] = True
                return answer
    answer["changes"] = [
        {"item": item, "namespace": list(change.ns), "version": change.client_id}
        for item, change in found.items()
    ]
    return answer
