"""A database remembers its embedding provider and dimension and refuses another one."""

from __future__ import annotations

from pathlib import Path

import pytest

from aionis_server.app import build_state, close_state
from aionis_server.config import ServerConfig
from aionis_server.storage.db import Database
from aionis_server.storage.meta import EmbeddingMismatchError, bind_embedding


def _open_and_close(db_path: Path, **overrides: object) -> None:
    config = ServerConfig(db_path=str(db_path)).with_overrides(**overrides)
    close_state(build_state(config))


def test_same_provider_and_dimension_reopen(tmp_path: Path) -> None:
    db_path = tmp_path / "a.db"
    _open_and_close(db_path)
    _open_and_close(db_path)  # no error


def test_another_dimension_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    db_path = tmp_path / "a.db"
    _open_and_close(db_path)
    with pytest.raises(EmbeddingMismatchError, match=r"1536-dimensional 'deterministic-hash'"):
        _open_and_close(db_path, embedding_dim=256)


def test_a_database_written_before_the_check_infers_its_dimension(tmp_path: Path) -> None:
    db = Database(tmp_path / "legacy.db")
    try:
        with db.write() as conn:
            conn.execute(
                "INSERT INTO node_embeddings (node_seq, scope_key, vector) VALUES (1, 's', ?)",
                (bytes(4 * 64),),
            )
        with pytest.raises(EmbeddingMismatchError, match="64-dimensional"):
            bind_embedding(db, "deterministic-hash", 1536)
        bind_embedding(db, "deterministic-hash", 64)  # the inferred binding now holds
    finally:
        db.close()
