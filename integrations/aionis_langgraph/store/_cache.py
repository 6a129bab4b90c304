"""Opt-in read cache of an ``AionisStore`` (``read_cache=True``), kept coherent by the server.

The store's reads are answered from memory when they were answered before and nothing they
depend on has changed since; otherwise they go to the server as usual and the answer is kept.
What "nothing has changed" rests on:

* **Other writers**: a background thread keeps one long poll open on the server's
  ``/v1/ext/store/watch`` (``ext.store_index``). The server answers it as soon as a version the
  store's agent can see is committed, naming each item, its namespace and its newest version;
  the thread drops the cached answers that could include them (a ``get`` of that item, a
  listing whose namespace prefix covers that namespace) unless they hold that very version
  (an answer read after the change, e.g. this store's own write coming back), and polls again
  from the new position. A write by another process is so seen here within one notification
  (a round trip after its commit), not at once: this is the consistency the cache trades for
  reads that cost no request.
* **This store's own writes**: a put or delete drops the cached answers about its item as
  soon as the write returns (or fails: it may have been stored), before the next read, so a
  store always reads its own writes.
* **Fresher answers**: an answer from the server drops the cached answers that hold another
  version of one of its items, so the store never answers with an older version of an item
  than one it has already read (say, a cached listing after a get that went to the server).
* **Races**: an answer is kept only if no change applied between sending its request and
  keeping it touches it, other than one whose very version it holds (numbered changes in a
  short log), so an answer computed before a change is never kept after that change was
  applied.
* **No watch, no cache**: until the first watch answer, and whenever a watch fails (the cache
  is emptied; the thread retries every :data:`RETRY_S`), reads go to the server. A watch
  answer with ``reset`` (the server restarted, or too much changed) empties the cache, and so
  does a fork (the child has no watch thread until its next read starts one).

What is cached: ``get`` (a version head) and searches *without* a query (a listing, with or
without a filter). Searches by meaning and ``list_namespaces`` always go to the server, and so
do answers that hold an item with an expiry (a TTL could end or be refreshed by the read).
Answers are kept as ``marshal`` bytes and decoded on each hit, so callers never share (and
cannot corrupt) a cached object. At most :data:`MAX_ENTRIES` answers are kept, least recently
used first out.
"""

from __future__ import annotations

import functools
import json
import logging
import marshal
import os
import threading
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from aionis_sdk import AionisClient

from ._calls import Call
from ._encoding import is_version_slots, parse_time

__all__ = ["MAX_ENTRIES", "MISS", "RETRY_S", "WAIT_MS", "ReadCache"]

log = logging.getLogger("aionis_langgraph.store.cache")

MISS: Any = object()
MAX_ENTRIES = 10_000
WAIT_MS = 10_000  # how long one watch waits on the server for a change
RETRY_S = 0.5  # after a failed watch
LOG_KEPT = 4096  # changes remembered to judge answers that were in flight meanwhile


@dataclass(frozen=True, slots=True)
class _Entry:
    blob: bytes
    now: datetime | None  # ext_search: the store clock the answer was computed at
    versions: frozenset[str]  # client_ids of the versions in the answer
    items: frozenset[str] = frozenset()  # ext_heads: the items asked about
    prefix: tuple[str, ...] | None = None  # ext_search: the namespace prefix


@dataclass(slots=True)
class Slot:
    """One call through :meth:`ReadCache.around`: the cached answer, else the caller's."""

    response: Any = MISS
    key: str | None = None
    generation: int = 0


# (item, namespace, client_id of the version; None: "changed, version unknown")
Seen = tuple[str, tuple[str, ...], str | None]


def _holds(entry: _Entry, client_id: str | None) -> bool:
    return client_id is not None and client_id in entry.versions


def _key(call: Call) -> str | None:
    """The cache key of a call that may be answered from the cache (None: never)."""
    if call.name == "ext_heads":
        return "h" + json.dumps(call.kwargs["items"])
    if call.name == "ext_search":
        kwargs = call.kwargs
        if kwargs.get("query_text") is not None or kwargs.get("query_embedding") is not None:
            return None
        rest = {k: v for k, v in kwargs.items() if k != "now"}
        return "s" + json.dumps(rest, sort_keys=True, default=str)
    return None


def _now(call: Call) -> datetime:
    """The store clock an ``ext_search`` is evaluated at (a cached answer serves no earlier
    one: an item expired then may not be yet)."""
    now = call.kwargs.get("now")
    return parse_time(now) if isinstance(now, str) else datetime.min.replace(tzinfo=timezone.utc)


def _expires(version: Any) -> bool:
    slots = version.get("slots") if isinstance(version, Mapping) else None
    return isinstance(slots, Mapping) and bool(slots.get("expires_at"))


def _cacheable(call: Call, response: Any) -> bool:
    """Whether an answer holds no item with an expiry (see the module docstring)."""
    if not isinstance(response, Mapping):
        return False
    if call.name == "ext_heads":
        return not any(_expires(head) for head in response.get("heads") or [])
    return not any(_expires(entry.get("version")) for entry in response.get("items") or [])


def _encoded(response: Any) -> bytes | None:
    """The answer as ``marshal`` bytes (None: not plain JSON-like data, so not kept)."""
    try:
        return marshal.dumps(response)
    except ValueError:
        return None


def _seen(slots: Any, client_id: Any) -> Seen | None:
    """A version's item, namespace and client_id, if its slots are a store version's."""
    if not is_version_slots(slots):
        return None
    item, ns = slots.get("item"), slots.get("ns")
    if not isinstance(item, str) or not isinstance(ns, (list, tuple)):
        return None
    return (
        item,
        tuple(str(label) for label in ns),
        client_id if isinstance(client_id, str) else None,
    )


def _versions(call: Call, response: Mapping[str, Any]) -> list[Seen]:
    """The versions an ``ext_heads`` or ``ext_search`` answer holds."""
    nodes: list[Any]
    if call.name == "ext_heads":
        nodes = list(response.get("heads") or [])
    else:
        nodes = [e.get("version") for e in response.get("items") or [] if isinstance(e, Mapping)]
    out: list[Seen] = []
    for node in nodes:
        if isinstance(node, Mapping):
            seen = _seen(node.get("slots"), node.get("client_id"))
            if seen is not None:
                out.append(seen)
    return out


def _written(call: Call) -> list[Seen] | None:
    """The versions a ``write`` call stores, version unknown (None: cannot tell)."""
    out: list[Seen] = []
    for node in call.kwargs.get("nodes") or []:
        slots = node.get("slots") if isinstance(node, Mapping) else None
        if not is_version_slots(slots):
            continue
        seen = _seen(slots, None)
        if seen is None:
            return None
        out.append((seen[0], seen[1], None))
    return out


def _forked(ref: weakref.ref[ReadCache]) -> None:
    cache = ref()
    if cache is not None:
        cache._after_fork()


class ReadCache:
    """The cache of one store: entries, the watch thread, and the driver hook :meth:`around`."""

    def __init__(self, client: AionisClient, *, closed: Callable[[], bool] | None = None) -> None:
        self._client = client
        # Whether the store's own client is closed (default: the watch client's pool is):
        # then the watch thread stops by itself.
        self._closed = closed if closed is not None else (lambda: client.is_closed)
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        # Which entries a change can touch: gets by item, listings by namespace prefix.
        self._by_item: dict[str, set[str]] = {}
        self._by_prefix: dict[tuple[str, ...], set[str]] = {}
        # Every change applied gets a generation number and stays in ``_log`` for a while; an
        # answer is kept only if no change applied while it was in flight could make it stale
        # (see :meth:`_current`). ``_floor``: answers sent before it are never kept (the
        # cache was emptied, or the log no longer reaches back to them).
        self._generation = 0
        self._floor = 0
        self._log: deque[tuple[int, Seen]] = deque()
        self._live = False  # a watch has answered and none has failed since
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None  # the process the watch thread runs in
        self.hits = 0
        self.misses = 0

    # -- the watch thread ---------------------------------------------------------

    def start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            if self._pid is None:  # first start: a forked child must not trust this memory
                os.register_at_fork(after_in_child=functools.partial(_forked, weakref.ref(self)))
            self._pid = os.getpid()
            self._thread = threading.Thread(
                target=self._watch, name="aionis-store-read-cache", daemon=True
            )
            self._thread.start()

    def _after_fork(self) -> None:
        """In a forked child: the watch thread did not come along, so nothing cached can be
        trusted; start over (the watch starts again on the next read)."""
        self._lock = threading.Lock()  # another thread may have held it at the fork
        stopped, self._stop = self._stop.is_set(), threading.Event()
        if stopped:
            self._stop.set()
        self._thread = None
        self._drop_all(live=False)

    def close(self) -> None:
        """Stop the watch thread (within one watch wait) and forget every entry."""
        self._stop.set()
        self._drop_all(live=False)

    @property
    def size(self) -> int:
        return len(self._entries)

    @property
    def live(self) -> bool:
        """Whether reads are being answered from the cache now."""
        return self._live

    def _watch(self) -> None:
        after: int | None = None
        epoch: str | None = None
        while not self._stop.is_set():
            if self._closed():
                self.close()
                return
            try:
                answer = self._client.ext_store.watch(after=after, epoch=epoch, timeout_ms=WAIT_MS)
            except Exception as exc:  # the server is away: read through until it is back
                if self._closed():  # the store's client was closed: nothing to watch
                    self.close()
                    return
                if self._live:
                    log.warning("store read cache off until the watch works again: %s", exc)
                self._drop_all(live=False)
                after = epoch = None
                self._stop.wait(RETRY_S)
                continue
            if self._stop.is_set():
                return
            if after is None or answer.reset or answer.epoch != epoch:
                self._drop_all(live=True)
            else:
                changes = [(ch.item, tuple(ch.namespace), ch.version) for ch in answer.changes]
                with self._lock:
                    self._drop_stale(changes)
            after, epoch = answer.position, answer.epoch

    # -- entries (call with the lock held) ----------------------------------------

    def _drop_all(self, *, live: bool) -> None:
        with self._lock:
            self._entries.clear()
            self._by_item.clear()
            self._by_prefix.clear()
            self._generation += 1
            self._floor = self._generation
            self._log.clear()
            self._live = live and not self._stop.is_set()

    def _add(self, key: str, entry: _Entry) -> None:
        self._remove(key)
        self._entries[key] = entry
        for item in entry.items:
            self._by_item.setdefault(item, set()).add(key)
        if entry.prefix is not None:
            self._by_prefix.setdefault(entry.prefix, set()).add(key)
        while len(self._entries) > MAX_ENTRIES:
            self._remove(next(iter(self._entries)))

    def _remove(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        for item in entry.items:
            keys = self._by_item.get(item)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_item[item]
        if entry.prefix is not None:
            keys = self._by_prefix.get(entry.prefix)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_prefix[entry.prefix]

    def _drop_stale(self, seen: Sequence[Seen]) -> None:
        """Apply changes: drop the entries that may answer differently now that these
        versions exist (a get of the item, a listing whose prefix covers its namespace),
        unless the entry holds that very version (``None``: unknown, so every such entry)."""
        for change in seen:
            item, ns, client_id = change
            self._generation += 1
            if len(self._log) >= LOG_KEPT:
                self._floor = self._log.popleft()[0]
            self._log.append((self._generation, change))
            keys = set(self._by_item.get(item, ()))
            for depth in range(len(ns) + 1):
                keys.update(self._by_prefix.get(ns[:depth], ()))
            for key in keys:
                entry = self._entries.get(key)
                if entry is not None and not _holds(entry, client_id):
                    self._remove(key)

    def _current(self, sent_at: int, entry: _Entry) -> bool:
        """Whether an answer requested at generation ``sent_at`` is still current: no change
        applied since touches it, or each one that does is a version it holds."""
        if sent_at < self._floor:
            return False
        for generation, (item, ns, client_id) in reversed(self._log):
            if generation <= sent_at:
                break
            touches = item in entry.items or (
                entry.prefix is not None and ns[: len(entry.prefix)] == entry.prefix
            )
            if touches and not _holds(entry, client_id):
                return False
        return True

    # -- the driver hook ----------------------------------------------------------

    @contextmanager
    def around(self, call: Call) -> Iterator[Slot]:
        """Wrap one call of a plan: ``slot.response`` is the cached answer on a hit; else the
        caller sets it to the server's, which is kept if it may be. A ``write`` drops what it
        makes stale when it returns or fails."""
        if self._thread is None and self._pid is not None and not self._stop.is_set():
            self.start()  # in a forked child
        slot = Slot(key=_key(call))
        entry: _Entry | None = None
        if slot.key is not None:
            with self._lock:
                entry = self._entries.get(slot.key) if self._live else None
                if entry is not None and (entry.now is None or _now(call) >= entry.now):
                    self._entries.move_to_end(slot.key)
                    self.hits += 1
                else:
                    entry = None
                    self.misses += 1
                slot.generation = self._generation
            if entry is not None:
                slot.response = marshal.loads(entry.blob)
                yield slot
                return
        try:
            yield slot
        finally:
            if call.name == "write":
                written = _written(call)
                if written is None:
                    self._drop_all(live=self._live)
                else:
                    with self._lock:
                        self._drop_stale(written)
        if slot.key is not None and isinstance(slot.response, Mapping):
            self._learn(call, slot)

    def _learn(self, call: Call, slot: Slot) -> None:
        """A fresh answer: entries holding other versions of its items go (so this store
        never answers with an older version of an item than one it has read), and the answer
        is kept if it holds no expiring item and no change applied while it was out makes it
        stale."""
        assert slot.key is not None
        response: Mapping[str, Any] = slot.response
        versions = _versions(call, response)
        entry: _Entry | None = None
        blob = _encoded(response) if _cacheable(call, response) else None
        if blob is not None:
            cids = frozenset(cid for _, _, cid in versions if cid is not None)
            if call.name == "ext_heads":
                entry = _Entry(blob, None, cids, items=frozenset(call.kwargs["items"]))
            else:
                prefix = tuple(call.kwargs.get("namespace_prefix") or ())
                entry = _Entry(blob, _now(call), cids, prefix=prefix)
        with self._lock:
            keep = entry is not None and self._live and self._current(slot.generation, entry)
            self._drop_stale(versions)  # answers in flight with older versions will not be kept
            if keep and entry is not None:
                self._add(slot.key, entry)
