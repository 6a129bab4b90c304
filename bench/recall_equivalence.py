"""Recall results must not change when recall gets faster: record, then diff, a few hundred recalls.

    # once: a copy of a seeded bench database plus varied extra data (lanes, owners, rules in
    # every state, topics with topic_state, cold tiers, unembedded nodes)
    .venv/bin/python bench/recall_equivalence.py prepare --src /tmp/w1e4 --workdir /tmp/eq1e4

    # record with the old code (a checkout of the previous commit) and with the current code
    git archive HEAD~1 reference_server | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old/reference_server .venv/bin/python bench/recall_equivalence.py run \\
        --workdir /tmp/eq1e4 --out /tmp/old.jsonl
    .venv/bin/python bench/recall_equivalence.py run --workdir /tmp/eq1e4 --out /tmp/new.jsonl
    .venv/bin/python bench/recall_equivalence.py compare /tmp/old.jsonl /tmp/new.jsonl

``ab`` times the same recall_text calls over HTTP against two servers side by side (the old
code via ``--a-pythonpath``, the new one via ``--b-pythonpath`` or the installed package), each
on its own copy of a database, so both see the same machine
load: one client alternating A and B per call, then 2 and 4 clients in alternating blocks.

``run`` works on a fresh copy of the prepared database (it writes), in one server state, so the
caches see every change: a first third of the recalls, then rule states change (SQL, as an
operator or the rules endpoint would), a second third, then new nodes (shared and private, with
edges to existing hubs) are written through the write service, a last third. The recalls cycle
through presets, explicit knobs, the slot/meta flags, consumers (agent, team, both, none),
layer preferences, budgets, ``rules_context`` with and without shadow rules, ``return_debug``
and recall by vector. Each response is written as one JSON line without ``observability``
(timings), keys in the order the server built them; where the server has a fast response
encoder (``api.encode_json``), each response's bytes from it must equal ``json``'s. ``compare``
reports the first differing path of each differing recall. Floats are compared exactly (the
JSON text of a float round-trips its bits).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import server_bench as sb

DB = "bench.db"
AGENTS = ("agent-a", "agent-b")
TEAMS = ("team-x", "team-y")


def _copy(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for item in src.iterdir():
        if item.name.startswith(DB):
            target = dst / item.name
            if item.is_dir():
                shutil.copytree(item, target, dirs_exist_ok=True)
            else:
                shutil.copy2(item, target)


def _extra_nodes(rng: random.Random, tag: str, count: int, hubs: int) -> dict[str, Any]:
    """A write body with ``count`` varied nodes linked to bench nodes below ``hubs``."""
    topics = list(sb.TOPICS)
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for i in range(count):
        topic = topics[i % len(topics)]
        cid = f"{tag}{i}"
        node: dict[str, Any] = {
            "client_id": cid,
            "type": ("event", "topic", "concept", "entity", "evidence", "procedure")[i % 6],
            "title": f"{tag} {topic} {i}",
            "text_summary": sb.sentence(rng, topic),
            "salience": round(rng.random(), 3),
            "confidence": round(0.2 + 0.8 * rng.random(), 3),
        }
        lane = i % 5
        if lane == 1:
            node.update(memory_lane="private", owner_agent_id=AGENTS[i % 2])
        elif lane == 2:
            node.update(memory_lane="private", owner_team_id=TEAMS[i % 2])
        elif lane == 3:
            node.update(memory_lane="private", owner_agent_id=AGENTS[0], owner_team_id=TEAMS[1])
        else:
            node["memory_lane"] = "shared"
        if node["type"] == "topic":
            state = ("active", "archived", None, "active", 3)[i % 5]
            if state is not None:
                node["slots"] = {"topic_state": state}
        if i % 9 == 4:
            node["tier"] = ("cold", "archive", "warm")[i % 3]
        if i % 4 == 0:
            node["slots"] = {**node.get("slots", {}), "compression_layer": f"L{i % 6}", "k": i}
        nodes.append(node)
        edges.append(
            {
                "type": ("related_to", "part_of", "derived_from")[i % 3],
                "src": {"client_id": cid},
                "dst": {"id": sb._nid(rng.randrange(hubs))},
                "weight": round(0.1 + 0.9 * rng.random(), 3),
                "confidence": round(0.1 + 0.9 * rng.random(), 3),
            }
        )
        if i and i % 3 == 0:
            edges.append(
                {
                    "type": "related_to",
                    "src": {"client_id": cid},
                    "dst": {"client_id": f"{tag}{i - 1}"},
                    "weight": 0.9,
                    "confidence": 0.9,
                }
            )
    return {"scope": sb.SCOPE, "input_text": f"equivalence {tag}", "nodes": nodes, "edges": edges}


def _rules(rng: random.Random, count: int) -> dict[str, Any]:
    topics = list(sb.TOPICS)
    nodes = []
    for i in range(count):
        topic = topics[i % len(topics)]
        node: dict[str, Any] = {
            "client_id": f"eqrule{i}",
            "type": "rule",
            "title": f"rule {topic} {i}",
            "text_summary": sb.sentence(rng, topic),
            "slots": {
                "if": {"intent": topic},
                "then": {"tool": {"prefer": [f"tool-{topic}"]}},
            },
            "memory_lane": "shared" if i % 4 else "private",
        }
        if i % 4 == 0:
            node["owner_agent_id"] = AGENTS[0]
        nodes.append(node)
    return {"scope": sb.SCOPE, "input_text": "equivalence rules", "nodes": nodes}


def _set_rule_states(seeder: sb.DirectSeeder, phase: int) -> None:
    states = ("draft", "shadow", "active", "disabled")
    with seeder.state.db.write() as conn:
        ids = [r[0] for r in conn.execute("SELECT node_id FROM rule_defs ORDER BY node_id")]
        for i, node_id in enumerate(ids):
            conn.execute(
                "UPDATE rule_defs SET state = ? WHERE node_id = ?",
                (states[(i + phase) % len(states)], node_id),
            )


def prepare(args: argparse.Namespace) -> None:
    src, work = Path(args.src), Path(args.workdir)
    _copy(src, work)
    info = json.loads((src / "seeded.json").read_text(encoding="utf-8"))
    (work / "seeded.json").write_text(json.dumps(info), encoding="utf-8")
    seeder = sb.DirectSeeder(work / DB, args.dim)
    rng = random.Random(3)
    hubs = int(info["nodes"])
    seeder(_extra_nodes(rng, "eqa", 300, hubs))
    seeder(_rules(rng, 24))
    body = _extra_nodes(rng, "eqp", 40, hubs)
    body["auto_embed"] = False  # nodes without embeddings (not 'ready'): no seeds, no spreading
    seeder(body)
    _set_rule_states(seeder, 0)
    seeder.close()
    print(f"prepared {work}")


def _variants() -> list[dict[str, Any]]:
    preset = [{}, {"recall_strategy": "global"}, {"recall_strategy": "local"}]
    knobs = [
        {"limit": 50, "max_nodes": 200, "max_edges": 100, "ranked_limit": 500},
        {"limit": 5, "neighborhood_hops": 1, "ranked_limit": 10, "min_edge_weight": 0.5},
        {"min_edge_weight": 0.0, "min_edge_confidence": 0.0, "recall_strategy": "local"},
        {"recall_mode": "dense_edge"},
        {"limit": 200, "neighborhood_hops": 2, "max_nodes": 200, "ranked_limit": 500},
    ]
    flags = [
        {"include_meta": True, "include_slots": True},
        {"include_slots_preview": True, "slots_preview_keys": 1},
        {"context_char_budget": 800},
        {"context_token_budget": 120, "context_compaction_profile": "aggressive"},
        {"memory_layer_preference": {"allowed_layers": ["L0", "L3"]}},
        {"return_debug": True},
        {"rules_context": {"intent": "deploy"}, "rules_include_shadow": True},
        {"rules_context": {"intent": "testing"}, "rules_limit": 3},
    ]
    consumers = [
        {},
        {"consumer_agent_id": AGENTS[0]},
        {"consumer_team_id": TEAMS[1]},
        {"consumer_agent_id": AGENTS[1], "consumer_team_id": TEAMS[0]},
    ]
    out = []
    for i in range(len(preset) + len(knobs) + len(flags)):
        base = (preset + knobs + flags)[i]
        for j, consumer in enumerate(consumers):
            if (i + j) % 2 == 0 or not consumer:
                out.append({**base, **consumer})
    return out


def run(args: argparse.Namespace) -> None:
    from aionis_server import api
    from aionis_server.context import Principal, RequestContext
    from aionis_server.identity import scope_key_for
    from aionis_server.services import recall as rc

    encode = getattr(api, "encode_json", None)

    work = Path(tempfile.mkdtemp(prefix="aionis-eq-"))
    try:
        _copy(Path(args.workdir), work)
        info = json.loads((Path(args.workdir) / "seeded.json").read_text(encoding="utf-8"))
        seeder = sb.DirectSeeder(work / DB, args.dim)
        state = seeder.state
        sk = scope_key_for(seeder.config, "default", sb.SCOPE)
        rng = random.Random(11)
        topics = list(sb.TOPICS)
        variants = _variants()
        third = max(1, args.recalls // 3)
        lines = []
        for i in range(args.recalls):
            if i == third:
                _set_rule_states(seeder, 1)
            if i == 2 * third:
                seeder(_extra_nodes(random.Random(5), "eqlate", 60, int(info["nodes"])))
                _set_rule_states(seeder, 2)
            body: dict[str, Any] = {"scope": sb.SCOPE, **variants[i % len(variants)]}
            text = sb.sentence(rng, topics[i % len(topics)])
            ctx = RequestContext(
                state=state,
                request_id="eq",
                principal=Principal(tenant_id=None),
                tenant_id="default",
                scope=sb.SCOPE,
                scope_key=sk,
            )
            if i % 7 == 3:
                vector = state.embedder.embed([text])[0]
                body["query_embedding"] = [float(v) for v in vector]
                result = rc.recall_service(ctx, body)
            else:
                body["query_text"] = text
                result = rc.recall_text_service(ctx, body)
            result.pop("observability", None)
            if encode is not None:  # the response bytes: orjson's fast path or json's
                assert encode(result) == api.dump_json(result), f"recall {i}: encodings differ"
            # key order kept: it is part of the bytes a client receives
            lines.append(json.dumps({"i": i, "body": body, "result": result}))
        seeder.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} recalls -> {args.out}")


def _first_diff(a: Any, b: Any, path: str = "$") -> str | None:
    if type(a) is not type(b):
        return f"{path}: {a!r:.80} != {b!r:.80}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}: only in {'new' if key in b else 'old'}"
            found = _first_diff(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        if list(a) != list(b):
            return f"{path}: key order {list(a)!r:.80} != {list(b)!r:.80}"
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_diff(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {a!r:.80} != {b!r:.80}"


def compare(args: argparse.Namespace) -> int:
    old = Path(args.old).read_text(encoding="utf-8").splitlines()
    new = Path(args.new).read_text(encoding="utf-8").splitlines()
    if len(old) != len(new):
        print(f"different counts: {len(old)} vs {len(new)}")
        return 1
    bad = 0
    for a, b in zip(old, new, strict=True):
        if a != b:
            bad += 1
            if bad <= 10:
                da, db = json.loads(a), json.loads(b)
                print(f"recall {da['i']}: {_first_diff(da, db)}")
    print(f"{len(old) - bad}/{len(old)} recalls identical")
    return 1 if bad else 0


def ab(args: argparse.Namespace) -> None:
    import os
    import statistics
    import time
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from aionis_server.testing import spawn_server

    env_a = {"PYTHONPATH": args.a_pythonpath} if args.a_pythonpath else None
    env_b = {"PYTHONPATH": args.b_pythonpath} if args.b_pythonpath else None
    rng = random.Random(5)
    topics = list(sb.TOPICS)
    bodies = [
        {"scope": sb.SCOPE, "query_text": sb.sentence(rng, topics[i % 8])}
        for i in range(args.requests)
    ]

    def stats(name: str, values: list[float], wall: float | None = None) -> str:
        out = (
            f"{name}: p50 {sb.percentile(values, 50):.1f} p95 {sb.percentile(values, 95):.1f}"
            f" p99 {sb.percentile(values, 99):.1f} mean {statistics.fmean(values):.1f} ms"
        )
        return out + (f", {len(values) / wall:.1f} req/s" if wall else "")

    with (
        spawn_server(args.a_db, embedding_dim=args.dim, startup_timeout=3600, env=env_a) as url_a,
        spawn_server(args.b_db, embedding_dim=args.dim, startup_timeout=3600, env=env_b) as url_b,
    ):
        urls = {"a": url_a, "b": url_b}
        local = {
            "a": httpx.Client(base_url=url_a, timeout=120),
            "b": httpx.Client(base_url=url_b, timeout=120),
        }
        for body in bodies[:20]:
            for client in local.values():
                client.post("/v1/memory/recall_text", json=body)
        single: dict[str, list[float]] = {"a": [], "b": []}
        for i, body in enumerate(bodies):
            for name in ("a", "b") if i % 2 == 0 else ("b", "a"):
                t0 = time.perf_counter()
                res = local[name].post("/v1/memory/recall_text", json=body)
                single[name].append((time.perf_counter() - t0) * 1000)
                assert res.status_code == 200, res.text[:200]
        for name in ("a", "b"):
            print(stats(f"1 client {name}", single[name]))
        ratio = [x / y for x, y in zip(single["a"], single["b"], strict=True)]
        print(f"1 client a/b per pair: median {statistics.median(ratio):.2f}")
        for conc in args.concurrency:
            lat: dict[str, list[float]] = {"a": [], "b": []}
            wall = {"a": 0.0, "b": 0.0}
            block = max(conc, args.requests // 4)
            for r, start in enumerate(range(0, args.requests, block)):
                part = bodies[start : start + block]
                for name in ("a", "b") if r % 2 == 0 else ("b", "a"):
                    tl = threading.local()

                    def one(body: dict[str, Any], name: str = name, tl: Any = tl) -> float:
                        client = getattr(tl, "c", None)
                        if client is None:
                            client = tl.c = httpx.Client(base_url=urls[name], timeout=120)
                        t0 = time.perf_counter()
                        res = client.post("/v1/memory/recall_text", json=body)
                        assert res.status_code == 200, res.text[:200]
                        return (time.perf_counter() - t0) * 1000

                    t0 = time.perf_counter()
                    with ThreadPoolExecutor(conc) as pool:
                        lat[name] += list(pool.map(one, part))
                    wall[name] += time.perf_counter() - t0
            for name in ("a", "b"):
                print(stats(f"{conc} clients {name}", lat[name], wall[name]))
    print(f"load average {os.getloadavg()[0]:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--src", required=True, help="a server_bench --workdir (seeded)")
    p.add_argument("--workdir", required=True)
    p.add_argument("--dim", type=int, default=1536)
    r = sub.add_parser("run")
    r.add_argument("--workdir", required=True, help="prepared by 'prepare'")
    r.add_argument("--out", required=True)
    r.add_argument("--recalls", type=int, default=300)
    r.add_argument("--dim", type=int, default=1536)
    t = sub.add_parser("ab")
    t.add_argument("--a-db", required=True)
    t.add_argument("--a-pythonpath", default=None, help="source of server A (the old code)")
    t.add_argument("--b-db", required=True)
    t.add_argument("--b-pythonpath", default=None, help="source of server B (default: installed)")
    t.add_argument("--requests", type=int, default=200)
    t.add_argument("--concurrency", type=int, nargs="*", default=[2, 4])
    t.add_argument("--dim", type=int, default=1536)
    c = sub.add_parser("compare")
    c.add_argument("old")
    c.add_argument("new")
    args = parser.parse_args(argv)
    if args.cmd == "prepare":
        prepare(args)
    elif args.cmd == "run":
        run(args)
    elif args.cmd == "ab":
        ab(args)
    else:
        return compare(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
