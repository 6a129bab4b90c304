"""The background vector indexer: inserts leave the write path, recall still sees every
acknowledged write, the thread survives failures and shutdown saves a complete index."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from vectors_support import DIM, random_vectors, store_vectors

from aionis_server import vectors as vectors_module
from aionis_server.storage.db import Database
from aionis_server.testing import serve_in_thread
from aionis_server.vectors import VectorIndex

INDEXER = "aionis-vector-indexer"


@pytest.fixture
def db() -> Iterator[Database]:
    database = Database(":memory:")
    yield database
    database.close()


def _until(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.005)


class GatedIndex(VectorIndex):
    """An index whose background passes wait for ``gate``: an indexer that lags at will."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.gate = threading.Event()
        self.indexer_passes = 0
        super().__init__(*args, **kwargs)

    def sync(self) -> int:
        if threading.current_thread().name == INDEXER:
            self.gate.wait()
            self.indexer_passes += 1
        return super().sync()


def test_publish_leaves_inserts_to_the_indexer_and_search_catches_up(db: Database) -> None:
    index = GatedIndex(db, DIM, exact_threshold=20)
    index.start_indexer()
    vecs = random_vectors(60, seed=1)
    store_vectors(db, "s", list(range(1, 61)), vecs)
    index.publish("s", list(range(1, 61)), list(vecs))
    assert index.count("s") == 0  # nothing inserted on the publishing thread
    # The indexer is stalled; a search indexes everything committed before it began.
    assert index.search("s", vecs[41], 1)[0][0] == 42
    assert index.count("s") == 60
    index.gate.set()
    store_vectors(db, "s", [61], random_vectors(1, seed=2))
    index.publish("s", [61], list(random_vectors(1, seed=2)))
    _until(lambda: index.count("s") == 61)  # the indexer catches up without any search
    assert index.indexer_passes >= 1
    index.close()
    assert not index.indexer_alive


def test_a_backlog_beyond_the_bound_is_indexed_by_the_publishing_writer(db: Database) -> None:
    index = GatedIndex(db, DIM, exact_threshold=100)
    index.start_indexer()  # stalled at the gate: it never catches up by itself here
    small = vectors_module.BACKLOG_MAX // 2
    vecs = random_vectors(3 * small, seed=8)
    store_vectors(db, "s", list(range(1, small + 1)), vecs[:small])
    index.publish("s", list(range(1, small + 1)), list(vecs[:small]))
    assert index.count("s") == 0  # within the bound: left to the indexer
    rest = list(range(small + 1, 3 * small + 1))
    store_vectors(db, "s", rest, vecs[small:])
    index.publish("s", rest, list(vecs[small:]))
    assert index.count("s") == 3 * small  # beyond it: this writer indexed the backlog
    index.gate.set()
    index.close()


def test_the_bound_counts_published_vectors_not_seq_gaps(db: Database) -> None:
    """Vectorless nodes between two vectors (a seq gap) are no backlog."""
    index = GatedIndex(db, DIM)
    index.start_indexer()
    vecs = random_vectors(2, seed=9)
    far = 10 * vectors_module.BACKLOG_MAX
    store_vectors(db, "s", [1, far], vecs)
    index.publish("s", [1], [vecs[0]])
    index.publish("s", [far], [vecs[1]])
    assert index.count("s") == 0  # still left to the (stalled) indexer
    index.gate.set()
    _until(lambda: index.count("s") == 2)
    index.close()


def test_publish_without_indexer_inserts_at_once(db: Database) -> None:
    index = VectorIndex(db, DIM)
    vecs = random_vectors(3, seed=3)
    store_vectors(db, "s", [1, 2, 3], vecs)
    index.publish("s", [1, 2, 3], list(vecs))
    assert index.count("s") == 3
    assert not index.indexer_alive


class FlakyIndex(VectorIndex):
    """The first background pass raises; the second kills the thread (BaseException)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.failures = ["error", "die"]
        super().__init__(*args, **kwargs)

    def sync(self) -> int:
        if threading.current_thread().name == INDEXER and self.failures:
            kind = self.failures.pop(0)
            if kind == "error":
                raise RuntimeError("disk on fire")
            raise SystemExit("indexer thread killed")
        return super().sync()


def test_indexer_logs_failures_and_restarts_after_dying(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aionis_server.vectors")
    index = FlakyIndex(db, DIM)
    vecs = random_vectors(3, seed=4)
    index.start_indexer()  # the first pass raises: logged, the thread lives on
    _until(lambda: "background vector indexing failed" in caplog.text)
    assert index.indexer_alive
    store_vectors(db, "s", [1], vecs[:1])
    index.publish("s", [1], [vecs[0]])  # this pass kills the thread
    _until(lambda: not index.indexer_alive)
    assert index.count("s") == 0
    store_vectors(db, "s", [2, 3], vecs[1:])
    index.publish("s", [2, 3], list(vecs[1:]))  # the next write restarts it
    assert "restarting" in caplog.text
    _until(lambda: index.count("s") == 3)
    assert index.indexer_alive
    index.close()


def test_close_stops_the_indexer_and_saves_everything(tmp_path: Path) -> None:
    db = Database(tmp_path / "db.sqlite")
    index = GatedIndex(db, DIM, tmp_path / "vectors", exact_threshold=50)
    index.start_indexer()
    vecs = random_vectors(120, seed=6)
    store_vectors(db, "s", list(range(1, 121)), vecs)
    index.publish("s", list(range(1, 121)), list(vecs))
    index.gate.set()
    index.close()  # whatever the indexer had not done yet is indexed by the save
    reopened = VectorIndex(db, DIM, tmp_path / "vectors", exact_threshold=50)
    assert reopened.count("s") == 120
    assert reopened._watermark == 120
    assert reopened.search("s", vecs[99], 1)[0][0] == 100
    reopened.close()
    db.close()


# -- over HTTP: recall right after an acknowledged write ---------------------------------------


class SlowIndex(VectorIndex):
    """Background inserts take a few ms more, so recalls often arrive while the indexer lags."""

    def add(self, scope_key: str, seqs: Any, vectors: Any) -> int:
        if threading.current_thread().name == INDEXER:
            time.sleep(0.004)
        return super().add(scope_key, seqs, vectors)


@pytest.mark.slow
def test_recall_right_after_each_acknowledged_write_finds_the_node() -> None:
    threads, rounds = 4, 25
    vectors = random_vectors(threads * rounds, seed=7)
    errors: list[str] = []

    def make_index(db: Database, dim: int, path: Any) -> VectorIndex:
        return SlowIndex(db, dim, path, exact_threshold=40)  # HNSW after 40 vectors

    with serve_in_thread(embedding_dim=DIM, vectors=make_index) as base_url:

        def worker(t: int) -> None:
            with httpx.Client(base_url=base_url, timeout=30) as client:
                for i in range(rounds):
                    vec = [float(x) for x in vectors[t * rounds + i]]
                    written = client.post(
                        "/v1/memory/write",
                        json={
                            "scope": "ryw",
                            "input_text": f"thread {t} write {i}",
                            "memory_lane": "shared",
                            "nodes": [
                                {"client_id": f"t{t}-{i}", "type": "concept", "embedding": vec}
                            ],
                        },
                    )
                    if written.status_code != 200:
                        errors.append(written.text)
                        continue
                    node_id = written.json()["nodes"][0]["id"]
                    recall = client.post(
                        "/v1/memory/recall",
                        json={"scope": "ryw", "query_embedding": vec, "limit": 5},
                    )
                    seeds = {s["id"]: s["similarity"] for s in recall.json()["seeds"]}
                    if seeds.get(node_id, 0.0) < 0.999:
                        errors.append(f"t{t}-{i}: recall right after the write missed it")

        pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join(120)
        assert errors == []
        with httpx.Client(base_url=base_url, timeout=30) as client:
            debug = client.post(
                "/v1/memory/recall",
                json={
                    "scope": "ryw",
                    "query_embedding": [float(x) for x in vectors[0]],
                    "return_debug": True,
                },
            ).json()["debug"]
        assert debug["vector_index"]["scope_vectors"] == threads * rounds
