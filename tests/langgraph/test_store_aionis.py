"""AionisStore-specific behaviour: TTL, client-side embeddings, history, agreement of scores."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from langgraph.store.base import PutOp
from langgraph.store.memory import InMemoryStore
from store_suite import DIM, fresh_scope, hashing_embed, server_url

from aionis_langgraph.store import AionisStore, verify_namespace
from aionis_sdk import AionisClient
from aionis_server.testing import serve_in_thread

__all__ = ["server_url"]


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def client(server_url: str) -> Iterator[AionisClient]:
    with AionisClient(base_url=server_url, agent_id="tests", scope=fresh_scope()) as c:
        yield c


def test_ttl_expiry_and_refresh_on_read(client: AionisClient) -> None:
    clock = FakeClock()
    store = AionisStore(client, ttl={"default_ttl": 10, "refresh_on_read": True}, clock=clock)
    store.put(("t",), "a", {"v": 1})  # default ttl: 10 minutes
    store.put(("t",), "b", {"v": 2}, ttl=None)  # never expires
    store.put(("t",), "c", {"v": 3}, ttl=1)
    clock.advance(8)
    assert store.get(("t",), "a") is not None  # refreshed: now expires at 18
    assert store.get(("t",), "c") is None  # expired at 1
    clock.advance(8)  # 16
    assert store.get(("t",), "a", refresh_ttl=False) is not None
    clock.advance(3)  # 19 > 18
    assert store.get(("t",), "a") is None
    assert [i.key for i in store.search(("t",))] == ["b"]
    assert store.list_namespaces() == [("t",)]


def test_ttl_refresh_keeps_updated_at_and_search_refreshes(client: AionisClient) -> None:
    clock = FakeClock()
    store = AionisStore(client, ttl={"default_ttl": 5}, clock=clock)
    store.put(("t",), "a", {"v": 1})
    before = store.get(("t",), "a", refresh_ttl=False)
    clock.advance(4)
    assert [i.key for i in store.search(("t",))] == ["a"]  # search refreshes too (default)
    clock.advance(4)
    after = store.get(("t",), "a")
    assert before is not None
    assert after is not None
    assert after.updated_at == before.updated_at  # a refresh is not an update
    clock.advance(6)
    assert store.get(("t",), "a") is None
    store.put(("t",), "a", {"v": 2})
    again = store.get(("t",), "a")
    assert again is not None
    assert again.created_at > before.created_at  # an expired item starts over


def test_ttl_without_config_only_expires_items_given_one(client: AionisClient) -> None:
    clock = FakeClock()
    store = AionisStore(client, clock=clock)
    store.put(("t",), "a", {"v": 1})
    store.put(("t",), "b", {"v": 1}, ttl=0.5)
    clock.advance(60)
    assert store.get(("t",), "a") is not None
    assert store.get(("t",), "b") is None


def test_client_side_embed_is_padded_to_the_server_dimension(client: AionisClient) -> None:
    def small_embed(texts: list[str]) -> list[list[float]]:
        return [row[: DIM // 2] for row in hashing_embed(texts)]

    store = AionisStore(client, index={"dims": DIM // 2, "embed": small_embed, "fields": ["t"]})
    memory = InMemoryStore(index={"dims": DIM // 2, "embed": small_embed, "fields": ["t"]})
    texts = ["red apples and pears", "fast red cars", "slow green tractors", "apple pie"]
    for i, text in enumerate(texts):
        store.put(("e",), f"k{i}", {"t": text})
        memory.put(("e",), f"k{i}", {"t": text})
    ours = [(i.key, i.score) for i in store.search(("e",), query="red apple", limit=4)]
    theirs = [(i.key, i.score) for i in memory.search(("e",), query="red apple", limit=4)]
    assert [k for k, _ in ours] == [k for k, _ in theirs]
    for (_, a), (_, b) in zip(ours, theirs, strict=True):
        assert a == pytest.approx(b, abs=1e-4)


def test_client_side_embed_larger_than_server_dimension_fails_clearly(
    client: AionisClient,
) -> None:
    def big_embed(texts: list[str]) -> list[list[float]]:
        return [[1.0] * (DIM + 1) for _ in texts]

    store = AionisStore(client, index={"dims": DIM + 1, "embed": big_embed})
    with pytest.raises(ValueError, match=r"embedding\.dim"):
        store.put(("e",), "k", {"t": "x"})


def test_scores_agree_with_inmemory_store(client: AionisClient) -> None:
    ours = AionisStore(client, index={"fields": ["text", "tags[*]"]})
    memory = InMemoryStore(
        index={"dims": DIM, "embed": hashing_embed, "fields": ["text", "tags[*]"]}
    )
    docs = {
        "a": {"text": "the cat sat on the mat", "tags": ["pets", "furniture"]},
        "b": {"text": "dogs chase cats", "tags": ["pets"]},
        "c": {"text": "stock markets fell sharply", "tags": ["finance"]},
        "d": {"text": "interest rates and inflation", "tags": ["finance", "economy"]},
    }
    for store in (ours, memory):
        for key, value in docs.items():
            store.put(("docs", "x"), key, value)
    for query in ["cat on a mat", "finance news", "pets"]:
        a = [(i.key, i.score) for i in ours.search(("docs",), query=query)]
        b = [(i.key, i.score) for i in memory.search(("docs",), query=query)]
        assert [k for k, _ in a] == [k for k, _ in b], query
        for (_, x), (_, y) in zip(a, b, strict=True):
            assert x == pytest.approx(y, abs=1e-4)


def test_large_namespace_semantic_search_checks_candidates(client: AionisClient) -> None:
    store = AionisStore(client, index={"fields": ["text"]})
    store.batch([])  # no-op batch
    for i in range(230):  # more than one /find page: the per-candidate path is taken
        store.put(("big",), f"k{i:03d}", {"text": f"filler record number {i}", "i": i})
    store.put(("big",), "target", {"text": "quantum chromodynamics lecture"})
    store.put(("big",), "k005", {"text": "another quantum lecture", "i": 5})
    hits = store.search(("big",), query="quantum chromodynamics", limit=3)
    assert [h.key for h in hits[:2]] == ["target", "k005"]
    assert all(h.score is not None for h in hits[:2])
    assert len(store.search(("big",), query="quantum", filter={"i": {"$gte": 225}}, limit=10)) == 5


# --- point lookups and the head cache ---------------------------------------------------


def test_cold_store_finds_the_head_of_a_long_history(client: AionisClient) -> None:
    writer = AionisStore(client)
    for i in range(13):  # gallop 1, 2, 4, 8, 16 then bisect down to 13
        writer.put(("h",), "k", {"v": i})
    writer.put(("h",), "gone", {"v": 0})
    writer.delete(("h",), "gone")
    reader = AionisStore(client)  # its own, empty head cache
    item = reader.get(("h",), "k")
    assert item is not None
    assert item.value == {"v": 12}
    assert reader.get(("h",), "gone") is None
    assert reader.get(("h",), "never") is None


def test_a_stale_head_cache_never_hides_another_writers_version(client: AionisClient) -> None:
    a, b = AionisStore(client), AionisStore(client)
    a.put(("h",), "k", {"v": 1})
    assert b.get(("h",), "k") is not None  # b caches seq 1
    a.put(("h",), "k", {"v": 2})
    got = b.get(("h",), "k")
    assert got is not None
    assert got.value == {"v": 2}
    b.put(("h",), "k", {"v": 3})
    got = a.get(("h",), "k")
    assert got is not None
    assert got.value == {"v": 3}
    a.delete(("h",), "k")
    assert b.get(("h",), "k") is None
    assert b.search(("h",)) == []


def test_a_lost_race_for_a_seq_reads_the_winner(client: AionisClient) -> None:
    """Two writers put the same seq: the first write is kept, the loser reads the winner."""
    from aionis_langgraph.store._calls import Call
    from aionis_langgraph.store._drivers import _sync_call
    from aionis_langgraph.store._encoding import item_id
    from aionis_langgraph.store._plans import put_plan, version_call

    a, b = AionisStore(client), AionisStore(client)
    a.put(("h",), "k", {"v": "first"})
    assert b.get(("h",), "k") is not None  # b's head: seq 1
    a.put(("h",), "k", {"v": "a wins"})  # seq 2
    # b's put of seq 2 races: it did not see a's seq 2 when it probed.
    plan = put_plan(PutOp(("h",), "k", {"v": "b loses"}), b._settings)
    response: Any = None
    while True:
        try:
            call: Call = plan.send(response)
        except StopIteration:
            break
        seq2 = call.kwargs.get("client_id", "").endswith(":2")
        if call.name == "ext_heads":  # the extension answers with the head b knew: seq 1
            first = _sync_call(client, None, version_call(item_id(("h",), "k"), 1))
            response = {"heads": first["nodes"][:1]}
        else:
            response = {"nodes": []} if seq2 else _sync_call(client, None, call)
    for store in (a, b):
        got = store.get(("h",), "k")
        assert got is not None
        assert got.value == {"v": "a wins"}
    assert [i.value for i in b.search(("h",))] == [{"v": "a wins"}]


# --- verifiable history -----------------------------------------------------------------


@pytest.fixture
def db_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    db = tmp_path / "aionis.db"
    with serve_in_thread(str(db), embedding_dim=DIM) as url:
        yield url, db


def _history(client: AionisClient) -> AionisStore:
    store = AionisStore(client, index={"fields": ["text"]})
    store.put(("u", "1"), "a", {"text": "alpha"})
    store.put(("u", "1"), "a", {"text": "alpha two"})
    store.put(("u", "1"), "b", {"text": "beta"})
    store.delete(("u", "1"), "b")
    store.put(("u", "2"), "c", {"text": "gamma"}, index=False)
    return store


def test_verify_namespace_ok(db_server: tuple[str, Path]) -> None:
    url, _ = db_server
    with AionisClient(base_url=url, agent_id="tests") as client:
        _history(client)
        report = verify_namespace(client, ("u",))
        assert report.ok, str(report)
        assert report.checked == 5 + 3  # five versions, three text nodes
        assert verify_namespace(client, ("u", "2")).ok


@pytest.mark.parametrize("tamper", ["edit_value", "drop_version", "drop_text"])
def test_verify_namespace_detects_tampering(db_server: tuple[str, Path], tamper: str) -> None:
    url, db = db_server
    with AionisClient(base_url=url, agent_id="tests") as client:
        _history(client)
        with sqlite3.connect(db) as conn:
            if tamper == "edit_value":
                conn.execute(
                    "UPDATE nodes SET slots_json = replace(slots_json, 'alpha two', 'alphA two') "
                    "WHERE slots_json LIKE '%alpha two%' AND type = 'evidence'"
                )
            elif tamper == "drop_version":
                # a superseded version (the head of a chain has no later link to break; see
                # docs/langgraph.md, Store, Limits)
                conn.execute(
                    "DELETE FROM nodes WHERE type = 'evidence' "
                    'AND slots_json LIKE \'%"text":"alpha"%\''
                )
            else:
                conn.execute("DELETE FROM nodes WHERE type = 'event' AND text_summary = 'alpha'")
            assert conn.total_changes == 1
        report = verify_namespace(client, ("u",))
        assert not report.ok
        assert report.first_broken is not None
        expected = {"edit_value": "input_sha256", "drop_version": "node_missing"}
        assert report.first_broken.check == expected.get(tamper, "node_missing")
