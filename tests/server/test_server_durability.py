"""Durability: SIGKILL mid-write-load, restart on the same file, every acknowledged commit is there."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from aionis_server.testing import current_processes, spawn_server

WORKERS = 4


def _load(
    base_url: str, worker: int, acked: list[tuple[str, str | None]], stop: threading.Event
) -> None:
    parent: str | None = None
    with httpx.Client(base_url=base_url, timeout=10) as client:
        i = 0
        while not stop.is_set():
            body = {
                "input_text": f"worker {worker} write {i}",
                "memory_lane": "shared",
                "parent_commit_id": parent,
                "nodes": [
                    {
                        "client_id": f"w{worker}-{i}",
                        "type": "event",
                        "text_summary": f"event {worker} {i}",
                    },
                    {"client_id": f"w{worker}-{i}-e", "type": "entity", "title": f"entity {i}"},
                ],
                "edges": [
                    {
                        "type": "related_to",
                        "src": {"client_id": f"w{worker}-{i}"},
                        "dst": {"client_id": f"w{worker}-{i}-e"},
                    }
                ],
            }
            if parent is None:
                del body["parent_commit_id"]
            try:
                r = client.post("/v1/memory/write", json=body)
            except httpx.TransportError:
                return  # the server died mid-request: that write was never acknowledged
            if r.status_code == 200:
                commit_id = r.json()["commit_id"]
                acked.append((commit_id, parent))
                parent = commit_id
            i += 1


@pytest.mark.slow
def test_sigkill_mid_load_loses_no_acknowledged_commit(tmp_path: Path) -> None:
    db = str(tmp_path / "durable.db")
    acked: list[tuple[str, str | None]] = []
    stop = threading.Event()
    with spawn_server(db) as base_url:
        proc = current_processes()[-1]
        threads = [
            threading.Thread(target=_load, args=(base_url, w, acked, stop)) for w in range(WORKERS)
        ]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        while len(acked) < 150 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # no shutdown, no checkpoint
        proc.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=15)
    assert len(acked) >= 20, "the load produced too few acknowledged writes"

    with spawn_server(db) as base_url, httpx.Client(base_url=base_url, timeout=30) as client:
        pack = client.post("/v1/memory/packs/export", json={"max_rows": 50000}).json()["pack"]
        commits = {c["id"]: c for c in pack["commits"]}
        for commit_id, parent in acked:
            assert commit_id in commits, commit_id
            assert commits[commit_id]["parent_id"] == parent
        for node in pack["nodes"]:
            assert node["commit_id"] in commits
        for commit in commits.values():
            assert commit["parent_id"] is None or commit["parent_id"] in commits
        # The chain of each acknowledged head resolves back to a root.
        head = acked[-1][0]
        seen = 0
        while head is not None:
            head = commits[head]["parent_id"]
            seen += 1
        assert seen >= 1
        assert client.get("/health").json()["ok"] is True
