"""The store's read cache (``aionis_langgraph.store._cache``) driven step by step, without a
server: which answers are kept, which changes drop them, and the races a real server only
shows now and then (a change applied while an answer is in flight)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from aionis_langgraph.store import _cache
from aionis_langgraph.store._cache import MISS, ReadCache
from aionis_langgraph.store._calls import Call

NOW = "2026-06-01T12:00:00+00:00"


def node(item: str, ns: tuple[str, ...], version: str, **slots: Any) -> dict[str, Any]:
    record = {"family": "store", "kind": "item", "item": item, "ns": list(ns), **slots}
    return {"id": "n-" + version, "client_id": version, "slots": record}


def listing(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"items": [{"version": n, "score": None} for n in nodes], "page": {"returned": 1}}


def search_call(prefix: tuple[str, ...] = ("ns",), now: str = NOW, **extra: Any) -> Call:
    kwargs = {"namespace_prefix": list(prefix), "limit": 10, "offset": 0, "now": now, **extra}
    return Call("ext_search", kwargs)


def heads_call(*items: str) -> Call:
    return Call("ext_heads", {"items": list(items)})


def write_call(item: str, ns: tuple[str, ...]) -> Call:
    slots = {"family": "store", "kind": "item", "item": item, "ns": list(ns)}
    return Call("write", {"nodes": [{"client_id": "w", "slots": slots}]})


@pytest.fixture
def cache() -> Iterator[ReadCache]:
    made = ReadCache(client=None)  # type: ignore[arg-type]  # no watch thread is started
    made._drop_all(live=True)  # as after the first watch answer
    yield made
    made.close()


def ask(cache: ReadCache, call: Call, answer: Any, during: Any = None) -> Any:
    """One call through the cache: the cached answer, else ``answer`` (``during()`` runs
    while the request is "in flight")."""
    with cache.around(call) as slot:
        if slot.response is MISS:
            if during is not None:
                during()
            slot.response = answer
    return slot.response


def cached(cache: ReadCache, call: Call) -> bool:
    hits = cache.hits
    with cache.around(call) as slot:
        if slot.response is MISS:
            slot.response = None  # not kept: not an answer
    return cache.hits == hits + 1


def test_an_answer_is_kept_and_handed_out_as_a_copy(cache: ReadCache) -> None:
    answer = listing(node("x", ("ns",), "v1", value={"a": 1}))
    ask(cache, search_call(), answer)
    first = ask(cache, search_call(), None)
    assert first == answer
    first["items"][0]["version"]["slots"]["value"]["a"] = 2
    assert ask(cache, search_call(), None) == answer
    assert cache.hits == 2


def test_a_change_in_flight_keeps_the_answer_only_if_it_holds_that_version(
    cache: ReadCache,
) -> None:
    older = listing(node("x", ("ns", "a"), "v1"))
    newer = listing(node("x", ("ns", "a"), "v2"))

    def change() -> None:
        with cache._lock:
            cache._drop_stale([("x", ("ns", "a"), "v2")])

    ask(cache, search_call(), older, during=change)
    assert not cached(cache, search_call())
    ask(cache, search_call(("ns", "a")), newer, during=change)
    assert cached(cache, search_call(("ns", "a")))


def test_a_notice_of_a_version_an_answer_holds_keeps_it(cache: ReadCache) -> None:
    ask(cache, search_call(), listing(node("x", ("ns",), "v2")))
    with cache._lock:
        cache._drop_stale([("x", ("ns",), "v2")])  # e.g. this store's own put coming back
    assert cached(cache, search_call())
    with cache._lock:
        cache._drop_stale([("x", ("ns",), "v3")])
    assert not cached(cache, search_call())


def test_a_change_elsewhere_in_flight_does_not_matter(cache: ReadCache) -> None:
    def change() -> None:
        with cache._lock:
            cache._drop_stale([("y", ("other",), None), ("z", ("nsx",), None)])

    ask(cache, search_call(), listing(node("x", ("ns",), "v1")), during=change)
    assert cached(cache, search_call())


def test_a_change_of_unknown_version_drops_every_answer_it_touches(cache: ReadCache) -> None:
    ask(cache, search_call(("ns",)), listing(node("x", ("ns", "a"), "v1")))
    ask(cache, search_call(("ns", "a")), listing(node("x", ("ns", "a"), "v1")))
    ask(cache, search_call(("ns", "b")), listing())
    ask(cache, heads_call("x"), {"heads": [node("x", ("ns", "a"), "v1")]})
    with cache._lock:
        cache._drop_stale([("x", ("ns", "a"), None)])
    assert not cached(cache, search_call(("ns",)))
    assert not cached(cache, search_call(("ns", "a")))
    assert not cached(cache, heads_call("x"))
    assert cached(cache, search_call(("ns", "b")))  # a sibling namespace is not touched


def test_emptying_the_cache_in_flight_keeps_nothing(cache: ReadCache) -> None:
    ask(cache, search_call(), listing(), during=lambda: cache._drop_all(live=True))
    assert not cached(cache, search_call())


def test_own_write_drops_what_it_touches_even_when_it_fails(cache: ReadCache) -> None:
    ask(cache, heads_call("x"), {"heads": [None]})
    ask(cache, search_call(), listing())
    with pytest.raises(RuntimeError), cache.around(write_call("x", ("ns", "a"))):
        raise RuntimeError("the server went away after storing it, maybe")
    assert not cached(cache, heads_call("x"))
    assert not cached(cache, search_call())


def test_a_fresh_answer_drops_cached_answers_with_older_versions(cache: ReadCache) -> None:
    ask(cache, search_call(), listing(node("x", ("ns",), "v1")))
    ask(cache, heads_call("x"), {"heads": [node("x", ("ns",), "v1")]})
    ask(cache, heads_call("y"), {"heads": [node("y", ("ns",), "w1")]})
    ask(cache, heads_call("x", "z"), {"heads": [node("x", ("ns",), "v2"), None]})
    assert not cached(cache, search_call())
    assert not cached(cache, heads_call("x"))
    assert cached(cache, heads_call("y"))
    assert cached(cache, heads_call("x", "z"))


def test_expiring_items_and_queries_are_not_kept(cache: ReadCache) -> None:
    expiring = node("x", ("ns",), "v1", expires_at="2026-06-02T00:00:00+00:00")
    ask(cache, search_call(), listing(expiring))
    assert not cached(cache, search_call())
    ask(cache, heads_call("x"), {"heads": [expiring]})
    assert not cached(cache, heads_call("x"))
    by_meaning = search_call(query_text="fruit")
    ask(cache, by_meaning, listing(node("y", ("ns",), "w1")))
    assert not cached(cache, by_meaning)


def test_a_listing_serves_later_clocks_only(cache: ReadCache) -> None:
    ask(cache, search_call(now=NOW), listing())
    assert cached(cache, search_call(now="2026-06-01T12:00:00.5+00:00"))
    assert cached(cache, search_call(now="2026-06-01T13:00:00Z"))
    assert not cached(cache, search_call(now="2026-06-01T11:59:59.999999+00:00"))


def test_nothing_is_served_or_kept_while_the_watch_is_off(cache: ReadCache) -> None:
    ask(cache, search_call(), listing())
    cache._drop_all(live=False)
    ask(cache, search_call(), listing())
    assert not cached(cache, search_call())
    assert cache.size == 0


def test_the_least_recently_used_answer_goes_first(
    cache: ReadCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_cache, "MAX_ENTRIES", 2)
    ask(cache, search_call(("a",)), listing())
    ask(cache, search_call(("b",)), listing())
    assert cached(cache, search_call(("a",)))  # "a" is now the most recently used
    ask(cache, search_call(("c",)), listing())
    assert cache.size == 2
    assert not cached(cache, search_call(("b",)))
    assert cached(cache, search_call(("a",)))
    assert set(cache._by_prefix) == {("a",), ("c",)}  # the indexes forget "b" too


def test_an_answer_sent_before_the_log_reaches_back_is_not_kept(
    cache: ReadCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_cache, "LOG_KEPT", 3)

    def many_changes_elsewhere() -> None:
        with cache._lock:
            cache._drop_stale([(f"y{n}", ("other",), None) for n in range(5)])

    ask(cache, search_call(), listing(), during=many_changes_elsewhere)
    assert not cached(cache, search_call())  # cannot tell what it missed: not kept
    ask(cache, search_call(), listing())
    assert cached(cache, search_call())


class FakeWatch:
    """A client whose ``ext_store.watch`` follows a script: answers, or exceptions to raise."""

    def __init__(self, script: list[Any]) -> None:
        self.script = script
        self.asked: list[dict[str, Any]] = []
        self.is_closed = False
        self.ext_store = self

    def watch(self, **kwargs: Any) -> Any:
        self.asked.append(kwargs)
        time.sleep(0.002)
        step = self.script.pop(0) if self.script else {"changes": []}
        if isinstance(step, BaseException):
            raise step
        after = kwargs.get("after") or 0
        return SimpleNamespace(
            position=step.get("position", after),
            epoch=step.get("epoch", "e1"),
            reset=step.get("reset", False),
            changes=[SimpleNamespace(item=i, namespace=list(ns), version=v)
                     for i, ns, v in step.get("changes", [])],
        )  # fmt: skip


def _until(check: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.002)


def test_the_watch_thread_applies_changes_and_follows_positions() -> None:
    client = FakeWatch([{"position": 5}, {}, {}])
    cache = ReadCache(client)  # type: ignore[arg-type]
    cache.start()
    try:
        _until(lambda: cache.live)
        ask(cache, search_call(), listing())
        ask(cache, heads_call("x"), {"heads": [None]})
        client.script.append({"position": 7, "changes": [("x", ("elsewhere",), "v1")]})
        _until(lambda: not cached(cache, heads_call("x")))
        assert cached(cache, search_call())  # another namespace: kept
        _until(lambda: any(asked.get("after") == 7 for asked in client.asked))
        assert client.asked[0]["after"] is None  # the first watch asks where things stand
        assert {"after": 5, "epoch": "e1"}.items() <= client.asked[1].items()
    finally:
        cache.close()


def test_a_failing_watch_turns_the_cache_off_until_it_works_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_cache, "RETRY_S", 0.01)
    client = FakeWatch([{"position": 5}])
    cache = ReadCache(client)  # type: ignore[arg-type]
    cache.start()
    try:
        _until(lambda: cache.live)
        ask(cache, search_call(), listing())
        client.script.extend([ConnectionError("server away")] * 3)
        _until(lambda: not cache.live)
        assert cache.size == 0
        _until(lambda: cache.live)  # the script runs out of errors: back, starting over
        assert any(asked["after"] is None for asked in client.asked[2:])
        assert not cached(cache, search_call())
    finally:
        cache.close()


def test_a_reset_or_a_new_epoch_empties_the_cache() -> None:
    client = FakeWatch([{"position": 5}])
    cache = ReadCache(client)  # type: ignore[arg-type]
    cache.start()
    try:
        _until(lambda: cache.live)
        for step in ({"position": 6, "reset": True}, {"position": 1, "epoch": "e2"}):
            ask(cache, search_call(), listing())
            assert cache.size == 1
            client.script.append(step)
            _until(lambda: cache.size == 0)
    finally:
        cache.close()


def test_the_watch_stops_when_the_stores_client_is_closed() -> None:
    closed = [False]
    client = FakeWatch([])
    cache = ReadCache(client, closed=lambda: closed[0])  # type: ignore[arg-type]
    cache.start()
    _until(lambda: cache.live)
    closed[0] = True
    thread = cache._thread
    assert thread is not None
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert not cache.live
