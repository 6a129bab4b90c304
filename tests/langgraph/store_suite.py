"""A reusable BaseStore test suite, parametrised over store factories.

It checks the semantics LangGraph's own store tests check (put/get/delete, namespace
validation, list_namespaces with prefix/suffix/wildcards/max_depth/paging, search by prefix,
filters with operators, paging, search by meaning with scores, batch semantics, async twins),
with data sets of its own. ``test_store_suite.py`` runs it against ``InMemoryStore`` and
``AionisStore`` over a real reference server, so the suite and our store are shown to agree.

The server fixture is parametrised: with the optional ``ext.store_index`` extension (so
AionisStore takes its fast path) and without it (the stock-API plans); both must pass.

Both flavours embed with the reference server's deterministic hashing provider (InMemoryStore
calls it in-process; the server calls it on write), so scores are comparable.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from langgraph.store.base import BaseStore, IndexConfig
from langgraph.store.memory import InMemoryStore

from aionis_langgraph.store import AionisStore
from aionis_sdk import AionisClient, AsyncAionisClient
from aionis_server.embeddings import HashingEmbedder
from aionis_server.testing import serve_in_thread

DIM = 256
# "aionis-cached": AionisStore with its read cache (read_cache=True; on the stock server the
# cache is not available and the store reads through, which the suite checks as well).
FLAVOURS = ["memory", "aionis", "aionis-cached"]

StoreFactory = Callable[..., BaseStore]


def hashing_embed(texts: list[str]) -> list[list[float]]:
    """The reference server's default provider, in-process (for InMemoryStore)."""
    return [[float(x) for x in row] for row in HashingEmbedder(DIM).embed(texts)]


# Every AionisStore test runs twice: against a server with the optional ext.store_index
# extension (the store's fast path) and against one with it switched off (the stock API).
SERVER_MODES = ["ext", "stock"]


@pytest.fixture(scope="session", params=SERVER_MODES)
def server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    with serve_in_thread(embedding_dim=DIM, ext_store_index=request.param == "ext") as url:
        yield url


@pytest.fixture
def server_mode(server_url: str, request: pytest.FixtureRequest) -> str:
    """``"ext"`` or ``"stock"``: which server ``server_url`` is."""
    return str(request.node.callspec.params["server_url"])


def fresh_scope() -> str:
    return "s-" + uuid.uuid4().hex[:16]


def _memory_store(fields: list[str] | None) -> InMemoryStore:
    index: IndexConfig = {"dims": DIM, "embed": hashing_embed, "fields": fields or ["$"]}
    return InMemoryStore(index=index)


def _aionis_index(fields: list[str] | None) -> IndexConfig:
    return {"fields": fields or ["$"]}


def _await_cache(store: AionisStore) -> None:
    """Start a cached store's read cache and wait until it answers (with the extension), so
    the suite's reads exercise it rather than race its start."""
    store.batch([])  # the first batch checks /health and starts the cache's watch
    deadline = time.monotonic() + 10
    while store.uses_fast_path and not store.cache_info().live:
        assert time.monotonic() < deadline, "the read cache did not start"
        time.sleep(0.005)


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_store(flavour: str, server_url: str) -> Iterator[StoreFactory]:
    """``make_store(fields=None, **store_kwargs)``: a fresh, empty store (own scope)."""
    clients: list[AionisClient] = []
    stores: list[AionisStore] = []

    def make(fields: list[str] | None = None, **kwargs: Any) -> BaseStore:
        if flavour == "memory":
            return _memory_store(fields)
        client = AionisClient(base_url=server_url, agent_id="suite", scope=fresh_scope())
        clients.append(client)
        kwargs.setdefault("read_cache", flavour == "aionis-cached")
        stores.append(AionisStore(client, index=_aionis_index(fields), **kwargs))
        if kwargs["read_cache"]:
            _await_cache(stores[-1])
        return stores[-1]

    yield make
    for store in stores:
        store.close()
    for client in clients:
        client.close()


@pytest.fixture
async def amake_store(flavour: str, server_url: str) -> AsyncIterator[StoreFactory]:
    """As ``make_store``, with AionisStore driven by an ``AsyncAionisClient``."""
    aclients: list[AsyncAionisClient] = []
    stores: list[AionisStore] = []

    def make(fields: list[str] | None = None, **kwargs: Any) -> BaseStore:
        if flavour == "memory":
            return _memory_store(fields)
        aclient = AsyncAionisClient(base_url=server_url, agent_id="suite", scope=fresh_scope())
        aclients.append(aclient)
        kwargs.setdefault("read_cache", flavour == "aionis-cached")
        stores.append(AionisStore(aclient=aclient, index=_aionis_index(fields), **kwargs))
        return stores[-1]

    yield make
    for store in stores:
        store.close()
    for aclient in aclients:
        await aclient.aclose()
