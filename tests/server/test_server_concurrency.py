"""Concurrency: 8 clients writing and reading at once; no lost, duplicated or half-written data."""

from __future__ import annotations

import threading
from collections import Counter

import httpx
import pytest
from server_support import live_client

CLIENTS = 8
WRITES = 25


@pytest.mark.slow
def test_eight_concurrent_clients() -> None:
    with live_client() as probe:
        base_url = str(probe.base_url)
        errors: list[str] = []
        acked: dict[int, list[str]] = {}

        def worker(n: int) -> None:
            mine: list[str] = []
            with httpx.Client(base_url=base_url, timeout=30) as c:
                for i in range(WRITES):
                    body = {
                        "input_text": f"c{n} w{i}",
                        "memory_lane": "shared",
                        "nodes": [
                            {
                                "client_id": f"c{n}-{i}",
                                "type": "event",
                                "text_summary": f"client {n} write {i}",
                            },
                            {
                                "client_id": f"c{n}-{i}-t",
                                "type": "topic",
                                "title": f"topic {n}-{i}",
                            },
                            {"client_id": "shared-entity", "type": "entity", "title": "contended"},
                        ],
                        "edges": [
                            {
                                "type": "part_of",
                                "src": {"client_id": f"c{n}-{i}"},
                                "dst": {"client_id": f"c{n}-{i}-t"},
                            },
                            {
                                "type": "related_to",
                                "src": {"client_id": f"c{n}-{i}"},
                                "dst": {"client_id": "shared-entity"},
                            },
                        ],
                    }
                    r = c.post("/v1/memory/write", json=body)
                    if r.status_code != 200:
                        errors.append(r.text)
                        continue
                    mine.append(r.json()["commit_id"])
                    # Read-your-write on another path while others write.
                    found = c.post("/v1/memory/find", json={"client_id": f"c{n}-{i}"}).json()[
                        "nodes"
                    ]
                    if len(found) != 1:
                        errors.append(f"read-your-write failed for c{n}-{i}")
                    c.post("/v1/memory/find", json={"type": "topic", "limit": 5})
            acked[n] = mine

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert errors == []
        pack = probe.post("/v1/memory/packs/export", json={"max_rows": 50000}).json()["pack"]
        client_ids = Counter(n["client_id"] for n in pack["nodes"])
        assert client_ids["shared-entity"] == 1
        assert len(client_ids) == CLIENTS * WRITES * 2 + 1
        assert all(count == 1 for count in client_ids.values())
        commit_ids = {c["id"] for c in pack["commits"]}
        assert all(cid in commit_ids for mine in acked.values() for cid in mine)
        assert len(pack["edges"]) == CLIENTS * WRITES * 2
        node_ids = {n["id"] for n in pack["nodes"]}
        assert all(e["src_id"] in node_ids and e["dst_id"] in node_ids for e in pack["edges"])
        nodes_by_commit = Counter(n["commit_id"] for n in pack["nodes"])
        assert all(nodes_by_commit[cid] in (2, 3) for mine in acked.values() for cid in mine)
