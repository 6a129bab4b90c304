"""The store's read cache (``aionis_langgraph.store._cache``) driven step by step, without a
server: which answers are kept, which changes drop them, and the races a real server only
shows now and then (a change applied while an answer is in flight)."""

from __future__ import annotations

from collections.abc import Iterator
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
