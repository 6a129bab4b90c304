"""find's ``slots_contains`` through the slot-term index gives what a full scan gives."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_support import live_client

import aionis_server.services.find as find_service
from aionis_server.services.slots_match import slots_contain
from aionis_server.storage import slot_terms

LONG = "L" * slot_terms.MAX_VALUE_CHARS
TOO_LONG = LONG + "L"


def _slots(rng: random.Random, i: int) -> dict[str, Any]:
    slots: dict[str, Any] = {
        "family": "ckpt",
        "thread": f"t{rng.randrange(8)}",
        "kind": rng.choice(["checkpoint", "writes", "tombstone"]),
        "n": rng.randrange(3),
        "flag": rng.random() < 0.5,
        "nested": {"thread": f"t{rng.randrange(3)}"},
        "seq": str(i),
    }
    if rng.random() < 0.3:
        slots["long"] = rng.choice([LONG, TOO_LONG])
    if rng.random() < 0.2:
        slots["num_text"] = rng.choice(["1", 1])
    if rng.random() < 0.2:
        slots["ünï"] = "värde"
    if rng.random() < 0.7:
        depth = rng.randrange(1, 11)  # beyond MAX_ARRAY_ITEMS too
        slots["ns"] = [rng.choice(["a", "b"]) for _ in range(depth)]
        if rng.random() < 0.2:
            slots["ns"][rng.randrange(depth)] = rng.choice([1, {"x": "a"}, None])
    return slots


PATTERNS: list[dict[str, Any]] = [
    {},
    {"family": "ckpt"},
    {"thread": "t3"},
    {"thread": "t3", "kind": "writes"},
    {"family": "ckpt", "thread": "t5", "kind": "tombstone"},
    {"thread": "t1", "n": 2},
    {"n": 1, "flag": True},
    {"nested": {"thread": "t2"}, "thread": "t2"},
    {"long": LONG},
    {"long": TOO_LONG, "thread": "t4"},
    {"num_text": "1"},
    {"num_text": 1},
    {"ünï": "värde", "thread": "t0"},
    {"thread": "nobody"},
    {"seq": "17"},
    {"missing": "key"},
    {"ns": ["a"]},
    {"ns": ["b", "a"], "family": "ckpt"},
    {"ns": ["a", "b", "a"], "thread": "t1"},
    {"ns": ["a"] * 9},
    {"ns": ["b"] * 10},
    {"ns": [None]},
    {"ns": [1, "a"]},
    {"ns": []},
    {"ns": "a"},
]


@pytest.fixture(scope="module")
def client() -> Iterator[tuple[httpx.Client, list[tuple[str, dict[str, Any]]]]]:
    rng = random.Random(20261205)
    written: list[tuple[str, dict[str, Any]]] = []
    with live_client() as c:
        for batch in range(6):
            nodes = []
            for j in range(40):
                i = batch * 40 + j
                slots = _slots(rng, i)
                written.append((f"n{i}", slots))
                nodes.append(
                    {"client_id": f"n{i}", "type": "event", "memory_lane": "shared", "slots": slots}
                )
            r = c.post("/v1/memory/write", json={"input_text": f"batch {batch}", "nodes": nodes})
            assert r.status_code == 200, r.text
        yield c, written


def _page(c: httpx.Client, pattern: Any, limit: int, offset: int) -> dict[str, Any]:
    body = {"type": "event", "slots_contains": pattern, "limit": limit, "offset": offset}
    r = c.post("/v1/memory/find", json=body)
    assert r.status_code == 200, r.text
    page: dict[str, Any] = r.json()
    return page


def _ids(c: httpx.Client, pattern: Any, *, limit: int = 0, offset: int = 0) -> list[str]:
    """One page of client ids (``limit``), or every match (``limit=0``), newest first."""
    if limit:
        return [n["client_id"] for n in _page(c, pattern, limit, offset)["nodes"]]
    out: list[str] = []
    while True:
        page = _page(c, pattern, 100, len(out))
        out += [n["client_id"] for n in page["nodes"]]
        if not page["page"]["has_more"]:
            return out


@pytest.mark.parametrize("pattern", PATTERNS, ids=[str(p)[:60] for p in PATTERNS])
def test_index_answers_like_a_scan(
    client: tuple[httpx.Client, list[tuple[str, dict[str, Any]]]],
    pattern: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c, written = client
    expected = {cid for cid, slots in written if slots_contain(pattern, slots)}
    indexed = _ids(c, pattern)
    assert set(indexed) == expected
    monkeypatch.setattr(find_service, "rarest", lambda conn, terms: None)
    assert _ids(c, pattern) == indexed  # same rows in the same (newest-first) order


def test_paging_through_the_index(
    client: tuple[httpx.Client, list[tuple[str, dict[str, Any]]]],
) -> None:
    c, _ = client
    pattern = {"thread": "t3"}
    everything = _ids(c, pattern)
    assert len(everything) > 10
    pages = [_ids(c, pattern, limit=4, offset=k) for k in range(0, len(everything), 4)]
    assert [cid for page in pages for cid in page] == everything


def test_a_common_term_falls_back_to_the_scan(
    client: tuple[httpx.Client, list[tuple[str, dict[str, Any]]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c, _ = client
    pattern = {"thread": "t3", "kind": "writes"}
    expected = _ids(c, pattern)
    calls: list[int | None] = []
    real = slot_terms.rarest

    def spy(conn: sqlite3.Connection, terms: Any) -> int | None:
        calls.append(real(conn, terms))
        return calls[-1]

    monkeypatch.setattr(find_service, "rarest", spy)
    monkeypatch.setattr(slot_terms, "SELECTIVE_MAX", 3)  # every term is "common" now
    assert _ids(c, pattern) == expected
    assert calls == [None]


def test_hash_collisions_cost_candidates_not_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slot_terms, "_term", lambda scope_key, key, position, value: 7)
    with live_client(db_path=str(tmp_path / "c.db")) as c:
        nodes = [
            {"client_id": "a", "type": "event", "memory_lane": "shared", "slots": {"k": "x"}},
            {"client_id": "b", "type": "event", "memory_lane": "shared", "slots": {"k": "y"}},
            {"client_id": "c", "type": "event", "memory_lane": "shared", "slots": {"j": "x"}},
        ]
        assert c.post("/v1/memory/write", json={"input_text": "t", "nodes": nodes}).is_success
        assert _ids(c, {"k": "x"}) == ["a"]
        assert _ids(c, {"k": "y"}) == ["b"]
        assert _ids(c, {"j": "x"}) == ["c"]
        assert _ids(c, {"k": "z"}) == []


def test_terms_are_scoped(tmp_path: Path) -> None:
    with live_client(db_path=str(tmp_path / "s.db")) as c:
        for scope in ("one", "two"):
            node = {"client_id": "n", "type": "event", "memory_lane": "shared", "slots": {"k": "v"}}
            body = {"input_text": scope, "scope": scope, "nodes": [node]}
            assert c.post("/v1/memory/write", json=body).is_success
        for scope in ("one", "two"):
            r = c.post(
                "/v1/memory/find", json={"scope": scope, "slots_contains": {"k": "v"}}
            ).json()
            assert (r["scope"], len(r["nodes"])) == (scope, 1)
    conn = sqlite3.connect(tmp_path / "s.db")
    assert conn.execute("SELECT count(DISTINCT term) FROM node_slot_terms").fetchone() == (2,)
    conn.close()


def test_a_database_from_before_the_index_is_indexed_on_open(tmp_path: Path) -> None:
    db = str(tmp_path / "old.db")
    nodes = [
        {
            "client_id": f"n{i}",
            "type": "event",
            "memory_lane": "shared",
            "slots": {"t": f"t{i % 3}"},
        }
        for i in range(30)
    ]
    with live_client(db_path=db) as c:
        assert c.post("/v1/memory/write", json={"input_text": "x", "nodes": nodes}).is_success
        before = _ids(c, {"t": "t1"})
    assert len(before) == 10
    # What a database written by an older server looks like: no terms, no marker.
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM node_slot_terms")
    conn.execute("DELETE FROM meta WHERE key = 'slot_terms'")
    conn.commit()
    conn.close()
    with live_client(db_path=db) as c:
        assert _ids(c, {"t": "t1"}) == before
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM node_slot_terms").fetchone() == (30,)
    assert conn.execute("SELECT value FROM meta WHERE key = 'slot_terms'").fetchone() == ("1",)
    conn.close()


def test_nodes_written_without_terms_get_them_on_open(tmp_path: Path) -> None:
    """A node stored after the last clean close by a server that knew no terms (an older
    version on the same file) is found once this server opens the database again."""
    db = str(tmp_path / "late.db")
    node = {"client_id": "early", "type": "event", "memory_lane": "shared", "slots": {"t": "t1"}}
    with live_client(db_path=db) as c:
        assert c.post("/v1/memory/write", json={"input_text": "x", "nodes": [node]}).is_success
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO nodes (id, scope_key, client_id, type, tier, slots_json, memory_lane,"
        " embedding_status, commit_id, created_at, updated_at)"
        " SELECT 'late-' || id, scope_key, 'late', type, tier, '{\"t\":\"t1\"}',"
        " memory_lane, embedding_status, commit_id, created_at, updated_at FROM nodes"
    )
    conn.commit()
    conn.close()
    with live_client(db_path=db) as c:
        assert sorted(_ids(c, {"t": "t1"})) == ["early", "late"]


def test_a_resent_node_adds_no_terms(tmp_path: Path) -> None:
    """Nodes are immutable: re-sending a client_id with other slots keeps the first ones,
    and the index keeps only their terms."""
    db = str(tmp_path / "r.db")
    with live_client(db_path=db) as c:
        node = {"client_id": "dup", "type": "event", "memory_lane": "shared", "slots": {"k": "v"}}
        assert c.post("/v1/memory/write", json={"input_text": "a", "nodes": [node]}).is_success
        again = {**node, "slots": {"k": "w"}}
        assert c.post("/v1/memory/write", json={"input_text": "b", "nodes": [again]}).is_success
        assert _ids(c, {"k": "w"}) == []
        assert _ids(c, {"k": "v"}) == ["dup"]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM node_slot_terms").fetchone() == (1,)
    conn.close()


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({1: 5000, 2: 3, 3: 100}, 2),
        ({1: 5000, 2: 4097}, None),
        ({1: 200, 2: 4096, 3: 90}, 3),
        ({1: 10, 2: 0, 3: 10}, 2),
        ({1: 4096}, 1),
        ({}, None),
    ],
    ids=["rare-among-common", "all-common", "two-rare", "empty-term", "at-the-limit", "none"],
)
def test_rarest_picks_the_term_with_fewest_rows(
    counts: dict[int, int], expected: int | None
) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE TABLE node_slot_terms (term INTEGER, node_seq INTEGER,"
        " PRIMARY KEY (term, node_seq)) WITHOUT ROWID"
    )
    for term, n in counts.items():
        conn.executemany("INSERT INTO node_slot_terms VALUES (?, ?)", [(term, i) for i in range(n)])
    assert slot_terms.rarest(conn, list(counts)) == expected
    assert slot_terms.rarest(conn, [99, *counts]) == 99  # a term with no rows wins outright


def test_a_pattern_with_many_strings_uses_a_bounded_number_of_terms(
    client: tuple[httpx.Client, list[tuple[str, dict[str, Any]]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c, written = client
    seen: list[int] = []
    real = slot_terms.rarest

    def spy(conn: sqlite3.Connection, terms: Any) -> int | None:
        seen.append(len(terms))
        return real(conn, terms)

    monkeypatch.setattr(find_service, "rarest", spy)
    target = next(slots for _, slots in written if slots.get("ns"))
    pattern = {**target, **{f"extra{i}": "x" for i in range(100)}}
    assert _ids(c, pattern) == []  # no node has the extra keys
    pattern = {k: v for k, v in target.items() if k != "nested"}
    expected = {cid for cid, slots in written if slots_contain(pattern, slots)}
    assert set(_ids(c, pattern)) == expected
    assert expected
    assert seen
    assert max(seen) == slot_terms.MAX_PATTERN_TERMS
