"""``AionisStore(read_cache=True)`` against real reference-server processes.

Repeated gets and listings are answered without a request; this store's own writes are read
at once; another process's writes (and deletes) are seen once the server's watch reports
them, and a reader never goes back to an older value; answers holding an expiring item and
searches by meaning always go to the server; when the server goes away the cache is
emptied and reads go through, and what was written meanwhile is read after it comes back.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from aionis_langgraph.store import AionisStore
from aionis_sdk import AionisClient, AsyncAionisClient
from aionis_server.testing import free_port, spawn_server

WATCH = "/v1/ext/store/watch"
AGENT = "cache-test"


def _scope() -> str:
    return "rc-" + uuid.uuid4().hex[:12]


def _until(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def _until_hit(store: AionisStore, read: Callable[[], object]) -> object:
    """Repeat ``read`` until the cache answers it (a watch notice of an earlier write of this
    store may drop an answer once after it was kept)."""
    hits = store.cache_info().hits
    answers = [read()]
    _until(lambda: answers.append(read()) or store.cache_info().hits > hits, "a cache hit")
    return answers[-1]


def _await_live(store: AionisStore) -> None:
    store.batch([])  # the first batch checks /health and starts the watch
    _until(lambda: store.cache_info().live, "the read cache to answer")


@contextmanager
def cached_store(url: str, scope: str, **kwargs: Any) -> Iterator[tuple[AionisStore, list[str]]]:
    """A live cached store and the paths of the requests its reads and writes send (the
    watch's own polls left out)."""
    sent: list[str] = []

    def record(request: httpx.Request) -> None:
        if request.url.path != WATCH:
            sent.append(request.url.path)

    with (
        httpx.Client(event_hooks={"request": [record]}) as http,
        AionisClient(base_url=url, agent_id=AGENT, scope=scope, http_client=http) as client,
    ):
        store = AionisStore(client, read_cache=True, **kwargs)
        try:
            _await_live(store)
            sent.clear()
            yield store, sent
        finally:
            store.close()


@contextmanager
def plain_store(url: str, scope: str) -> Iterator[AionisStore]:
    """Another writer: its own client and connections, as another process would have."""
    with AionisClient(base_url=url, agent_id=AGENT, scope=scope) as client:
        yield AionisStore(client)


def test_repeated_reads_send_no_request(aionis_server_url: str) -> None:
    scope = _scope()
    with cached_store(aionis_server_url, scope) as (store, sent):
        store.put(("users", "u1"), "a", {"v": 1})
        store.put(("users", "u1"), "b", {"v": 2, "g": 1})
        _until(lambda: store.get(("users", "u1"), "a") is not None, "the item")
        first = [store.get(("users", "u1"), "a"), store.search(("users",), limit=5)]
        filtered = store.search(("users",), filter={"g": 1})
        sent.clear()
        again = [store.get(("users", "u1"), "a"), store.search(("users",), limit=5)]
        assert store.search(("users",), filter={"g": 1}) == filtered
        assert again == first
        assert sent == []
        assert store.cache_info().hits >= 3
        # A hit hands out its own copy: changing it changes nothing cached.
        item = store.get(("users", "u1"), "a")
        assert item is not None
        item.value["v"] = 99
        cached = store.get(("users", "u1"), "a")
        assert cached is not None
        assert cached.value == {"v": 1}
        # Other arguments are other answers.
        store.search(("users",), limit=1)
        assert sent == ["/v1/ext/store/search"]


def test_an_answer_read_after_a_write_outlives_the_writes_notice(aionis_server_url: str) -> None:
    """The watch names the newest version of a changed item: an answer that already holds it
    (read after this store's own put) stays when the put's notice comes back."""
    with cached_store(aionis_server_url, _scope()) as (store, sent):
        store.put(("echo",), "k", {"v": 1})
        first = store.search(("echo",))  # read after the put: holds its version
        hits = store.cache_info().hits
        time.sleep(0.3)  # the put's notice comes back from the server meanwhile
        sent.clear()
        assert store.search(("echo",)) == first
        assert sent == []
        assert store.cache_info().hits == hits + 1


def test_own_writes_are_read_at_once(aionis_server_url: str) -> None:
    with cached_store(aionis_server_url, _scope()) as (store, _):
        for n in range(15):
            assert [i.value for i in store.search(("n",))] == ([{"v": n - 1}] if n else [])
            store.put(("n",), "k", {"v": n})
            got = store.get(("n",), "k")
            assert got is not None
            assert got.value == {"v": n}
            assert [i.value for i in store.search(("n",))] == [{"v": n}]
            store.delete(("n",), "k")
            assert store.get(("n",), "k") is None
            assert store.search(("n",)) == []
            store.put(("n",), "k", {"v": n})


def test_another_writers_changes_are_seen(aionis_server_url: str) -> None:
    scope = _scope()
    with (
        cached_store(aionis_server_url, scope) as (store, _),
        plain_store(aionis_server_url, scope) as other,
    ):
        assert store.search(("team",)) == []
        assert store.get(("team",), "k") is None
        assert store.search(("team",)) == []  # cached now
        other.put(("team", "deep"), "k2", {"v": 1})  # under the cached prefix
        _until(lambda: [i.key for i in store.search(("team",))] == ["k2"], "the new item")
        other.put(("team",), "k", {"v": 2})
        _until(lambda: store.get(("team",), "k") is not None, "the put")
        other.delete(("team",), "k")
        _until(lambda: store.get(("team",), "k") is None, "the delete")
        assert [i.key for i in store.search(("team",))] == ["k2"]


def test_a_reader_never_goes_back_to_an_older_value(aionis_server_url: str) -> None:
    scope = _scope()
    last = 40
    with (
        cached_store(aionis_server_url, scope) as (store, _),
        plain_store(aionis_server_url, scope) as other,
    ):
        other.put(("race",), "k", {"v": 0})
        errors: list[BaseException] = []

        def write() -> None:
            try:
                for n in range(1, last + 1):
                    other.put(("race",), "k", {"v": n})
            except BaseException as exc:
                errors.append(exc)

        writer = threading.Thread(target=write)
        writer.start()
        seen = [0]
        while writer.is_alive() or seen[-1] != last:
            item = store.get(("race",), "k")
            listed = store.search(("race",))
            assert item is not None
            assert listed
            for value in (item.value["v"], listed[0].value["v"]):
                assert value >= seen[-1], f"went back from {seen[-1]} to {value}"
                seen.append(value)
            assert not errors
            if not writer.is_alive():
                _until(lambda: store.get(("race",), "k").value["v"] == last, "the last put")  # type: ignore[union-attr]
                break
        writer.join()
        assert not errors
        assert len(set(seen)) > 2  # the reader did see the writes go by


def test_expiring_items_and_search_by_meaning_always_ask_the_server(
    aionis_server_url: str,
) -> None:
    with cached_store(aionis_server_url, _scope(), ttl={"default_ttl": 10.0}) as (store, sent):
        store.put(("t",), "k", {"text": "apples"})
        for _ in range(2):
            assert store.get(("t",), "k") is not None
            assert len(store.search(("t",))) == 1
            assert len(store.search(("t",), query="fruit")) == 1
        reads = [path for path in sent if path != "/v1/memory/write"]
        assert reads.count("/v1/ext/store/search") == 4
        assert store.cache_info().hits == 0


def test_a_listing_is_not_served_for_an_earlier_clock(aionis_server_url: str) -> None:
    """A listing is evaluated at the store's clock (TTLs); one kept at a later time is not an
    answer for an earlier one, where an item expired since could still be live."""
    moments = [datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)]
    with cached_store(aionis_server_url, _scope(), clock=lambda: moments[-1]) as (store, sent):
        store.put(("clock",), "k", {"v": 1})
        _until_hit(store, lambda: store.search(("clock",)))
        sent.clear()
        moments.append(moments[0] + timedelta(minutes=5))
        store.search(("clock",))  # later: the kept answer serves
        assert sent == []
        moments.append(moments[0] - timedelta(minutes=5))
        store.search(("clock",))  # earlier: asks the server
        assert sent == ["/v1/ext/store/search"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")
def test_a_forked_child_does_not_trust_the_parents_cache(aionis_server_url: str) -> None:
    """The watch thread does not survive a fork, so the child forgets what was cached (it
    would never hear of a change) until its next read starts a watch of its own."""
    with cached_store(aionis_server_url, _scope()) as (store, _):
        store.put(("f",), "k", {"v": 1})
        _until_hit(store, lambda: store.get(("f",), "k"))
        assert store.cache_info().size >= 1
        read, write = os.pipe()
        with warnings.catch_warnings():  # 3.12+: "fork() of a multi-threaded process"
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: report and leave at once (no pytest teardown here)
            info = store.cache_info()
            os.write(write, json.dumps([info.live, info.size]).encode())
            os._exit(0)
        os.close(write)
        reported = json.loads(os.read(read, 100))
        os.close(read)
        os.waitpid(pid, 0)
        assert reported == [False, 0]
        assert store.cache_info().live  # the parent's cache goes on


def test_the_cache_needs_the_fast_path() -> None:
    with (
        AionisClient(base_url="http://127.0.0.1:9") as client,
        pytest.raises(ValueError, match="fast path"),
    ):
        AionisStore(client, read_cache=True, fast_path=False)


def test_a_closed_store_reads_through(aionis_server_url: str) -> None:
    with cached_store(aionis_server_url, _scope()) as (store, sent):
        store.put(("c",), "k", {"v": 1})
        store.get(("c",), "k")
        store.close()
        assert store.cache_info().live is False
        sent.clear()
        store.get(("c",), "k")
        store.get(("c",), "k")
        assert sent == ["/v1/ext/store/heads", "/v1/ext/store/heads"]


def test_a_store_outlives_a_server_restart(tmp_path: Path) -> None:
    """One store, one client: the server stops (the cache goes off), another writer puts an
    item while the new server starts, and the store then reads it, not its old answer."""
    db = str(tmp_path / "aionis.db")
    port = free_port()
    scope = _scope()
    url = f"http://127.0.0.1:{port}"
    with ExitStack() as stack:
        with spawn_server(db, port=port) as started:
            assert started == url
            store, _ = stack.enter_context(cached_store(url, scope))
            store.put(("r",), "a", {"v": 1})
            listed = _until_hit(store, lambda: [i.key for i in store.search(("r",))])
            assert listed == ["a"]
        _until(lambda: not store.cache_info().live, "the cache to go off")
        with spawn_server(db, port=port):
            with plain_store(url, scope) as other:
                other.put(("r",), "b", {"v": 2})
            _until(lambda: store.cache_info().live, "the cache to come back", timeout=20)
            assert [i.key for i in store.search(("r",))] == ["b", "a"]


def test_an_async_store_uses_the_cache(aionis_server_url: str) -> None:
    sent: list[str] = []

    async def record(request: httpx.Request) -> None:
        if request.url.path != WATCH:
            sent.append(request.url.path)

    async def main() -> None:
        async with (
            httpx.AsyncClient(event_hooks={"request": [record]}) as http,
            AsyncAionisClient(
                base_url=aionis_server_url, agent_id=AGENT, scope=_scope(), http_client=http
            ) as aclient,
        ):
            store = AionisStore(aclient=aclient, read_cache=True)
            try:
                await store.aput(("a",), "k", {"v": 1})
                deadline = time.monotonic() + 10
                while not store.cache_info().live:
                    assert time.monotonic() < deadline
                    await asyncio.sleep(0.005)
                first = await store.asearch(("a",))
                for _ in range(200):  # until the watch's notice of the put has come by
                    sent.clear()
                    if await store.asearch(("a",)) == first and sent == []:
                        break
                    await asyncio.sleep(0.005)
                assert sent == []
                await store.aput(("a",), "k", {"v": 2})
                got = await store.aget(("a",), "k")
                assert got is not None
                assert got.value == {"v": 2}
            finally:
                store.close()

    asyncio.run(main())


def test_the_watch_is_not_retried_by_the_sdk(aionis_server_url: str) -> None:
    """A failed watch must turn the cache off at once, not after the SDK's retries (while a
    restarted server may already be taking writes): the watch thread retries by itself."""
    with cached_store(aionis_server_url, _scope()) as (store, _):
        cache = store._cache
        assert cache is not None
        assert cache._client.config.retry.max_retries == 0
        assert store._client is not None
        assert store._client.config.retry.max_retries > 0  # the store's own calls keep theirs
