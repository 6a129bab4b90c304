"""LangGraph store benchmark: put / get / search on InMemoryStore, SqliteStore and AionisStore.

    .venv/bin/python bench/store_bench.py --items 10000 --samples 200

All stores are loaded with the same ``--items`` items (100 namespaces, a short text and a few
fields each), then timed on ``--samples`` calls of each operation. InMemoryStore, SqliteStore
and the fast-path AionisStore are interleaved call by call (sample ``s`` of an operation runs on
each before sample ``s + 1``), so load on the machine hits them alike; the stock-API AionisStore
follows in its own pass per operation (its scans and recalls keep the server busy long enough
to slow the next call of another store). Operations: ``put`` (an overwrite of an existing key),
``get``, ``search`` (one namespace, limit 10, no query), ``search+filter`` (one namespace, an
equality filter) and ``search+query`` (by meaning, limit 10). An ``HTTP floor`` row sends the
fast path's own request again (the one it has just sent) with a bare ``httpx.Client``: the
cost of one round trip to the same server without the SDK or the store. A **read cache** row is
a third AionisStore on the same server with ``read_cache=True``, measured on *repeat reads*:
each timed get and listing is the second of two identical calls (the first, untimed, fills the
cache), which is what the cache is for (an agent reading the same memories turn after turn);
its first reads cost what the fast path's do. Its puts and searches by meaning (never cached)
are timed as they come.

AionisStore talks to one reference-server subprocess (``aionis-server``, default settings:
deterministic-hash embeddings, the optional ``ext.store_index`` extension on) over a real
loopback socket, in two modes on the same server and data: **fast path** (the store uses the
extension, one request per get/search) and **stock API** (``fast_path=False``: the plans a
store uses against a server without the extension; the extension does no work on writes, so
the server is the same for both). The stock-API store does the load, so its head cache is warm
as in earlier runs; the fast-path store is fresh, and its first call (which builds the
server's head table from the stored nodes) is timed apart. SqliteStore is a file on disk with
its sqlite-vec vector index when the connection can load it (``pysqlite3-binary``, in the
``dev`` extra on Linux x86-64; Python's own ``sqlite3`` often cannot), else without one, and
then its ``search+query`` is not measured. InMemoryStore and SqliteStore embed in-process with
the server's deterministic hashing provider. Results go into the ``## LangGraph store``
section of docs/performance.md (other sections are kept)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
from _doc import replace_section
from langgraph.store.base import BaseStore, IndexConfig
from langgraph.store.memory import InMemoryStore
from langgraph.store.sqlite import SqliteStore

from aionis_langgraph.store import AionisStore
from aionis_sdk import AionisClient
from aionis_server.embeddings import HashingEmbedder
from aionis_server.testing import spawn_server

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## LangGraph store"
WORDS = [
    "apple",
    "river",
    "stone",
    "cloud",
    "pytest",
    "graph",
    "memory",
    "agent",
    "tiger",
    "piano",
    "coffee",
    "rocket",
]


def _value(i: int) -> dict[str, Any]:
    return {"text": f"{WORDS[i % 12]} {WORDS[(i * 7) % 12]} note {i}", "i": i, "g": i % 5}


def _ns(i: int) -> tuple[str, ...]:
    return ("bench", f"user{i % 100}")


def _load(store: BaseStore, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        store.put(_ns(i), f"k{i}", _value(i))
    return time.perf_counter() - start


def _timed(fn: Callable[[int], object], s: int) -> float:
    start = time.perf_counter()
    fn(s)
    return (time.perf_counter() - start) * 1000


def _ops(store: BaseStore, n: int, query: bool) -> dict[str, Callable[[int], object]]:
    ops: dict[str, Callable[[int], object]] = {
        "put": lambda s: store.put(_ns(s * 37 % n), f"k{s * 37 % n}", _value(s * 37 % n)),
        "get": lambda s: store.get(_ns(s * 53 % n), f"k{s * 53 % n}"),
        "search": lambda s: store.search(_ns(s), limit=10),
        "search+filter": lambda s: store.search(_ns(s), filter={"g": s % 5}, limit=10),
    }
    if query:
        ops["search+query"] = lambda s: store.search(_ns(s), query=WORDS[s % 12], limit=10)
    return ops


def _embed(texts: Sequence[str]) -> list[list[float]]:
    return [[float(x) for x in row] for row in HashingEmbedder(1536).embed(texts)]


FAST = "AionisStore, fast path (ext.store_index)"
STOCK = "AionisStore, stock API"
MEMORY = "InMemoryStore"
FLOOR = "HTTP floor: the fast path's request, raw httpx"
FLOOR_OPS = ("get", "search", "search+filter", "search+query")
CACHED = "AionisStore, fast path + read cache (repeat reads)"
REPEATED = ("get", "search", "search+filter")  # the cached store's timed call is the second


def _replay(raw: httpx.Client, sent: list[httpx.Request]) -> None:
    """Send the fast path's last request again with a bare httpx client and parse the JSON:
    one round trip to the same server with no SDK and no store around it."""
    request = sent[-1]
    skip = ("host", "content-length")
    headers = {k: v for k, v in request.headers.items() if k.lower() not in skip}
    raw.post(str(request.url), content=request.content, headers=headers).json()


def sqlite_name(vectors: bool) -> str:
    return "SqliteStore (sqlite-vec index)" if vectors else "SqliteStore (no vector index)"


def _sqlite_connect(path: str) -> tuple[Any, bool]:
    """A connection for SqliteStore, and whether it can load sqlite-vec (its vector index).

    Python's own ``sqlite3`` is often built without extension loading (as on the benchmark
    machine); the ``pysqlite3-binary`` wheel (in the ``dev`` extra on Linux x86-64) can load
    it. Without either, SqliteStore runs without a vector index and search by meaning is not
    compared with it."""
    try:
        import pysqlite3.dbapi2 as driver  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        driver = sqlite3
    conn = driver.connect(path, check_same_thread=False, isolation_level=None)
    loads = hasattr(conn, "enable_load_extension")
    if loads:
        try:
            import sqlite_vec

            conn.enable_load_extension(True)
            sqlite_vec.load(conn)
        except Exception:  # no sqlite-vec, or this sqlite refuses it
            loads = False
    return conn, loads


Results = dict[str, dict[str, list[float]]]


def _await_cache(store: AionisStore) -> None:
    deadline = time.monotonic() + 30
    while not store.cache_info().live:
        if time.monotonic() > deadline:
            raise RuntimeError("the read cache did not start")
        time.sleep(0.01)


def run(n: int, samples: int) -> tuple[Results, dict[str, float], float, list[str]]:
    results: Results = {}
    loads: dict[str, float] = {}
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        index: IndexConfig = {"dims": 1536, "embed": _embed, "fields": ["text"]}
        memory = InMemoryStore(index=index)
        conn, vectors = _sqlite_connect(os.path.join(tmp, "lg.db"))
        sqlite = SqliteStore(conn, index=index if vectors else None)
        sent: list[httpx.Request] = []
        with (
            spawn_server(os.path.join(tmp, "aionis.db")) as url,
            AionisClient(base_url=url, agent_id="langgraph") as client,
            httpx.Client(event_hooks={"request": [sent.append]}) as fast_http,
            AionisClient(base_url=url, agent_id="langgraph", http_client=fast_http) as fast_client,
            AionisClient(base_url=url, agent_id="langgraph") as cached_client,
            httpx.Client() as raw,
        ):
            sqlite.setup()
            stock = AionisStore(client, index={"fields": ["text"]}, fast_path=False)
            fast = AionisStore(fast_client, index={"fields": ["text"]})
            cached = AionisStore(cached_client, index={"fields": ["text"]}, read_cache=True)
            stores: dict[str, tuple[BaseStore, bool]] = {
                MEMORY: (memory, True),
                sqlite_name(vectors): (sqlite, vectors),
                STOCK: (stock, True),
                FAST: (fast, True),
                CACHED: (cached, True),
            }
            for name in (MEMORY, sqlite_name(vectors), STOCK):
                loads[name] = _load(stores[name][0], n)
                print(f"loaded {name}: {loads[name]:.1f} s", flush=True)
            start = time.perf_counter()
            fast.search(("bench",), limit=1)  # builds the server's head table: timed apart
            first = time.perf_counter() - start
            assert fast.uses_fast_path, "the server should advertise ext.store_index"
            cached.search(("bench",), limit=1)
            _await_cache(cached)
            ops = {name: _ops(store, n, query) for name, (store, query) in stores.items()}
            ops[FLOOR] = {op: lambda s: _replay(raw, sent) for op in FLOOR_OPS}
            for op in ops[MEMORY]:
                for name in ops:
                    if op in ops[name]:
                        results.setdefault(name, {})[op] = []
                # The stock-API store's calls keep the server busy for tens of ms (scans,
                # recall), which would spill into the next call: it gets its own pass. The
                # floor replays the request the fast path has just sent.
                interleaved = (MEMORY, sqlite_name(vectors), FAST, FLOOR, CACHED)
                for group in (interleaved, (STOCK,)):
                    for s in range(samples):
                        for name in group:
                            if op in ops[name]:
                                if name == CACHED and op in REPEATED:
                                    ops[name][op](s)  # the first read fills the cache
                                results[name][op].append(_timed(ops[name][op], s))
                print(
                    op,
                    {
                        k: round(statistics.median(v[op]), 2)
                        for k, v in results.items()
                        if v.get(op)
                    },
                    flush=True,
                )
            info = cached.cache_info()
            notes.append(
                f"read cache counters at the end: {info.hits} hits, {info.misses} misses, "
                f"{info.size} answers kept"
            )
            cached.close()
        conn.close()
    return results, loads, first, notes


def _row(values: list[float]) -> str:
    q = statistics.quantiles(values, n=100)
    return f"{statistics.median(values):.2f} | {q[94]:.2f} | {statistics.mean(values):.2f}"


def render(
    results: Results, loads: dict[str, float], first: float, n: int, notes: Sequence[str] = ()
) -> str:
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sqlite = next(name for name in results if name.startswith("SqliteStore"))
    vectors = "search+query" in results[sqlite]
    lines = [
        SECTION,
        "",
        "Produced by `bench/store_bench.py` (method in its docstring). Target: AionisStore "
        "search <= 2x SqliteStore. "
        + (
            "SqliteStore searches by meaning with its sqlite-vec index (loaded through the "
            "`pysqlite3-binary` driver) and the same embedding function as InMemoryStore."
            if vectors
            else "SqliteStore has no vector index on this machine (its sqlite3 cannot load "
            "extensions), so search by meaning is compared with InMemoryStore only."
        ),
        "",
        f"### {n:,} items",
        "",
        f"Measured {when} on {os.cpu_count()} CPUs, {platform.platform()}, Python "
        f"{platform.python_version()}; client and server on the same machine.",
        "",
        "| store | operation | p50 ms | p95 ms | mean ms |",
        "|---|---|---:|---:|---:|",
    ]
    for store, ops in results.items():
        for op, values in ops.items():
            lines.append(f"| {store} | {op} | {_row(values)} |")
    lines.append("")
    for store, seconds in loads.items():
        lines.append(f"- load of {n:,} items into {store}: {seconds:.1f} s ({n / seconds:.0f}/s)")
    lines.append(
        f"- first fast-path call after the load (the server builds its head table from "
        f"{n:,} stored items and their vectors): {first * 1000:.0f} ms"
    )
    for op in results[FLOOR]:
        if op in results[sqlite]:
            ratio = statistics.median(results[FLOOR][op]) / statistics.median(results[sqlite][op])
            lines.append(f"- {FLOOR} / SqliteStore, {op} p50: {ratio:.1f}x")
    for op in results[CACHED]:
        if op in results[sqlite]:
            ratio = statistics.median(results[CACHED][op]) / statistics.median(results[sqlite][op])
            lines.append(f"- {CACHED} / SqliteStore, {op} p50: {ratio:.1f}x")
    lines.extend(f"- {note}" for note in notes)
    for name in (FAST, STOCK):
        for op in results[sqlite]:
            ratio = statistics.median(results[name][op]) / statistics.median(results[sqlite][op])
            lines.append(f"- {name} / SqliteStore, {op} p50: {ratio:.1f}x")
        ratio = statistics.median(results[name]["search+query"]) / statistics.median(
            results[MEMORY]["search+query"]
        )
        lines.append(f"- {name} / InMemoryStore, search+query p50: {ratio:.1f}x")
    for op in ("get", "search", "search+filter", "search+query"):
        ratio = statistics.median(results[STOCK][op]) / statistics.median(results[FAST][op])
        lines.append(f"- stock API / fast path, {op} p50: {ratio:.0f}x")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    results, loads, first, notes = run(args.items, args.samples)
    text = render(results, loads, first, args.items, notes)
    print(text)
    if not args.no_write:
        replace_section(text, generated_until=r"^### [\d,]+ items$")
    return 0


if __name__ == "__main__":
    sys.exit(main())
