"""Durability: SIGKILL mid-write-load, restart on the same file, every acknowledged commit is there."""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

from aionis_server.testing import current_processes, spawn_server

WORKERS = 4


def _load(
    base_url: str,
    worker: int,
    acked: list[tuple[str, str | None]],
    stop: threading.Event,
    acked_nodes: list[str] | None = None,
) -> None:
    parent: str | None = None
    with httpx.Client(base_url=base_url, timeout=10) as client:
        i = 0
        while not stop.is_set():
            body = {
                "input_text": f"worker {worker} write {i}",
                "memory_lane": "shared",
                "parent_commit_id": parent,
                "nodes": [
                    {
                        "client_id": f"w{worker}-{i}",
                        "type": "event",
                        "text_summary": f"event {worker} {i}",
                        "slots": {"worker": f"w{worker}", "i": str(i)},
                    },
                    {"client_id": f"w{worker}-{i}-e", "type": "entity", "title": f"entity {i}"},
                ],
                "edges": [
                    {
                        "type": "related_to",
                        "src": {"client_id": f"w{worker}-{i}"},
                        "dst": {"client_id": f"w{worker}-{i}-e"},
                    }
                ],
            }
            if parent is None:
                del body["parent_commit_id"]
            try:
                r = client.post("/v1/memory/write", json=body)
            except httpx.TransportError:
                return  # the server died mid-request: that write was never acknowledged
            if r.status_code == 200:
                commit_id = r.json()["commit_id"]
                acked.append((commit_id, parent))
                if acked_nodes is not None:
                    acked_nodes.append(f"w{worker}-{i}")
                parent = commit_id
            i += 1


@pytest.mark.slow
def test_sigkill_mid_load_loses_no_acknowledged_commit(tmp_path: Path) -> None:
    db = str(tmp_path / "durable.db")
    acked: list[tuple[str, str | None]] = []
    acked_nodes: list[str] = []
    stop = threading.Event()
    with spawn_server(db) as base_url:
        proc = current_processes()[-1]
        threads = [
            threading.Thread(target=_load, args=(base_url, w, acked, stop, acked_nodes))
            for w in range(WORKERS)
        ]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        while len(acked) < 150 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # no shutdown, no checkpoint
        proc.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=15)
    assert len(acked) >= 20, "the load produced too few acknowledged writes"

    with spawn_server(db) as base_url, httpx.Client(base_url=base_url, timeout=30) as client:
        pack = client.post("/v1/memory/packs/export", json={"max_rows": 50000}).json()["pack"]
        commits = {c["id"]: c for c in pack["commits"]}
        for commit_id, parent in acked:
            assert commit_id in commits, commit_id
            assert commits[commit_id]["parent_id"] == parent
        for node in pack["nodes"]:
            assert node["commit_id"] in commits
        for commit in commits.values():
            assert commit["parent_id"] is None or commit["parent_id"] in commits
        # The chain of each acknowledged head resolves back to a root.
        head: str | None = acked[-1][0]
        seen = 0
        while head is not None:
            head = commits[head]["parent_id"]
            seen += 1
        assert seen >= 1
        # Every acknowledged node is found by its slots (the slot-term index survived too).
        found: set[str] = set()
        for w in range(WORKERS):
            body = {"type": "event", "slots_contains": {"worker": f"w{w}"}, "limit": 200}
            while True:
                page = client.post("/v1/memory/find", json=body).json()
                found |= {n["client_id"] for n in page["nodes"]}
                if not page["page"]["has_more"]:
                    break
                body["offset"] = body.get("offset", 0) + len(page["nodes"])
        assert set(acked_nodes) <= found
        one = acked_nodes[len(acked_nodes) // 2]
        worker, i = one.split("-")
        body = {"type": "event", "slots_contains": {"worker": worker, "i": i}}
        assert [
            n["client_id"] for n in client.post("/v1/memory/find", json=body).json()["nodes"]
        ] == [one]
        assert client.get("/health").json()["ok"] is True


def _write_batch(client: httpx.Client, start: int, count: int) -> dict[int, str]:
    nodes = [
        {"client_id": f"n{i}", "type": "event", "text_summary": f"indexed node number {i} alpha"}
        for i in range(start, start + count)
    ]
    body = {"input_text": f"batch {start}", "memory_lane": "shared", "nodes": nodes}
    r = client.post("/v1/memory/write", json=body)
    assert r.status_code == 200, r.text
    return {start + k: node["id"] for k, node in enumerate(r.json()["nodes"])}


def _recall_finds(client: httpx.Client, i: int, node_id: str) -> dict[str, object]:
    r = client.post(
        "/v1/memory/recall_text",
        json={"query_text": f"indexed node number {i} alpha", "limit": 3, "return_debug": True},
    )
    assert r.status_code == 200, r.text
    out = r.json()
    top = out["seeds"][0]
    assert top["id"] == node_id
    assert top["similarity"] > 0.999
    debug: dict[str, object] = out["debug"]["vector_index"]
    return debug


@pytest.mark.slow
def test_sigkill_while_the_indexer_lags_then_restart_has_a_complete_index(
    tmp_path: Path,
) -> None:
    """The vector index is derived state: after a SIGKILL (saved index stale, background
    indexer mid-way through building the HNSW graph) a restart indexes every committed vector,
    and a clean shutdown then saves an index that matches the database."""
    db = str(tmp_path / "indexed.db")
    with (
        spawn_server(db, embedding_dim=128) as base_url,
        httpx.Client(base_url=base_url, timeout=60) as c,
    ):
        ids = _write_batch(c, 0, 100)
    assert (tmp_path / "indexed.db.vectors" / "manifest.json").is_file()  # saved, 100 vectors

    with (
        spawn_server(db, embedding_dim=128) as base_url,
        httpx.Client(base_url=base_url, timeout=60) as c,
    ):
        proc = current_processes()[-1]
        for start in range(100, 5100, 500):  # crosses the 5,000-vector switch to HNSW
            ids.update(_write_batch(c, start, 500))  # within the indexer's backlog bound
        proc.send_signal(signal.SIGKILL)  # the indexer is still inserting the last writes
        proc.wait(timeout=10)
    stale = json.loads((tmp_path / "indexed.db.vectors" / "manifest.json").read_text())
    assert sum(entry["count"] for entry in stale["scopes"]) == 100  # only the clean stop's save

    with (
        spawn_server(db, embedding_dim=128) as base_url,
        httpx.Client(base_url=base_url, timeout=60) as c,
    ):
        for i in (0, 99, 100, 4321, 5099):
            debug = _recall_finds(c, i, ids[i])
        assert debug["scope_vectors"] == 5100
    manifest = json.loads((tmp_path / "indexed.db.vectors" / "manifest.json").read_text())
    conn = sqlite3.connect(db)
    try:
        rows, top = conn.execute("SELECT COUNT(*), MAX(node_seq) FROM node_embeddings").fetchone()
    finally:
        conn.close()
    assert rows == 5100
    assert manifest["watermark"] == top
    assert sum(entry["count"] for entry in manifest["scopes"]) == 5100
    assert any(entry["file"].endswith(".usearch") for entry in manifest["scopes"])
