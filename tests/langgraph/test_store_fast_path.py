"""AionisStore really takes the ``ext.store_index`` fast path when the server has it, and gives
the same answers as the stock-API plans (``fast_path=False``) on the same data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from langgraph.store.base import BaseStore, GetOp, Item, PutOp
from store_suite import fresh_scope, server_mode, server_url

from aionis_langgraph.store import AionisStore
from aionis_sdk import AionisClient

__all__ = ["server_mode", "server_url"]


class Recorder:
    """The paths of every HTTP request a client sends."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, request: httpx.Request) -> None:
        self.paths.append(request.url.path)

    def take(self) -> list[str]:
        out, self.paths = self.paths, []
        return out


@pytest.fixture
def recorded(server_url: str) -> Iterator[tuple[AionisClient, Recorder]]:
    recorder = Recorder()
    with (
        httpx.Client(event_hooks={"request": [recorder]}) as http,
        AionisClient(
            base_url=server_url, agent_id="fp", scope=fresh_scope(), http_client=http
        ) as client,
    ):
        yield client, recorder


def test_one_request_per_read_with_the_extension(
    recorded: tuple[AionisClient, Recorder], server_mode: str
) -> None:
    client, rec = recorded
    store = AionisStore(client, index={"fields": ["text"]})
    store.put(("docs", "a"), "k1", {"text": "red apples", "n": 1})
    assert rec.take()[0] == "/health"  # checked once, by the first batch
    store.put(("docs", "b"), "k2", {"text": "green pears", "n": 2})
    put_paths = rec.take()
    assert "/health" not in put_paths
    assert store.uses_fast_path is (server_mode == "ext")
    store.get(("docs", "a"), "k1")
    get_paths = rec.take()
    store.search(("docs",), filter={"n": {"$gte": 1}})
    search_paths = rec.take()
    store.search(("docs",), query="apples")
    query_paths = rec.take()
    store.list_namespaces(prefix=("docs",))
    ns_paths = rec.take()
    if server_mode == "ext":
        assert put_paths == ["/v1/ext/store/heads", "/v1/memory/write"]
        assert get_paths == ["/v1/ext/store/heads"]
        assert search_paths == ["/v1/ext/store/search"]
        assert query_paths == ["/v1/ext/store/search"]
        assert ns_paths == ["/v1/ext/store/namespaces"]
    else:
        every = put_paths + get_paths + search_paths + query_paths + ns_paths
        assert not [p for p in every if p.startswith("/v1/ext/")]
        assert "/v1/memory/recall_text" in query_paths


def test_a_batch_fetches_the_heads_it_needs_in_one_request(
    recorded: tuple[AionisClient, Recorder], server_mode: str
) -> None:
    client, rec = recorded
    clock = Clock()
    store = AionisStore(client, clock=clock, ttl={"refresh_on_read": True})
    store.put(("b",), "x", {"v": 1}, ttl=10.0)
    store.put(("b",), "y", {"v": 2})
    rec.take()
    results = store.batch(
        [
            GetOp(("b",), "x", refresh_ttl=True),  # a touch: the put of x must follow it
            GetOp(("b",), "y"),
            GetOp(("b",), "x", refresh_ttl=False),  # after the touch: asks again
            GetOp(("b",), "missing"),
            PutOp(("b",), "x", {"v": 3}),
            PutOp(("b",), "z", {"v": 4}),
        ]
    )
    paths = rec.take()
    values = [r.value if isinstance(r, Item) else r for r in results]
    assert values == [{"v": 1}, {"v": 2}, {"v": 1}, None, None, None]
    if server_mode == "ext":
        assert paths.count("/v1/ext/store/heads") == 3  # gets; the repeated get; puts
        assert paths.count("/v1/memory/write") == 3  # the touch and the two puts
        assert [p for p in paths if not p.startswith(("/v1/ext/", "/v1/memory/write"))] == []
    else:
        assert not [p for p in paths if p.startswith("/v1/ext/")]
    x = store.get(("b",), "x", refresh_ttl=False)
    assert x is not None
    assert x.value == {"v": 3}
    assert [i.key for i in store.search(("b",))] == ["z", "x", "y"]
    history = client.memory.find(type="evidence", slots_contains={"ns": ["b"], "key": "x"})
    assert sorted(n.client_id or "" for n in history.nodes)[-1].endswith(":3")


def test_fast_path_false_never_calls_the_extension(
    recorded: tuple[AionisClient, Recorder],
) -> None:
    client, rec = recorded
    store = AionisStore(client, fast_path=False)
    store.put(("n",), "k", {"text": "x"})
    store.get(("n",), "k")
    store.search(("n",), query="x")
    assert store.uses_fast_path is False
    assert not [p for p in rec.take() if p.startswith("/v1/ext/") or p == "/health"]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def _load(store: BaseStore) -> None:
    words = ["apple", "river", "stone", "cloud", "graph", "tiger"]
    for i in range(40):
        ns = ("corpus", f"g{i % 3}") if i % 4 else ("corpus", f"g{i % 3}", "deep")
        value = {"text": f"{words[i % 6]} {words[(i * 5) % 6]} {i}", "i": i, "tag": i % 4}
        store.put(ns, f"k{i}", value, ttl=5.0 if i % 7 == 0 else None)
    for i in range(0, 40, 5):
        store.put(("corpus", f"g{i % 3}"), f"k{i}", {"text": f"rewritten {i}", "i": i, "tag": 9})
    for i in range(1, 40, 9):
        ns = ("corpus", f"g{i % 3}") if i % 4 else ("corpus", f"g{i % 3}", "deep")
        store.delete(ns, f"k{i}")
    store.put(("corpus", "raw"), "noindex", {"text": "apple river"}, index=False)


def _answers(store: BaseStore) -> list[object]:
    """Everything the store says about the corpus (reads do not refresh TTLs: a refresh is a
    write that would reorder the next answers)."""
    out: list[object] = []
    for prefix in [(), ("corpus",), ("corpus", "g1"), ("corpus", "g2", "deep"), ("none",)]:
        for kwargs in [
            {},
            {"filter": {"tag": 9}},
            {"filter": {"i": {"$gt": 10, "$lte": 30}}, "limit": 5, "offset": 2},
            {"query": "apple river"},
            {"query": "tiger stone", "filter": {"tag": {"$ne": 9}}, "limit": 4, "offset": 1},
            {"limit": 100},
        ]:
            hits = store.search(prefix, refresh_ttl=False, **kwargs)  # type: ignore[arg-type]
            out.append([(h.namespace, h.key, h.value, h.score) for h in hits])
    out.append(store.list_namespaces())
    out.append(store.list_namespaces(prefix=("corpus",), max_depth=2))
    out.append(store.list_namespaces(suffix=("deep",), limit=2))
    for i in range(40):
        ns = ("corpus", f"g{i % 3}") if i % 4 else ("corpus", f"g{i % 3}", "deep")
        item = store.get(ns, f"k{i}", refresh_ttl=False)
        out.append(None if item is None else (item.value, item.created_at, item.updated_at))
    return out


TIE = 1e-6  # float32 rounding of a cosine: the two paths may differ by an ulp or two


def _same(a: list[object], b: list[object]) -> None:
    """Equal answers; in a ranking, items whose scores tie to float32 rounding may swap (the
    stock path's cosines come from a BLAS product whose last bit depends on the row's place)."""
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        if isinstance(x, list) and x and isinstance(x[0], tuple) and len(x[0]) == 4:
            assert isinstance(y, list)
            assert len(x) == len(y)
            for i, (one, two) in enumerate(zip(x, y, strict=True)):
                s1, s2 = one[3], two[3]
                assert (s1 is None) == (s2 is None)
                if s1 is None:
                    assert one == two
                    continue
                assert s1 == pytest.approx(s2, abs=TIE)
                near = [t[3] for t in x[max(0, i - 1) : i + 2] if t is not one]
                if not any(n is not None and abs(n - s1) <= TIE for n in near):
                    assert one[:3] == two[:3]  # not part of a tie: the same item
        else:
            assert x == y


def test_fast_path_and_stock_plans_agree(server_url: str, server_mode: str) -> None:
    clock = Clock()
    with AionisClient(base_url=server_url, agent_id="eq", scope=fresh_scope()) as client:
        fast = AionisStore(client, index={"fields": ["text"]}, clock=clock)
        stock = AionisStore(client, index={"fields": ["text"]}, clock=clock, fast_path=False)
        _load(fast)
        before = _answers(stock)
        _same(_answers(fast), before)
        assert fast.uses_fast_path is (server_mode == "ext")
        clock.now += timedelta(minutes=1)
        fast.search(("corpus",), limit=100)  # refreshes the TTL items: new, newest versions
        refreshed = _answers(stock)
        assert refreshed != before
        _same(_answers(fast), refreshed)
        clock.now += timedelta(minutes=6)  # the TTL items expire for both
        expired = _answers(stock)
        assert expired != refreshed
        _same(_answers(fast), expired)


def test_lanes_are_respected_on_both_paths(server_url: str) -> None:
    scope = fresh_scope()
    with (
        AionisClient(base_url=server_url, agent_id="alice", scope=scope) as alice,
        AionisClient(base_url=server_url, agent_id="bob", scope=scope) as bob,
    ):
        AionisStore(alice).put(("p",), "mine", {"text": "alice private"})
        AionisStore(alice, lane="shared").put(("p",), "ours", {"text": "alice shared"})
        AionisStore(bob).put(("p",), "his", {"text": "bob private"})
        seen = []
        for fast_path in (True, False):
            a = AionisStore(alice, fast_path=fast_path)
            b = AionisStore(bob, fast_path=fast_path)
            assert sorted(i.key for i in a.search(("p",))) == ["mine", "ours"]
            assert sorted(i.key for i in b.search(("p",))) == ["his", "ours"]
            assert a.get(("p",), "his") is None
            assert b.get(("p",), "mine") is None
            assert b.get(("p",), "ours") is not None
            assert b.list_namespaces() == [("p",)]
            ranked = [i.key for i in b.search(("p",), query="alice private")]
            assert sorted(ranked) == ["his", "ours"]
            seen.append(ranked)
        assert seen[0] == seen[1]
