"""Group commit: writes that queue up behind the writer share one transaction, each in its own
savepoint. A failing request rolls back alone; ids, hashes and parent chains are exactly those of
the same writes stored one by one."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from aionis_server.app import build_state, close_state
from aionis_server.config import ServerConfig
from aionis_server.context import Principal, RequestContext, ServerState
from aionis_server.errors import ApiError
from aionis_server.identity import inject_local, resolve_tenant, scope_key_for
from aionis_server.schemas.write import WriteBody
from aionis_server.services.write import write
from aionis_server.storage.db import Database
from aionis_server.validation import parse_body


def _wait_pending(db: Database, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(db._pending) < count:  # the jobs queued behind the writer
        assert time.monotonic() < deadline, "writes did not queue up"
        time.sleep(0.001)


class Blocker:
    """Holds the writer (inside a write job) until released, so later writes queue up."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.entered = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        def hold(conn: sqlite3.Connection) -> None:
            self.entered.set()
            assert self.release.wait(10)

        self.db.run_write(hold)

    def __enter__(self) -> Blocker:
        self.thread.start()
        assert self.entered.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(10)


def _queue(db: Database, calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` on threads, each queued behind the previous one; results or exceptions."""
    out: list[Any] = [None] * len(calls)
    threads = []

    def run(i: int) -> None:
        try:
            out[i] = calls[i]()
        except Exception as exc:
            out[i] = exc

    with Blocker(db):
        for i in range(len(calls)):
            thread = threading.Thread(target=run, args=(i,))
            thread.start()
            threads.append(thread)
            _wait_pending(db, i + 1)
    for thread in threads:
        thread.join(10)
    return out


def test_one_failing_job_rolls_back_alone(tmp_path: Path) -> None:
    db = Database(tmp_path / "g.db")
    try:
        ran_on: list[int] = []

        def insert(key: str, fail: bool = False) -> Callable[[], str]:
            def job(conn: sqlite3.Connection) -> str:
                ran_on.append(threading.get_ident())
                conn.execute("INSERT INTO meta (key, value) VALUES (?, 'x')", (key,))
                if fail:
                    raise ValueError(f"job {key} fails after its insert")
                return key

            return lambda: db.run_write(job)

        out = _queue(db, [insert("a"), insert("b", fail=True), insert("c"), insert("d")])
        assert out[0] == "a"
        assert out[2] == "c"
        assert out[3] == "d"
        assert isinstance(out[1], ValueError)
        assert "job b" in str(out[1])
        assert len(set(ran_on)) == 1, "the queued jobs were not stored as one group"
        with db.read() as conn:
            keys = {r[0] for r in conn.execute("SELECT key FROM meta WHERE value = 'x'")}
        assert keys == {"a", "c", "d"}
    finally:
        db.close()


def test_aborted_group_reruns_each_job_alone(tmp_path: Path) -> None:
    """A job that ends the whole transaction (here: a COMMIT of its own) must not take the
    others down: the group is retried job by job."""
    db = Database(tmp_path / "g.db")
    try:

        def insert(key: str) -> Callable[[], str]:
            def job(conn: sqlite3.Connection) -> str:
                conn.execute("INSERT INTO meta (key, value) VALUES (?, 'y')", (key,))
                return key

            return lambda: db.run_write(job)

        def rogue(conn: sqlite3.Connection) -> None:
            conn.execute("ROLLBACK")  # drops the group's transaction, then fails
            raise RuntimeError("rogue job")

        out = _queue(db, [insert("p"), lambda: db.run_write(rogue), insert("q")])
        assert out[0] == "p"
        assert out[2] == "q"
        assert isinstance(out[1], Exception)
        with db.read() as conn:
            keys = {r[0] for r in conn.execute("SELECT key FROM meta WHERE value = 'y'")}
        assert keys == {"p", "q"}
    finally:
        db.close()


def test_nested_run_write_joins_the_outer_transaction(tmp_path: Path) -> None:
    db = Database(tmp_path / "g.db")
    try:

        def outer() -> None:
            with db.write() as conn:
                conn.execute("INSERT INTO meta (key, value) VALUES ('n1', 'z')")
                db.run_write(
                    lambda c: c.execute("INSERT INTO meta (key, value) VALUES ('n2', 'z')")
                )
                with db.read() as snap:  # not visible outside the open transaction
                    assert snap.execute("SELECT 1 FROM meta WHERE key = 'n2'").fetchone() is None
                raise RuntimeError("roll back both")

        with pytest.raises(RuntimeError, match="roll back both"):
            outer()
        with db.read() as conn:
            assert conn.execute("SELECT COUNT(*) FROM meta WHERE value = 'z'").fetchone()[0] == 0
    finally:
        db.close()


# -- the write service, grouped vs one by one --------------------------------------------------


@pytest.fixture
def state_factory(tmp_path: Path) -> Iterator[Callable[[str], ServerState]]:
    states: list[ServerState] = []

    def make(name: str) -> ServerState:
        state = build_state(ServerConfig(db_path=str(tmp_path / f"{name}.db"), embedding_dim=64))
        states.append(state)
        return state

    yield make
    for state in states:
        close_state(state)


def _ctx(state: ServerState, body: dict[str, Any]) -> RequestContext:
    config = state.config
    principal = Principal(tenant_id=None)
    tenant_id = resolve_tenant(None, principal, config)
    inject_local(body, config.local_actor_id, "write")
    return RequestContext(
        state=state,
        request_id="group-test",
        principal=principal,
        tenant_id=tenant_id,
        scope="default",
        scope_key=scope_key_for(config, tenant_id, "default"),
        body=body,
        kind="write",
    )


def _write(state: ServerState, body: dict[str, Any]) -> dict[str, Any]:
    body = dict(body)
    ctx = _ctx(state, body)
    return write(ctx, parse_body(WriteBody, body))


def _bodies(parents: list[str | None]) -> list[dict[str, Any]]:
    bodies = []
    for i, parent in enumerate(parents):
        body: dict[str, Any] = {
            "input_text": f"group write {i}",
            "nodes": [
                {"client_id": f"g{i}", "type": "event", "text_summary": f"grouped event {i}"},
                {"client_id": f"g{i}-t", "type": "topic", "title": f"topic {i}"},
            ],
            "edges": [
                {"type": "part_of", "src": {"client_id": f"g{i}"}, "dst": {"client_id": f"g{i}-t"}}
            ],
        }
        if parent is not None:
            body["parent_commit_id"] = parent
        bodies.append(body)
    return bodies


def test_grouped_writes_match_sequential_ids_hashes_and_chains(
    state_factory: Callable[[str], ServerState],
) -> None:
    # Reference: the chain w0 <- w1 <- w3 and a root w4, stored one write at a time.
    ref = state_factory("ref")
    first = _bodies([None])
    c0 = _write(ref, first[0])["commit_id"]
    c1 = _write(ref, _bodies([None, c0])[1])["commit_id"]
    bodies = _bodies([None, c0, None, c1, None])
    # w2 fails inside the transaction (its edge names a node that exists nowhere).
    bodies[2]["edges"].append(
        {
            "type": "related_to",
            "src": {"client_id": "g2"},
            "dst": {"id": "00000000-0000-5000-8000-000000000000"},
        }
    )
    expected = [_write(ref, b) if i != 2 else None for i, b in enumerate(bodies)]

    grouped = state_factory("grouped")
    calls: list[Callable[[], Any]] = [
        (lambda b=b: _write(grouped, b))  # type: ignore[misc]
        for b in bodies
    ]
    out = _queue(grouped.db, calls)

    assert isinstance(out[2], ApiError)
    assert out[2].code == "edge_endpoint_not_found"
    for i in (0, 1, 3, 4):
        got, want = out[i], expected[i]
        assert isinstance(got, dict), got
        assert want is not None
        for key in ("commit_id", "commit_hash", "nodes", "edges"):
            assert got[key] == want[key], (i, key)
    with grouped.db.read() as conn:
        parents = dict(conn.execute("SELECT id, parent_id FROM commits").fetchall())
        nodes = {r[0] for r in conn.execute("SELECT client_id FROM nodes")}
        vectors = conn.execute("SELECT COUNT(*) FROM node_embeddings").fetchone()[0]
    assert parents[out[1]["commit_id"]] == out[0]["commit_id"]  # parent written in the group
    assert parents[out[3]["commit_id"]] == out[1]["commit_id"]
    assert parents[out[0]["commit_id"]] is None
    assert parents[out[4]["commit_id"]] is None
    assert len(parents) == 4
    assert "g2" not in nodes
    assert "g2-t" not in nodes
    assert nodes == {f"g{i}{s}" for i in (0, 1, 3, 4) for s in ("", "-t")}
    assert vectors == 8
