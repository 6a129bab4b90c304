"""The background WAL checkpointer: the WAL is copied back off the write path, and closing stops
the thread and leaves a folded database."""

from __future__ import annotations

import os
import time
from pathlib import Path

from aionis_server.storage import db as dbmod
from aionis_server.storage.db import Database


def test_wal_is_checkpointed_in_the_background(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.db"
    db = Database(path)
    try:
        blob = os.urandom(64 * 1024)
        for i in range(96):  # ~6 MiB of WAL, well under SQLite's own auto-checkpoint size
            with db.write() as conn:
                conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (f"k{i}", blob))
        assert dbmod.CHECKPOINT_BYTES < 6 * 2**20 < dbmod.SAFETY_AUTOCHECKPOINT_PAGES * 4096
        deadline = time.monotonic() + 10
        # Pages copied back into the main file until less than the threshold is left behind.
        while path.stat().st_size < 3 * 2**20 or db._wal_bytes() >= dbmod.CHECKPOINT_BYTES:
            assert time.monotonic() < deadline, "no background checkpoint happened"
            time.sleep(0.02)
        thread = db._checkpointer
        assert thread.is_alive()
        with db.read() as conn:
            assert conn.execute("SELECT COUNT(*) FROM meta WHERE key LIKE 'k%'").fetchone()[0] == 96
    finally:
        db.close()
    assert not thread.is_alive()
    wal = Path(str(path) + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # TRUNCATE checkpoint on close
