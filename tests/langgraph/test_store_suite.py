"""The shared store suite (``store_suite``) against InMemoryStore and AionisStore."""

from __future__ import annotations

import asyncio
from datetime import timezone

import pytest
from langgraph.store.base import GetOp, InvalidNamespaceError, PutOp, SearchOp
from store_suite import StoreFactory, amake_store, flavour, make_store, server_url

__all__ = ["amake_store", "flavour", "make_store", "server_url"]  # fixtures used below


def test_put_get_roundtrip(make_store: StoreFactory) -> None:
    store = make_store()
    store.put(("users", "alice"), "prefs", {"theme": "dark", "size": 3, "tags": ["a", "b"]})
    item = store.get(("users", "alice"), "prefs")
    assert item is not None
    assert item.namespace == ("users", "alice")
    assert item.key == "prefs"
    assert item.value == {"theme": "dark", "size": 3, "tags": ["a", "b"]}
    assert item.created_at.tzinfo is not None
    assert item.updated_at.tzinfo is not None
    assert item.created_at <= item.updated_at
    assert store.get(("users", "alice"), "missing") is None
    assert store.get(("users", "bob"), "prefs") is None


def test_overwrite_latest_wins(make_store: StoreFactory, flavour: str) -> None:
    store = make_store()
    store.put(("n",), "k", {"v": 1})
    first = store.get(("n",), "k")
    store.put(("n",), "k", {"v": 2})
    store.put(("n",), "k", {"v": 3})
    item = store.get(("n",), "k")
    assert first is not None
    assert item is not None
    assert item.value == {"v": 3}
    assert item.updated_at >= first.updated_at
    if flavour != "memory":  # InMemoryStore resets created_at on every put; SQL stores keep it
        assert item.created_at == first.created_at
    assert [i.value for i in store.search(("n",))] == [{"v": 3}]


def test_delete_is_a_tombstone(make_store: StoreFactory) -> None:
    store = make_store()
    store.put(("n",), "k", {"v": 1})
    store.put(("n",), "other", {"v": 2})
    store.delete(("n",), "k")
    assert store.get(("n",), "k") is None
    assert [i.key for i in store.search(("n",))] == ["other"]
    store.delete(("n",), "never-existed")  # no error
    store.put(("n",), "k", {"v": 9})
    item = store.get(("n",), "k")
    assert item is not None
    assert item.value == {"v": 9}


@pytest.mark.parametrize(
    "namespace",
    [(), ("a", "b.c"), ("a", ""), ("langgraph", "x")],
    ids=["empty", "dot", "blank", "root"],
)
async def test_invalid_namespaces(make_store: StoreFactory, namespace: tuple[str, ...]) -> None:
    store = make_store()
    with pytest.raises(InvalidNamespaceError):
        store.put(namespace, "k", {"v": 1})
    with pytest.raises(InvalidNamespaceError):
        await store.aput(namespace, "k", {"v": 1})


def test_langgraph_label_allowed_below_root(make_store: StoreFactory) -> None:
    store = make_store()
    store.put(("x", "langgraph"), "k", {"v": 1})
    assert store.search(("x", "langgraph"))[0].value == {"v": 1}


NAMESPACES = [
    ("org", "team1", "alice"),
    ("org", "team1", "bob", "drafts"),
    ("org", "team1", "bob", "sent"),
    ("org", "team2", "carol"),
    ("org", "team2", "alice"),
    ("lab", "team1", "alice"),
    ("solo",),
]


def _fill(store: object, namespaces: list[tuple[str, ...]]) -> None:
    for i, ns in enumerate(namespaces):
        store.put(ns, f"k{i}", {"i": i})  # type: ignore[attr-defined]


def test_list_namespaces_prefix_suffix(make_store: StoreFactory) -> None:
    store = make_store()
    _fill(store, NAMESPACES)
    assert store.list_namespaces(prefix=("org", "team1")) == sorted(NAMESPACES[:3])
    assert store.list_namespaces(suffix=("alice",)) == sorted(
        [NAMESPACES[0], NAMESPACES[4], NAMESPACES[5]]
    )
    assert store.list_namespaces(prefix=("org",), suffix=("alice",)) == sorted(
        [NAMESPACES[0], NAMESPACES[4]]
    )
    assert store.list_namespaces(prefix=("nothing",)) == []
    assert store.list_namespaces() == sorted(NAMESPACES)


def test_list_namespaces_wildcards(make_store: StoreFactory) -> None:
    store = make_store()
    _fill(store, NAMESPACES)
    assert store.list_namespaces(prefix=("*", "team1", "alice")) == sorted(
        [NAMESPACES[0], NAMESPACES[5]]
    )
    assert store.list_namespaces(suffix=("team2", "*")) == sorted(NAMESPACES[3:5])
    assert store.list_namespaces(prefix=("org", "*"), suffix=("*", "sent")) == [NAMESPACES[2]]
    assert store.list_namespaces(prefix=("*", "nobody")) == []


def test_list_namespaces_max_depth_and_paging(make_store: StoreFactory) -> None:
    store = make_store()
    _fill(store, NAMESPACES)
    assert store.list_namespaces(max_depth=2) == [
        ("lab", "team1"),
        ("org", "team1"),
        ("org", "team2"),
        ("solo",),
    ]
    assert store.list_namespaces(prefix=("org", "team1"), max_depth=3) == [
        ("org", "team1", "alice"),
        ("org", "team1", "bob"),
    ]
    every = store.list_namespaces()
    pages = [store.list_namespaces(limit=3, offset=o) for o in (0, 3, 6)]
    assert [ns for page in pages for ns in page] == every
    assert store.list_namespaces(limit=2, offset=6) == every[6:]


def test_list_namespaces_after_delete(make_store: StoreFactory, flavour: str) -> None:
    store = make_store()
    assert store.list_namespaces() == []
    store.put(("a", "b"), "k", {"v": 1})
    store.put(("a", "c"), "k", {"v": 1})
    store.delete(("a", "b"), "k")
    # InMemoryStore keeps a namespace whose last item was deleted (an empty dict stays behind);
    # SQL stores and AionisStore list only namespaces that hold items.
    expected = [("a", "b"), ("a", "c")] if flavour == "memory" else [("a", "c")]
    assert store.list_namespaces() == expected


def test_search_by_prefix(make_store: StoreFactory) -> None:
    store = make_store()
    _fill(store, NAMESPACES)
    keys = lambda prefix: sorted(i.key for i in store.search(prefix, limit=50))  # noqa: E731
    assert keys(("org",)) == ["k0", "k1", "k2", "k3", "k4"]
    assert keys(("org", "team1", "bob")) == ["k1", "k2"]
    assert keys(("org", "team1", "bob", "sent")) == ["k2"]
    assert keys(()) == [f"k{i}" for i in range(7)]
    assert keys(("org", "team")) == []  # labels match whole, not as string prefixes


DOCS = [
    ("d1", {"kind": "fruit", "color": "red", "price": 4.5, "meta": {"origin": "es", "n": 1}}),
    ("d2", {"kind": "car", "color": "red", "price": 3.0, "meta": {"origin": "de", "n": 2}}),
    ("d3", {"kind": "fruit", "color": "green", "price": 4.0, "tags": ["x", "y"]}),
    ("d4", {"kind": "car", "color": "blue", "price": 3.5, "tags": ["x"]}),
    ("d5", {"kind": "boat", "color": None, "price": 10}),
]


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        ({"color": "red"}, ["d1", "d2"]),
        ({"color": {"$eq": "red"}}, ["d1", "d2"]),
        ({"color": {"$ne": "red"}}, ["d3", "d4", "d5"]),
        ({"price": {"$gt": 3.5}}, ["d1", "d3", "d5"]),
        ({"price": {"$gte": 3.5}}, ["d1", "d3", "d4", "d5"]),
        ({"price": {"$lt": 3.5}}, ["d2"]),
        ({"price": {"$lte": 4.0, "$gt": 3.0}}, ["d3", "d4"]),
        ({"kind": "fruit", "price": {"$gte": 4.5}}, ["d1"]),
        ({"meta": {"origin": "de"}}, ["d2"]),
        ({"tags": ["x", "y"]}, ["d3"]),
        ({"tags": ["x"]}, ["d4"]),
        ({"color": None}, ["d5"]),
        ({"missing": "x"}, []),
    ],
)
def test_search_filters(
    make_store: StoreFactory, filter_: dict[str, object], expected: list[str]
) -> None:
    store = make_store()
    for key, value in DOCS:
        store.put(("docs",), key, value)
    store.put(("elsewhere",), "d9", {"color": "red"})
    found = store.search(("docs",), filter=filter_, limit=20)
    assert sorted(i.key for i in found) == expected
    assert all(i.score is None for i in found)


def test_search_paging_without_query(make_store: StoreFactory) -> None:
    store = make_store()
    for i in range(13):
        store.put(("p",), f"k{i:02d}", {"i": i, "even": i % 2 == 0})
    pages = [store.search(("p",), limit=5, offset=o) for o in (0, 5, 10)]
    assert [len(p) for p in pages] == [5, 5, 3]
    keys = [i.key for p in pages for i in p]
    assert sorted(keys) == [f"k{i:02d}" for i in range(13)]
    evens = store.search(("p",), filter={"even": True}, limit=3, offset=3)
    assert len(evens) == 3
    assert all(i.value["even"] for i in evens)
    assert store.search(("p",), limit=5, offset=13) == []


TEXTS = [
    ("t1", "zany zebra Xerxes gallops"),
    ("t2", "something about dogs and puppies"),
    ("t3", "text about birds and feathers"),
    ("t4", "python testing with pytest fixtures"),
]


def _ranked(store: object, query: str, **kw: object) -> list[tuple[str, float | None]]:
    found = store.search(("t",), query=query, **kw)  # type: ignore[attr-defined]
    return [(i.key, i.score) for i in found]


def test_search_by_meaning(make_store: StoreFactory) -> None:
    store = make_store(fields=["text"])
    for key, text in TEXTS:
        store.put(("t",), key, {"text": text})
    ranked = _ranked(store, "pytest fixtures for python tests")
    assert ranked[0][0] == "t4"
    scores = [s for _, s in ranked]
    assert all(s is not None for s in scores)
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]
    assert _ranked(store, "puppies")[0][0] == "t2"


def test_search_by_meaning_update_and_index_false(make_store: StoreFactory) -> None:
    store = make_store(fields=["text"])
    for key, text in TEXTS[:3]:
        store.put(("t",), key, {"text": text})
    before = dict(_ranked(store, "zany Xerxes"))
    assert _ranked(store, "zany Xerxes")[0][0] == "t1"
    store.put(("t",), "t1", {"text": "new text about dogs"})
    after = dict(_ranked(store, "zany Xerxes"))
    assert (after["t1"] or 0.0) < (before["t1"] or 0.0)
    store.put(("t",), "t5", {"text": "new text about dogs"}, index=False)
    top = _ranked(store, "new text about dogs", limit=3)
    assert "t5" not in [k for k, _ in top]
    everything = _ranked(store, "new text about dogs", limit=10)
    assert ("t5", None) in everything  # unindexed items follow, unscored


def test_search_by_meaning_per_put_fields(make_store: StoreFactory) -> None:
    store = make_store(fields=["title"])
    store.put(("t",), "a", {"title": "gardening", "body": "quantum chromodynamics"})
    store.put(("t",), "b", {"title": "physics", "body": "tomatoes"}, index=["body"])
    store.put(("t",), "c", {"items": [{"x": "volcano"}, {"x": "lava"}]}, index=["items[*].x"])
    assert _ranked(store, "quantum chromodynamics")[0][0] != "a"
    assert _ranked(store, "tomatoes")[0][0] == "b"
    assert _ranked(store, "lava")[0][0] == "c"


def test_search_by_meaning_with_filters(make_store: StoreFactory) -> None:
    store = make_store(fields=["text"])
    docs = [
        ("r1", {"text": "red apple", "color": "red", "score": 4.5}),
        ("r2", {"text": "red car", "color": "red", "score": 3.0}),
        ("r3", {"text": "green apple", "color": "green", "score": 4.0}),
        ("r4", {"text": "blue car", "color": "blue", "score": 3.5}),
    ]
    for key, value in docs:
        store.put(("t",), key, value)
    assert [k for k, _ in _ranked(store, "apple", filter={"color": "red"})] == ["r1", "r2"]
    assert [k for k, _ in _ranked(store, "car", filter={"color": "red"})] == ["r2", "r1"]
    hits = _ranked(store, "blue", filter={"score": {"$gt": 3.2}})
    assert hits[0][0] == "r4"
    assert len(hits) == 3
    assert [
        k for k, _ in _ranked(store, "apple", filter={"score": {"$gte": 4.0}, "color": "green"})
    ] == ["r3"]


def test_search_by_meaning_paging_and_edge_queries(make_store: StoreFactory) -> None:
    store = make_store(fields=["text"])
    for i in range(5):
        store.put(("t",), f"n{i}", {"text": f"test document number {i}"})
    first = _ranked(store, "test", limit=2)
    second = _ranked(store, "test", limit=2, offset=2)
    assert len(first) == 2
    assert len(second) == 2
    assert not {k for k, _ in first} & {k for k, _ in second}
    assert len(_ranked(store, "test", limit=10)) == 5
    for query in ["", "test " * 100, "test!@#$%^&*()"]:
        assert len(_ranked(store, query, limit=10)) == 5


def test_batch_reads_see_state_before_puts(make_store: StoreFactory) -> None:
    store = make_store()
    store.put(("b",), "k", {"v": 0})
    results = store.batch(
        [
            PutOp(("b",), "k", {"v": 1}),
            GetOp(("b",), "k"),
            PutOp(("b",), "k", {"v": 2}),
            SearchOp(("b",)),
        ]
    )
    got = results[1]
    assert got is not None
    assert got.value == {"v": 0}
    assert [i.value for i in results[3]] == [{"v": 0}]  # type: ignore[union-attr]
    item = store.get(("b",), "k")
    assert item is not None
    assert item.value == {"v": 2}


async def test_async_twins(amake_store: StoreFactory) -> None:
    store = amake_store(fields=["text"])
    await asyncio.gather(
        *(store.aput(("a", f"u{i % 2}"), f"k{i}", {"text": f"note {i}", "i": i}) for i in range(6))
    )
    item = await store.aget(("a", "u0"), "k2")
    assert item is not None
    assert item.value == {"text": "note 2", "i": 2}
    assert item.updated_at.tzinfo == timezone.utc or item.updated_at.utcoffset() is not None
    assert len(await store.asearch(("a",), limit=10)) == 6
    assert sorted(i.key for i in await store.asearch(("a",), filter={"i": {"$gte": 4}})) == [
        "k4",
        "k5",
    ]
    assert await store.alist_namespaces(prefix=("a",)) == [("a", "u0"), ("a", "u1")]
    await store.adelete(("a", "u0"), "k2")
    assert await store.aget(("a", "u0"), "k2") is None
    hits = await store.asearch(("a",), query="note 3", limit=1)
    assert hits[0].key == "k3"
    assert hits[0].score is not None
