"""``/v1/memory/find`` with ``slots_contains``: the slot-term index against a full scan.

Seeds a reference server (in a thread of this process, real loopback socket, SQLite file)
with checkpoint-like records: THREADS threads of RECORDS records each, every record carrying
a ~1.5 KB payload string, as AionisSaver writes them. Then it times the finds a checkpointer
makes, each call alternating between the index and the scan it replaces (the same server,
``find``'s term lookup switched off for the scan side):

* head of an existing thread (``limit 1``), of a new thread (no match), and all records of a
  thread (``limit 200``).

Prints a table and rewrites the ``## find with slots_contains`` section of
docs/performance.md (``--no-write`` to skip).

    .venv/bin/python bench/find_bench.py [--nodes 100000] [--calls 200] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import httpx
from _doc import replace_section

import aionis_server.services.find as find_service
from aionis_server.testing import serve_in_thread

SECTION = "## find with slots_contains"
RECORDS = 10  # per thread
BATCH = 200  # nodes per /write while seeding


def seed(http: httpx.Client, nodes: int, rng: random.Random) -> list[str]:
    threads = [f"thread-{i:07d}" for i in range(max(1, nodes // RECORDS))]
    payload = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(1500))
    pending: list[dict[str, Any]] = []
    for r in range(RECORDS):
        for t in threads:
            slots = {"lg": 1, "family": "checkpoint", "kind": "checkpoint", "thread": t}
            slots["checkpoint"] = payload
            slots["ns"] = ""
            pending.append(
                {
                    "client_id": f"{t}:{r}",
                    "type": "evidence",
                    "memory_lane": "shared",
                    "slots": slots,
                }
            )
            if len(pending) == BATCH:
                flush(http, pending)
    if pending:
        flush(http, pending)
    return threads


def flush(http: httpx.Client, pending: list[dict[str, Any]]) -> None:
    r = http.post("/v1/memory/write", json={"input_text": "seed", "nodes": pending})
    r.raise_for_status()
    pending.clear()


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    rng = random.Random(7)
    real_rarest = find_service.rarest
    load_before = os.getloadavg()
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve_in_thread(os.path.join(tmp, "find.db")) as url,
        httpx.Client(base_url=url, timeout=600) as http,
    ):
        started = time.perf_counter()
        threads = seed(http, args.nodes, rng)
        seeded = time.perf_counter() - started

        def find(thread: str, limit: int) -> None:
            body = {
                "type": "evidence",
                "slots_contains": {"lg": 1, "family": "checkpoint", "thread": thread},
                "limit": limit,
            }
            r = http.post("/v1/memory/find", json=body)
            r.raise_for_status()

        cases: dict[str, Callable[[], None]] = {
            "head of an existing thread (limit 1)": lambda: find(rng.choice(threads), 1),
            "head of a new thread (no match)": lambda: find(f"new-{rng.random()}", 1),
            "every record of a thread (limit 200)": lambda: find(rng.choice(threads), 200),
        }
        results: dict[str, dict[str, list[float]]] = {}
        for name, call in cases.items():
            calls = args.calls if "existing" in name else max(10, args.calls // 10)
            sides: dict[str, list[float]] = {"index": [], "scan": []}
            for _ in range(calls):
                for side in ("index", "scan"):
                    find_service.rarest = real_rarest if side == "index" else _no_term
                    sides[side].append(timed(call))
            find_service.rarest = real_rarest
            results[name] = sides
    text = report(args, results, seeded, (load_before, os.getloadavg()))
    print(text)
    if not args.no_write:
        replace_section(text)


def _no_term(conn: Any, terms: Any) -> None:
    return None


def report(
    args: argparse.Namespace,
    results: dict[str, dict[str, list[float]]],
    seeded: float,
    loads: tuple[tuple[float, float, float], tuple[float, float, float]],
) -> str:
    lines = [
        SECTION,
        "",
        f"`bench/find_bench.py`, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()} {platform.system()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; 1-minute load average {loads[0][0]:.1f} before, "
        f"{loads[1][0]:.1f} after. {args.nodes:,} checkpoint-like records ({RECORDS} per "
        f"thread, ~1.5 KB payload each; seeded in {seeded:.0f} s) in one scope; the server "
        "runs in a thread of the benchmark process on a loopback socket. Each call alternates "
        "between the slot-term index and the newest-first scan it replaced (same server, term "
        "lookup switched off). Milliseconds per call, client-side:",
        "",
        "| find (slots_contains lg/family/thread) | calls | index p50 | index p95 "
        "| scan p50 | scan p95 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, sides in results.items():
        idx, scan = sides["index"], sides["scan"]
        lines.append(
            f"| {name} | {len(idx)} | {_ms(statistics.median(idx))} | {_ms(_p95(idx))} "
            f"| {_ms(statistics.median(scan))} | {_ms(_p95(scan))} |"
        )
    lines += [
        "",
        "A new thread's first `get_tuple` (and a store's scan without `ext.store_index`) paid "
        "the scan: it parses the slots of every node in the scope until it has a page. The "
        "index reads the rows of the pattern's rarest string slot and checks the pattern on "
        "those only; a pattern whose strings are all common (more than 4,096 rows) keeps the "
        "scan, which stops at the first page.",
        "",
    ]
    return "\n".join(lines)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f}"


if __name__ == "__main__":
    main()
