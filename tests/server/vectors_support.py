"""Helpers shared by the vector-index tests: store embeddings behind the index's back, make
random unit vectors."""

from __future__ import annotations

import numpy as np

from aionis_server.storage.db import Database
from aionis_server.vectors import unit_rows

DIM = 32


def store_vectors(db: Database, scope_key: str, seqs: list[int], vectors: np.ndarray) -> None:
    """Insert ``node_embeddings`` rows directly, as committed writes leave them."""
    with db.write() as conn:
        conn.executemany(
            "INSERT INTO node_embeddings (node_seq, scope_key, vector) VALUES (?, ?, ?)",
            [
                (s, scope_key, v.astype("<f4").tobytes())
                for s, v in zip(seqs, unit_rows(vectors, DIM), strict=True)
            ],
        )


def random_vectors(n: int, seed: int = 0) -> np.ndarray:
    return unit_rows(np.random.default_rng(seed).standard_normal((n, DIM)), DIM)
