"""Facts a database file keeps about itself (the ``meta`` table)."""

from __future__ import annotations

from .db import Database


class EmbeddingMismatchError(RuntimeError):
    """The database holds vectors from another embedding provider or dimension."""


def bind_embedding(db: Database, provider: str, dim: int) -> None:
    """Record the embedding provider and dimension on first use; refuse a different one later.

    Vectors of different models or dimensions cannot be compared, so a database written with one
    provider would silently recall nothing under another. Failing at start-up says why instead.
    """
    with db.write() as conn:
        rows = dict(
            conn.execute(
                "SELECT key, value FROM meta WHERE key IN ('embedding_provider', 'embedding_dim')"
            ).fetchall()
        )
        if not rows:
            has_vectors = conn.execute("SELECT 1 FROM node_embeddings LIMIT 1").fetchone()
            if has_vectors is not None:  # written before this check existed: infer the dim
                (blob,) = conn.execute("SELECT vector FROM node_embeddings LIMIT 1").fetchone()
                rows = {"embedding_provider": provider, "embedding_dim": str(len(blob) // 4)}
            else:
                rows = {"embedding_provider": provider, "embedding_dim": str(dim)}
            conn.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", sorted(rows.items())
            )
        stored_provider = rows.get("embedding_provider", provider)
        stored_dim = int(rows.get("embedding_dim", dim))
    if stored_provider != provider or stored_dim != dim:
        raise EmbeddingMismatchError(
            f"the database {db.path!r} holds {stored_dim}-dimensional {stored_provider!r} "
            f"embeddings, but this server is configured for {dim}-dimensional {provider!r} "
            "embeddings; start it with the same --embedding-provider/--embedding-dim, or use a "
            "new --db"
        )
