"""create_commit: insert-if-absent in one statement; a replay re-finds the first commit."""

from __future__ import annotations

import time
from pathlib import Path

from aionis_server.storage.commits import create_commit
from aionis_server.storage.db import Database


def test_replayed_commit_is_refound_unchanged(tmp_path: Path) -> None:
    db = Database(tmp_path / "c.db")
    try:
        args = {"scope_key": "s", "input_sha256": "a" * 64, "diff": {"nodes": [], "edges": []}}
        with db.write() as conn:
            first = create_commit(conn, actor="me", **args)  # type: ignore[arg-type]
        time.sleep(0.002)
        with db.write() as conn:
            again = create_commit(conn, actor="me", **args)  # type: ignore[arg-type]
            other = create_commit(conn, actor="you", **args)  # type: ignore[arg-type]
        assert first.created
        assert not again.created
        assert (again.id, again.commit_hash, again.created_at) == (
            first.id,
            first.commit_hash,
            first.created_at,
        )
        assert again.diff == first.diff
        assert other.created
        assert other.id != first.id
        with db.read() as conn:
            assert conn.execute("SELECT COUNT(*) FROM commits").fetchone()[0] == 2
    finally:
        db.close()
