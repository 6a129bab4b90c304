"""Exact re-scoring of HNSW candidates reads only the rows that can reach the top k, and its
cosines are bit-identical to those of the full product; the float32 cache is bounded."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from aionis_server.storage.db import Database
from aionis_server.vectors import ExactCache, VectorIndex, unit_rows

DIM = 64


@pytest.fixture
def index() -> Iterator[VectorIndex]:
    db = Database(":memory:")
    rng = np.random.default_rng(3)
    # clustered vectors, so many candidates have close cosines
    centers = rng.standard_normal((4, DIM))
    vecs = unit_rows(centers[np.arange(600) % 4] + 0.6 * rng.standard_normal((600, DIM)), DIM)
    with db.write() as conn:
        conn.executemany(
            "INSERT INTO node_embeddings (node_seq, scope_key, vector) VALUES (?, ?, ?)",
            [(i + 1, "s", v.astype("<f4").tobytes()) for i, v in enumerate(vecs)],
        )
    yield VectorIndex(db, DIM, exact_threshold=10)
    db.close()


@pytest.mark.parametrize("k", [1, 5, 24, 32, 100])
def test_pruned_rescore_equals_the_full_one(index: VectorIndex, k: int) -> None:
    rng = np.random.default_rng(k)
    scope = index._scopes["s"]
    assert scope.hnsw is not None
    for _ in range(10):
        q = unit_rows(rng.standard_normal(DIM), DIM)[0]
        seqs = [int(s) for s in rng.choice(np.arange(1, 601), 4 * k + 7, replace=False)]
        full = index._rescore(seqs, q)
        pruned = index._rescore(seqs, q, k, scope, scope.hnsw)
        assert pruned == full[:k]  # same seqs, same float bits, same order


def test_rows_of_a_product_do_not_depend_on_the_other_rows() -> None:
    """What the pruned re-score relies on: zeroing rows leaves the other outputs' bits."""
    rng = np.random.default_rng(0)
    q = unit_rows(rng.standard_normal(1536), 1536)[0]
    for n in (1, 3, 5, 31, 128, 130, 333, 1500):
        raw = rng.standard_normal((n, 1536)).astype(np.float32)
        full = unit_rows(raw, 1536) @ q
        keep = np.sort(rng.choice(n, max(1, n // 3), replace=False))
        part = np.zeros((n, 1536), dtype=np.float32)
        part[keep] = unit_rows(raw[keep], 1536)
        assert np.array_equal((part @ q)[keep], full[keep])


def test_search_results_do_not_change_with_a_warm_cache(index: VectorIndex) -> None:
    rng = np.random.default_rng(9)
    queries = [unit_rows(rng.standard_normal(DIM), DIM)[0] for _ in range(5)]
    cold = [index.search("s", q, 20) for q in queries]
    assert len(index._exact) > 0
    assert [index.search("s", q, 20) for q in queries] == cold


def test_exact_cache_is_bounded_lru() -> None:
    cache = ExactCache(capacity=3 * 8)
    for seq in range(5):
        cache.put(seq, bytes(8))
    assert len(cache) == 3
    assert cache.size == 24
    assert set(cache.get_many(range(5))) == {2, 3, 4}
    cache.get_many([2])
    cache.put(9, bytes(8))
    assert set(cache.get_many(range(10))) == {2, 4, 9}
