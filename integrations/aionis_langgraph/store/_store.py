"""``AionisStore``: LangGraph's ``BaseStore`` on the append-only Aionis memory."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime, timezone
from typing import Any, Literal, NamedTuple

from langchain_core.embeddings import Embeddings
from langgraph.store.base import (
    BaseStore,
    GetOp,
    IndexConfig,
    ListNamespacesOp,
    Op,
    PutOp,
    Result,
    SearchOp,
    TTLConfig,
    ensure_embeddings,
    validate_op_namespace,
)

from aionis_sdk import AionisClient, AsyncAionisClient

from .._records import Identity, resolve_agent
from ._cache import ReadCache
from ._calls import Plan
from ._drivers import arun, run
from ._encoding import DEFAULT_AGENT_ID, item_id
from ._ext import CAPABILITY, ext_heads
from ._plans import Known, Settings, get_plan, list_namespaces_plan, put_plan
from ._search import search_plan

__all__ = ["DEFAULT_DIM", "AionisStore", "CacheInfo"]

DEFAULT_DIM = 1536  # what to assume when /health advertises no embedding.dim (spec §8.7)
Lane = Literal["private", "shared"]


class CacheInfo(NamedTuple):
    """``AionisStore.cache_info()``: the read cache's counters (as ``functools.lru_cache``)."""

    hits: int
    misses: int
    size: int
    live: bool  # reads are answered from the cache now (the server's watch is working)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _ahead(items: list[str], settings: Settings) -> Plan[Known | None]:
    """With the extension, the heads of several items in one request (None otherwise)."""
    if not settings.ext or len(set(items)) < 2:
        return None
    return (yield from ext_heads(items))


def batch_plan(ops: list[Op], settings: Settings) -> Plan[list[Result]]:
    """Reads see the state before the batch (as in ``InMemoryStore``); then puts apply, the
    last put of a key in the batch winning. With the extension, the heads the gets need are
    fetched in one request, and so are those the puts need (after the reads, which may have
    refreshed a TTL)."""
    results: list[Result] = [None] * len(ops)
    puts: dict[tuple[tuple[str, ...], str], PutOp] = {}
    gets = [item_id(op.namespace, op.key) for op in ops if isinstance(op, GetOp)]
    known = yield from _ahead(gets, settings)
    for i, op in enumerate(ops):
        if isinstance(op, GetOp):
            results[i] = yield from get_plan(op, settings, known)
        elif isinstance(op, SearchOp):
            results[i] = yield from search_plan(op, settings)
        elif isinstance(op, ListNamespacesOp):
            results[i] = yield from list_namespaces_plan(op, settings)
        elif isinstance(op, PutOp):
            puts.pop((op.namespace, op.key), None)
            puts[(op.namespace, op.key)] = op
        else:
            raise ValueError(f"Unknown operation type: {type(op)}")
    known = yield from _ahead([item_id(p.namespace, p.key) for p in puts.values()], settings)
    for put in puts.values():
        yield from put_plan(put, settings, known)
    return results


class AionisStore(BaseStore):
    """A LangGraph long-term memory store whose every put and delete is an Aionis commit.

    Build it from clients (``AionisStore(client)``, ``AionisStore(aclient=...)``, or both), or
    with :meth:`from_url` / :meth:`afrom_url`. ``index`` works as in ``InMemoryStore`` except
    that, without ``embed``, the *server* embeds the indexed text (``dims`` is then the
    server's and is ignored). ``index=None`` indexes the whole value (``fields=["$"]``) with
    server-side embeddings, so ``search(query=...)`` ranks by meaning out of the box; pass
    ``index={"fields": []}`` to index nothing. ``ttl`` is a ``TTLConfig``; expiry is evaluated
    on every read (no sweeper is needed), a refresh on read is a new version (a commit).

    When the server advertises the optional ``ext.store_index`` extension in ``/health``
    (checked once per store), get, search and list_namespaces take one request each through
    it; otherwise (or with ``fast_path=False``) they use the stock API. Results are the same.

    ``read_cache=True`` (needs the extension; ignored without it) answers repeated ``get`` and
    listing ``search`` calls from memory, kept coherent by a background long poll on the
    server: this store reads its own writes at once, other processes' writes one notification
    after their commit (see ``aionis_langgraph.store._cache``). Call :meth:`close` (or use
    :meth:`from_url`) to stop its thread; :meth:`cache_info` gives its counters.
    """

    supports_ttl = True

    def __init__(
        self,
        client: AionisClient | None = None,
        *,
        aclient: AsyncAionisClient | None = None,
        index: IndexConfig | None = None,
        ttl: TTLConfig | None = None,
        agent_id: str | None = None,
        lane: Lane = "private",
        clock: Callable[[], datetime] = _utcnow,
        fast_path: bool = True,
        read_cache: bool = False,
    ) -> None:
        if client is None and aclient is None:
            raise ValueError("AionisStore needs an AionisClient and/or an AsyncAionisClient")
        owner = resolve_agent(agent_id, (client, aclient), DEFAULT_AGENT_ID)
        if owner is not None:
            # Writes are owned by ``owner`` and reads must see them: the clients' own identity
            # (injected by the SDK into every request) is set to the same agent.
            if client is not None and client.config.agent_id != owner:
                client = client.with_options(agent_id=owner)
            if aclient is not None and aclient.config.agent_id != owner:
                aclient = aclient.with_options(agent_id=owner)
        self._client = client
        self._aclient = aclient
        config: dict[str, Any] = dict(index or {"fields": ["$"]})
        self.index_config: IndexConfig | None = IndexConfig(**config)  # type: ignore[typeddict-item]
        embed = config.get("embed")
        self.embeddings: Embeddings | None = ensure_embeddings(embed) if embed else None
        self.ttl_config = ttl
        fields = tuple(config["fields"] if config.get("fields") is not None else ["$"])
        self._settings = Settings(
            indexed=bool(fields),
            fields=fields,
            client_embed=self.embeddings is not None,
            dim=None,
            identity=Identity(agent_id=owner, lane=lane) if owner else None,
            clock=clock,
        )
        # Whether the server's optional ext.store_index is used: decided by the first batch
        # from /health (one request per store), unless ``fast_path=False`` rules it out.
        self._capabilities_checked = not fast_path
        if read_cache and not fast_path:
            raise ValueError("read_cache=True needs the fast path (fast_path=True)")
        self._read_cache_wanted = read_cache
        self._cache: ReadCache | None = None
        self._cache_lock = threading.Lock()
        self._cache_client: AionisClient | None = None  # owned: made for an async-only store

    # -- constructors -------------------------------------------------------------

    @classmethod
    @contextmanager
    def from_url(
        cls,
        base_url: str | None = None,
        *,
        index: IndexConfig | None = None,
        ttl: TTLConfig | None = None,
        agent_id: str = DEFAULT_AGENT_ID,
        lane: Lane = "private",
        read_cache: bool = False,
        **client_options: Any,
    ) -> Iterator[AionisStore]:
        """A store over a new sync client (async methods run it in a worker thread)."""
        with AionisClient(base_url=base_url, agent_id=agent_id, **client_options) as client:
            store = cls(client, index=index, ttl=ttl, lane=lane, read_cache=read_cache)
            try:
                yield store
            finally:
                store.close()

    @classmethod
    @asynccontextmanager
    async def afrom_url(
        cls,
        base_url: str | None = None,
        *,
        index: IndexConfig | None = None,
        ttl: TTLConfig | None = None,
        agent_id: str = DEFAULT_AGENT_ID,
        lane: Lane = "private",
        read_cache: bool = False,
        **client_options: Any,
    ) -> AsyncIterator[AionisStore]:
        """A store over new async and sync clients (so sync graph calls work too)."""
        async with AsyncAionisClient(
            base_url=base_url, agent_id=agent_id, **client_options
        ) as aclient:
            with AionisClient(base_url=base_url, agent_id=agent_id, **client_options) as client:
                store = cls(
                    client, aclient=aclient, index=index, ttl=ttl, lane=lane, read_cache=read_cache
                )
                try:
                    yield store
                finally:
                    store.close()

    # -- batch --------------------------------------------------------------------

    def _settings_with_dim(self, dim: int | None) -> Settings:
        if dim is not None and self._settings.dim != dim:
            self._settings = dataclasses.replace(self._settings, dim=dim)
        return self._settings

    def _needs_health(self) -> bool:
        return not self._capabilities_checked or (
            self._settings.client_embed and self._settings.dim is None
        )

    def _settings_from(self, health: Any) -> Settings:
        """Settings after the one /health check: the extension (if advertised) and the dim."""
        if not self._capabilities_checked:
            has = getattr(health, "has_capability", None)
            ext = bool(has(CAPABILITY)) if callable(has) else False
            self._settings = dataclasses.replace(self._settings, ext=ext)
            self._capabilities_checked = True
        dim = self._dim_of(health) if self._settings.client_embed else None
        return self._settings_with_dim(dim)

    def _read_cache(self) -> ReadCache | None:
        """The read cache, started on the first batch that knows the extension is there."""
        if self._cache is not None or not (self._read_cache_wanted and self._settings.ext):
            return self._cache
        with self._cache_lock:
            if self._cache is None:
                # The watch shares the sync client's connection pool (and so its transport
                # settings); an async-only store gets a sync client of the same configuration,
                # and its watch stops once the async client is closed. No SDK retries: a
                # failed watch turns the cache off at once (the watch thread retries itself).
                if self._client is not None:
                    cache = ReadCache(self._client.with_options(max_retries=0))
                else:
                    assert self._aclient is not None
                    aclient, config = self._aclient, self._aclient.config
                    fields = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
                    self._cache_client = AionisClient(**fields, max_retries=0)
                    cache = ReadCache(self._cache_client, closed=lambda: aclient.is_closed)
                cache.start()
                self._cache = cache
        return self._cache

    def cache_info(self) -> CacheInfo:
        """Hits, misses and size of the read cache, and whether it is answering now (all
        zero and False without ``read_cache=True`` or before the first operation)."""
        cache = self._cache
        if cache is None:
            return CacheInfo(0, 0, 0, False)
        return CacheInfo(cache.hits, cache.misses, cache.size, cache.live)

    def close(self) -> None:
        """Stop the read cache's thread (if any). The clients stay open: they are yours."""
        if self._cache is not None:
            self._cache.close()
        if self._cache_client is not None:
            self._cache_client.close()

    @property
    def uses_fast_path(self) -> bool:
        """Whether this store answers through the server's ``ext.store_index`` (known after
        the first operation; False before)."""
        return self._settings.ext

    @staticmethod
    def _dim_of(health: Any) -> int:
        embedding = getattr(health, "embedding", None)
        dim = getattr(embedding, "dim", None)
        return int(dim) if dim else DEFAULT_DIM

    def _prepare(self, ops: Iterable[Op]) -> list[Op]:
        op_list = list(ops)
        for op in op_list:
            validate_op_namespace(op)
        return op_list

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        op_list = self._prepare(ops)
        if self._client is None:
            raise RuntimeError(
                "this AionisStore was built with only an AsyncAionisClient: use the async "
                "methods (aget, aput, asearch, ...) or also pass a sync AionisClient"
            )
        settings = self._settings
        if self._needs_health():
            settings = self._settings_from(self._client.health())
        plan = batch_plan(op_list, settings)
        return run(self._client, self.embeddings, plan, self._read_cache())

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        op_list = self._prepare(ops)
        if self._aclient is None:
            return await asyncio.to_thread(self.batch, op_list)
        settings = self._settings
        if self._needs_health():
            settings = self._settings_from(await self._aclient.health())
        plan = batch_plan(op_list, settings)
        return await arun(self._aclient, self.embeddings, plan, self._read_cache())
