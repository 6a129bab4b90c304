"""The checkpointer and store benchmarks run end to end at a tiny size (``--no-write``): every
pass prints its table, so a change that breaks a benchmark fails here rather than on the day
someone needs its figures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _run(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args, "--no-write"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=BENCH.parent,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_checkpoint_bench_runs_every_pass() -> None:
    out = _run(
        "checkpoint_bench.py", "--steps", "3", "--runs", "2", "--work-ms", "1", "--async-runs", "1"
    )
    assert "| SqliteSaver (file) |" in out
    assert "| AionisSaver (group commit, linger 2 ms) |" in out
    assert "**With 1 ms of work in each node**" in out
    assert "| AsyncSqliteSaver (file) |" in out
    assert "| AionisSaver, async client (linger 2 ms) |" in out
    assert "round trips per super-step" in out


def test_store_bench_compares_every_store_and_operation() -> None:
    out = _run("store_bench.py", "--items", "40", "--samples", "3")
    for store in (
        "InMemoryStore",
        "SqliteStore",
        "AionisStore, stock API",
        "AionisStore, fast path",
        "AionisStore, fast path + read cache (repeat reads)",
    ):
        for op in ("put", "get", "search", "search+filter"):
            assert f"| {store}" in out
            assert any(
                line.startswith(f"| {store}") and f"| {op} |" in line for line in out.splitlines()
            ), (store, op)
    assert "/ SqliteStore, search p50:" in out
    assert "| HTTP floor: the fast path's request, raw httpx | search |" in out
    counters = re.search(r"read cache counters at the end: (\d+) hits", out)
    assert counters is not None
    assert int(counters.group(1)) > 0  # the repeat reads were answered by the cache
