"""Sans-I/O plans: the logic is written once, the sync and async twins only drive it.

A *plan* is a generator that yields :class:`Call` objects (or a list of them, which the async
driver sends concurrently) and receives each response (a list of responses for a list); its
return value is the result. An error raised by a call is thrown into the plan, which may
handle it. Two pseudo-calls, ``Call("lock", {"key": k})`` and ``Call("unlock", ...)``, take
and release a per-key lock of the driver's :class:`Locks` (threading locks for :func:`run`,
asyncio locks for :func:`arun`); locks still held when a plan ends are released.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

__all__ = ["Call", "Locks", "Plan", "arun", "find_pages", "run"]

T = TypeVar("T")
Op = Literal["write", "find", "resolve", "lock", "unlock"]


@dataclass(frozen=True)
class Call:
    op: Op
    params: dict[str, Any] = field(default_factory=dict)


Plan = Generator["Call | list[Call]", Any, T]


class Locks:
    """Per-key locks, one family for sync drivers and one for async drivers."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._sync: dict[str, threading.Lock] = {}
        self._async: dict[str, asyncio.Lock] = {}

    def sync(self, key: str) -> threading.Lock:
        with self._guard:
            return self._sync.setdefault(key, threading.Lock())

    def async_(self, key: str) -> asyncio.Lock:
        with self._guard:
            return self._async.setdefault(key, asyncio.Lock())


def run(client: Any, plan: Plan[T], locks: Locks | None = None) -> T:
    """Drive ``plan`` with a sync client."""
    held: list[threading.Lock] = []
    try:
        step = next(plan)
        while True:
            try:
                if isinstance(step, list):
                    result: Any = [_send(client, c, locks, held) for c in step]
                else:
                    result = _send(client, step, locks, held)
            except Exception as exc:
                step = plan.throw(exc)
                continue
            step = plan.send(result)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    finally:
        for lock in reversed(held):
            lock.release()


def _send(client: Any, call: Call, locks: Locks | None, held: list[threading.Lock]) -> Any:
    if call.op == "lock":
        if locks is not None:
            lock = locks.sync(call.params["key"])
            lock.acquire()
            held.append(lock)
        return None
    if call.op == "unlock":
        if locks is not None:
            lock = locks.sync(call.params["key"])
            held.remove(lock)
            lock.release()
        return None
    return getattr(client.memory, call.op)(**call.params)


async def arun(client: Any, plan: Plan[T], locks: Locks | None = None) -> T:
    """Drive ``plan`` with an async client; a yielded list runs concurrently."""
    held: list[asyncio.Lock] = []
    try:
        step = next(plan)
        while True:
            try:
                if isinstance(step, list):
                    result: Any = list(
                        await asyncio.gather(*(_asend(client, c, locks, held) for c in step))
                    )
                else:
                    result = await _asend(client, step, locks, held)
            except Exception as exc:
                step = plan.throw(exc)
                continue
            step = plan.send(result)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    finally:
        for lock in reversed(held):
            lock.release()


async def _asend(client: Any, call: Call, locks: Locks | None, held: list[asyncio.Lock]) -> Any:
    if call.op == "lock":
        if locks is not None:
            lock = locks.async_(call.params["key"])
            await lock.acquire()
            held.append(lock)
        return None
    if call.op == "unlock":
        if locks is not None:
            lock = locks.async_(call.params["key"])
            held.remove(lock)
            lock.release()
        return None
    return await getattr(client.memory, call.op)(**call.params)


def find_pages(params: dict[str, Any], *, page_size: int = 200) -> Plan[list[Any]]:
    """Every node matching a find, page by page (newest first)."""
    nodes: list[Any] = []
    offset = 0
    while True:
        response = yield Call("find", {**params, "limit": page_size, "offset": offset})
        nodes.extend(response.nodes)
        if not response.page.has_more or not response.nodes:
            return nodes
        offset += len(response.nodes)
