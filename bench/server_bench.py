"""Reference-server benchmark: seed N nodes, then time write, find and recall_text.

    .venv/bin/python bench/server_bench.py --nodes 10000 --concurrency 4

A fresh ``aionis-server`` subprocess runs on a temporary SQLite file with the default settings
(deterministic-hash embeddings, 1536 dimensions, ``synchronous=FULL``). Seeding goes through
/v1/memory/write in batches with client_ids, ``related_to`` edges between nearby nodes and
``part_of`` edges from events to topics. Each measured phase then runs ``--requests`` calls
spread over ``--concurrency`` client threads (one keep-alive httpx client each) and reports
p50/p95/p99 latency and throughput. Client and server share the machine, so on a 2-core box the
numbers include the client's own CPU use. Results go into the ``## Reference server`` section of
docs/performance.md (other sections are kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from aionis_sdk.canonical import node_id_for_client_id
from aionis_server.testing import current_processes, spawn_server

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Reference server"
SCOPE = "bench"
TOPICS = {
    "databases": "sqlite postgres index query transaction replica schema migration vacuum wal",
    "testing": "pytest unittest fixture mock coverage assertion flaky parametrize runner ci",
    "deploy": "kubernetes docker container rollout helm cluster node pod ingress canary",
    "ml": "embedding model vector training dataset tokenizer gradient inference batch layer",
    "web": "http request response header cookie session cache latency proxy tls",
    "python": "asyncio typing dataclass generator decorator import package wheel venv pip",
    "security": "token secret key jwt oauth password audit permission role encryption",
    "agents": "planner tool memory recall rule policy feedback decision context workflow",
}
FILLER = [
    "the",
    "user",
    "said",
    "we",
    "should",
    "always",
    "prefer",
    "to",
    "use",
    "when",
    "working",
    "on",
    "the",
    "project",
    "today",
]


def sentence(rng: random.Random, topic: str) -> str:
    words = TOPICS[topic].split()
    other = TOPICS[rng.choice(list(TOPICS))].split()
    picked = rng.sample(words, 4) + rng.sample(other, 1) + rng.sample(FILLER, 4)
    rng.shuffle(picked)
    return " ".join(picked)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class Bench:
    def __init__(self, base_url: str, concurrency: int, seed: int) -> None:
        self.base_url = base_url
        self.seed_post_fn: Callable[[dict[str, Any]], None] | None = None
        self.concurrency = concurrency
        self.rng = random.Random(seed)
        self._local = threading.local()
        self._clients: list[httpx.Client] = []
        self._lock = threading.Lock()

    def client(self) -> httpx.Client:
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(base_url=self.base_url, timeout=120.0)
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        res = self.client().post(path, json=body)
        if res.status_code != 200:
            raise RuntimeError(f"{path} -> {res.status_code}: {res.text[:300]}")
        out: dict[str, Any] = res.json()
        return out

    def close(self) -> None:
        for client in self._clients:
            client.close()

    # -- seeding ------------------------------------------------------------------------------

    def seed_batch(self, start: int, count: int, linkable: int) -> None:
        """Write nodes ``start..start+count``; link only within the batch or below ``linkable``
        (nodes of batches already committed)."""
        rng = random.Random(start)
        topics = list(TOPICS)
        nodes: list[dict[str, Any]] = []
        edges: list[dict[str, Any]] = []
        for i in range(start, start + count):
            topic = topics[i % len(topics)]
            kind = "topic" if i % 50 == 0 else "entity" if i % 7 == 0 else "event"
            nodes.append(
                {
                    "client_id": f"n{i}",
                    "type": kind,
                    "title": f"{topic} {kind} {i}",
                    "text_summary": sentence(rng, topic),
                    "salience": round(rng.random(), 3),
                }
            )
            if i > 0:
                j = max(0, i - rng.randint(1, 40))
                if j < start and j >= linkable:
                    j = max(0, linkable - rng.randint(1, 40)) if linkable else start
                dst = {"client_id": f"n{j}"} if j >= start else {"id": _nid(j)}
                edges.append(
                    {
                        "type": "related_to",
                        "src": {"client_id": f"n{i}"},
                        "dst": dst,
                        "weight": round(0.3 + 0.7 * rng.random(), 3),
                        "confidence": round(0.3 + 0.7 * rng.random(), 3),
                    }
                )
            hub = (i // 50) * 50
            if kind == "event" and hub != i and (hub >= start or hub < linkable):
                dst = {"client_id": f"n{hub}"} if hub >= start else {"id": _nid(hub)}
                edges.append(
                    {"type": "part_of", "src": {"client_id": f"n{i}"}, "dst": dst, "weight": 0.8}
                )
        self.seed_post(
            {
                "scope": SCOPE,
                "input_text": f"bench seed batch {start}",
                "memory_lane": "shared",
                "nodes": nodes,
                "edges": edges,
            },
        )

    def seed_post(self, body: dict[str, Any]) -> None:
        if self.seed_post_fn is not None:
            self.seed_post_fn(body)
        else:
            self.post("/v1/memory/write", body)

    def seed(self, total: int, batch: int) -> float:
        started = time.perf_counter()
        starts = list(range(0, total, batch))
        # The first batch alone, so later batches can link to its nodes by id.
        self.seed_batch(0, min(batch, total), 0)
        done = min(batch, total)
        with ThreadPoolExecutor(self.concurrency) as pool:
            for offset in range(1, len(starts), self.concurrency * 4):
                group = starts[offset : offset + self.concurrency * 4]
                linkable = group[0]
                list(
                    pool.map(
                        lambda s, low=linkable: self.seed_batch(s, min(batch, total - s), low),
                        group,
                    )
                )
                done += sum(min(batch, total - s) for s in group)
                rate = done / (time.perf_counter() - started)
                print(f"\r  seeded {done:,}/{total:,} nodes ({rate:,.0f}/s)", end="", flush=True)
        print()
        return time.perf_counter() - started

    # -- measuring ----------------------------------------------------------------------------

    def measure(
        self, name: str, requests: int, make: Callable[[int], tuple[str, dict[str, Any]]]
    ) -> dict[str, Any]:
        latencies: list[float] = []
        lock = threading.Lock()

        def one(i: int) -> None:
            path, body = make(i)
            t0 = time.perf_counter()
            self.post(path, body)
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(elapsed)

        for i in range(min(10, requests)):  # warm-up, not timed
            self.post(*make(i))
        started = time.perf_counter()
        with ThreadPoolExecutor(self.concurrency) as pool:
            list(pool.map(one, range(requests)))
        wall = time.perf_counter() - started
        return {
            "name": name,
            "requests": requests,
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "p99": percentile(latencies, 99),
            "mean": statistics.fmean(latencies),
            "rps": requests / wall,
        }


_NID_CACHE: dict[int, str] = {}


def _nid(i: int) -> str:
    if i not in _NID_CACHE:
        _NID_CACHE[i] = node_id_for_client_id(f"n{i}", scope=SCOPE)
    return _NID_CACHE[i]


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _anon_kib(pid: int) -> int:
    """Anonymous (heap) memory of ``pid``: RSS without the SQLite file pages it has mapped."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Anonymous:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class DirectSeeder:
    """``--seed-direct``: the server's own state and write service, in this process.

    Each body goes through the same steps as ``POST /v1/memory/write`` after the HTTP layer:
    local identity injection (auth off), tenant and scope resolution, ``WriteBody`` validation,
    then ``services.write.write`` (embedding, one transaction per batch, vector index update).
    Closing saves the vector index next to the database, as a server shutting down does, so
    the measuring server starts without rebuilding it.
    """

    def __init__(self, db_path: Path, dim: int) -> None:
        from aionis_server.app import build_state
        from aionis_server.config import ServerConfig

        self.config = ServerConfig(db_path=str(db_path), embedding_dim=dim)
        self.state = build_state(self.config)
        # Rows (with their embeddings) are stored batch by batch; the HNSW graph is built once,
        # from ``node_embeddings``, when seeding ends (``VectorIndex.sync``, as a server does on
        # start for rows its saved index lacks). Inserting into a large graph batch by batch
        # re-locks and re-walks it thousands of times and was the bulk of the seeding time.
        self._vectors_add = self.state.vectors.add
        self.state.vectors.add = lambda *args, **kwargs: 0  # type: ignore[method-assign]

    def __call__(self, body: dict[str, Any]) -> None:
        from aionis_server.context import Principal, RequestContext
        from aionis_server.identity import check_scope, inject_local, resolve_tenant, scope_key_for
        from aionis_server.schemas.write import WriteBody
        from aionis_server.services.write import write
        from aionis_server.validation import parse_body

        config = self.config
        body = dict(body)
        principal = Principal(tenant_id=None)
        tenant_id = resolve_tenant(body.get("tenant_id"), principal, config)
        scope = check_scope(body.get("scope", config.default_scope))
        inject_local(body, config.local_actor_id, "write")
        ctx = RequestContext(
            state=self.state,
            request_id="bench-seed",
            principal=principal,
            tenant_id=tenant_id,
            scope=scope,
            scope_key=scope_key_for(config, tenant_id, scope),
            body=body,
            kind="write",
        )
        write(ctx, parse_body(WriteBody, body))

    def build_index(self) -> int:
        """Index every stored embedding in one pass (multi-threaded usearch inserts)."""
        self.state.vectors.add = self._vectors_add  # type: ignore[method-assign]
        return self.state.vectors.sync()

    def close(self) -> None:
        from aionis_server.app import close_state

        close_state(self.state)


def _mark_seeded(marker: Path, args: argparse.Namespace, seed_s: float, mode: str) -> None:
    info = {"nodes": args.nodes, "dim": args.dim, "seed_s": seed_s, "mode": mode}
    marker.write_text(json.dumps(info), encoding="utf-8")


def run(args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="aionis-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    db_path = tmp / "bench.db"
    seed_s = 0.0
    marker = tmp / "seeded.json"
    reused = False
    seed_mode = "in-process (--seed-direct)" if args.seed_direct else "HTTP"
    if args.reuse and marker.is_file():
        info = json.loads(marker.read_text(encoding="utf-8"))
        if info.get("nodes") == args.nodes and info.get("dim") == args.dim:
            seed_s, reused = float(info["seed_s"]), True
            seed_mode = f"{info['mode']}, database reused from an earlier run"
            print(f"reusing {db_path} seeded with {args.nodes:,} nodes ({info['mode']})")
    if args.seed_direct and not reused:
        print(f"seeding {args.nodes:,} nodes in-process into {db_path}")
        seeder = DirectSeeder(db_path, args.dim)
        direct = Bench("http://unused", args.concurrency, args.seed)
        direct.seed_post_fn = seeder
        seed_s = direct.seed(args.nodes, args.batch)
        building = time.perf_counter()
        added = seeder.build_index()
        build_s = time.perf_counter() - building
        print(f"  vector index built: {added:,} vectors in {build_s:.1f} s")
        seed_s += build_s
        saving = time.perf_counter()
        seeder.close()
        print(f"  vector index saved in {time.perf_counter() - saving:.1f} s")
        _mark_seeded(marker, args, seed_s, "in-process (--seed-direct)")
    if args.seed_only:
        return {}
    started = time.perf_counter()
    with spawn_server(str(db_path), embedding_dim=args.dim, startup_timeout=3600) as base_url:
        startup_s = time.perf_counter() - started
        pid = current_processes()[-1].pid
        rss_start = _rss_kib(pid)
        bench = Bench(base_url, args.concurrency, args.seed)
        print(f"server {base_url} (pid {pid}), db {db_path}, started in {startup_s:.1f} s")
        if not args.seed_direct and not reused:
            seed_s = bench.seed(args.nodes, args.batch)
            _mark_seeded(marker, args, seed_s, "HTTP")
        rss_seeded = _rss_kib(pid)
        rng = random.Random(args.seed)
        topics = list(TOPICS)
        counter = [args.nodes]
        counter_lock = threading.Lock()

        def write_body(i: int) -> tuple[str, dict[str, Any]]:
            with counter_lock:
                n = counter[0]
                counter[0] += 1
            topic = topics[n % len(topics)]
            hub = rng.randrange(0, args.nodes, 50)
            return "/v1/memory/write", {
                "scope": SCOPE,
                "input_text": f"bench write {n}",
                "memory_lane": "shared",
                "nodes": [
                    {"client_id": f"w{n}", "type": "event", "text_summary": sentence(rng, topic)}
                ],
                "edges": [
                    {"type": "part_of", "src": {"client_id": f"w{n}"}, "dst": {"id": _nid(hub)}}
                ],
            }

        def find_body(i: int) -> tuple[str, dict[str, Any]]:
            if i % 2:
                return "/v1/memory/find", {"scope": SCOPE, "type": "topic", "limit": 20}
            return "/v1/memory/find", {"scope": SCOPE, "client_id": f"n{rng.randrange(args.nodes)}"}

        def recall_body(i: int) -> tuple[str, dict[str, Any]]:
            topic = topics[i % len(topics)]
            return "/v1/memory/recall_text", {"scope": SCOPE, "query_text": sentence(rng, topic)}

        c = args.concurrency
        results = [
            bench.measure(f"write (1 node + 1 edge), {c} clients", args.requests, write_body),
            bench.measure(f"find (type / client_id), {c} clients", args.requests, find_body),
            bench.measure(f"recall_text (balanced), {c} clients", args.requests, recall_body),
        ]
        if args.latency_requests and c != 1:
            # One client at a time: the latency of a call on an otherwise idle server.
            single = Bench(base_url, 1, args.seed + 1)
            results += [
                single.measure(
                    "write (1 node + 1 edge), 1 client", args.latency_requests, write_body
                ),
                single.measure(
                    "recall_text (balanced), 1 client", args.latency_requests, recall_body
                ),
            ]
            single.close()
        rss_end = _rss_kib(pid)
        anon_end = _anon_kib(pid)
        bench.close()
    db_bytes = sum(p.stat().st_size for p in tmp.glob("bench.db*") if p.is_file())
    return {
        "nodes": args.nodes,
        "concurrency": args.concurrency,
        "dim": args.dim,
        "seed_s": seed_s,
        "seed_mode": seed_mode,
        "startup_s": startup_s,
        "results": results,
        "db_bytes": db_bytes,
        "rss_start_mib": rss_start / 1024,
        "rss_seeded_mib": rss_seeded / 1024,
        "rss_end_mib": rss_end / 1024,
        "anon_end_mib": anon_end / 1024,
        "load": os.getloadavg()[0],
        "when": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}",
    }


def render(report: dict[str, Any]) -> str:
    n = report["nodes"]
    lines = [
        f"### {n:,} nodes",
        "",
        f"Measured {report['when']} on {report['machine']}; {report['concurrency']} concurrent "
        f'clients on the same machine (rows marked "1 client": one call at a time); embedding '
        f"dim {report['dim']}; 1-minute load average "
        f"{report['load']:.1f} when the run ended (other work on the machine inflates latencies).",
        "",
        "| operation | requests | p50 ms | p95 ms | p99 ms | mean ms | req/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        lines.append(
            f"| {r['name']} | {r['requests']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} "
            f"| {r['mean']:.1f} | {r['rps']:.0f} |"
        )
    lines += [
        "",
        f"- seeding: {n:,} nodes in {report['seed_s']:.1f} s ({n / report['seed_s']:,.0f} nodes/s, "
        f"batched writes with edges, {report['seed_mode']}); server start on the seeded file "
        f"{report['startup_s']:.1f} s",
        f"- database file (with WAL): {report['db_bytes'] / 2**20:,.1f} MiB",
        f"- server RSS: {report['rss_start_mib']:,.0f} MiB at start, {report['rss_seeded_mib']:,.0f} MiB "
        f"after seeding, {report['rss_end_mib']:,.0f} MiB at the end, of which "
        f"{report['anon_end_mib']:,.0f} MiB anonymous (vector index and caches; the rest is "
        "database pages read through SQLite's memory map)",
        "",
    ]
    return "\n".join(lines)


def update_doc(path: Path, block: str, nodes: int) -> None:
    """Replace this run's ``### N nodes`` block inside ``## Reference server``; keep the rest."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    intro = (
        f"{SECTION}\n\n"
        "Produced by `bench/server_bench.py` (see its docstring for the method). Targets at "
        "1e6 nodes: write p95 <= 20 ms, recall_text p95 <= 50 ms.\n"
    )
    if SECTION not in text:
        text = text.rstrip("\n") + "\n\n" + intro + "\n"
    head, rest = text.split(SECTION, 1)
    nxt = rest.find("\n## ")
    section, tail = (rest, "") if nxt < 0 else (rest[:nxt], rest[nxt:])
    blocks: dict[int, str] = {}
    preamble = section
    if "\n### " in section:
        preamble, _, subs = section.partition("\n### ")
        for chunk in ("### " + subs).split("\n### "):
            chunk = chunk if chunk.startswith("### ") else "### " + chunk
            title = chunk.split("\n", 1)[0]
            digits = "".join(c for c in title if c.isdigit())
            if digits:
                blocks[int(digits)] = chunk.rstrip("\n") + "\n"
    blocks[nodes] = block
    body = preamble.rstrip("\n") + "\n\n" + "\n".join(blocks[k] for k in sorted(blocks))
    path.write_text(head + SECTION + body.rstrip("\n") + "\n" + tail, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--requests", type=int, default=500, help="timed calls per operation")
    parser.add_argument("--batch", type=int, default=200, help="nodes per seeding write")
    parser.add_argument("--dim", type=int, default=1536)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--doc", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument("--no-doc", action="store_true", help="print only")
    parser.add_argument(
        "--seed-direct",
        action="store_true",
        help="seed in-process through the write service (same validation, embedding, storage "
        "and vector index as /write), then measure over HTTP against a server on that file",
    )
    parser.add_argument("--workdir", help="directory for the database (default: a new temp dir)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --workdir: skip seeding when it already holds a database seeded with --nodes "
        "(the timed writes of earlier runs stay in it)",
    )
    parser.add_argument(
        "--latency-requests",
        type=int,
        default=200,
        help="also time this many write and recall_text calls from a single client (0: skip)",
    )
    parser.add_argument("--seed-only", action="store_true", help="with --seed-direct: stop after")
    args = parser.parse_args(argv)
    report = run(args)
    if not report:
        return 0
    block = render(report)
    print()
    print(block)
    if not args.no_doc:
        update_doc(Path(args.doc), block, args.nodes)
        print(f"updated {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
