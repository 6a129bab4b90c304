"""SQLite connection management: one serialised writer, one reader connection per thread.

SQLite in WAL mode lets readers run while the single writer commits. Writes are serialised by
a lock in this process (``BEGIN IMMEDIATE`` also guards against other processes), so a write
transaction never fails with ``database is locked`` under load from this server.

Group commit (:meth:`Database.run_write`): write requests that queue up while another one holds
the writer are stored together in one transaction, each inside its own ``SAVEPOINT``, so N
waiting requests pay one ``COMMIT`` (one fdatasync) instead of N. A request that fails rolls
back to its savepoint alone and gets its own exception; every request of the group returns only
after the shared ``COMMIT``. If the group transaction itself fails, each of its requests is
retried alone, as if there had been no grouping.

WAL checkpoints run on a background thread with its own connection (``PASSIVE``, whenever the
WAL holds more than ``CHECKPOINT_BYTES`` not yet copied back), not inside the ``COMMIT`` of whichever write crossed
SQLite's auto-checkpoint threshold: copying ~1,000 pages back into the database file and
fsyncing it no longer lands on one request's latency. Durability is unchanged: a transaction is
durable once its WAL frames are synced at ``COMMIT``. SQLite's own auto-checkpoint stays on at a
much larger size as a safety net should the thread fall behind.

``synchronous=FULL`` by default: a write the server has acknowledged is on disk even if the
machine loses power right after. ``NORMAL`` keeps it across a process crash only.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

from .. import timing
from . import slot_terms

SCHEMA_VERSION = "1"
# Most write requests stored in one group transaction (bounds the latency a group adds to the
# first request of it; a group holds what queued up during the previous commit).
GROUP_MAX = 32

# The background checkpointer copies the WAL back once it holds this much (SQLite's default
# auto-checkpoint size, 1,000 pages of 4 KiB), checking every CHECKPOINT_POLL_S seconds.
CHECKPOINT_BYTES = 4 * 2**20
CHECKPOINT_POLL_S = 0.1
# SQLite's own auto-checkpoint (pages), kept as a safety net behind the background thread.
SAFETY_AUTOCHECKPOINT_PAGES = 16_000
MMAP_BYTES = 2**30  # per database file, shared by its connections

T = TypeVar("T")
log = logging.getLogger("aionis_server.db")


class _Job(Generic[T]):
    """One write request waiting for, or done by, a group transaction.

    ``sql_s``: seconds its own statements took; ``commit_s``: seconds of ``BEGIN`` and
    ``COMMIT`` of the transaction that stored it (shared by a group).
    """

    __slots__ = ("commit_s", "done", "error", "fn", "result", "sql_s")

    def __init__(self, fn: Callable[[sqlite3.Connection], T]) -> None:
        self.fn = fn
        self.done = False
        self.result: T | None = None
        self.error: BaseException | None = None
        self.sql_s = 0.0
        self.commit_s = 0.0


def _schema_sql() -> str:
    return resources.files("aionis_server.storage").joinpath("schema.sql").read_text("utf-8")


class Database:
    """A SQLite database file (or a private in-memory database) used by one server process."""

    def __init__(self, path: str | Path = ":memory:", *, synchronous: str = "FULL") -> None:
        self.path = str(path)
        self.in_memory = self.path == ":memory:"
        self._tmpdir: str | None = None
        if self.in_memory:
            # An ephemeral database in a private temporary file, deleted on close. (A shared-cache
            # memory database would serialise readers and the writer with table locks that fail
            # with "database table is locked" under concurrent load instead of waiting.)
            self._tmpdir = tempfile.mkdtemp(prefix="aionis-mem-")
            self._uri = (Path(self._tmpdir) / "ephemeral.db").as_uri() + "?mode=rwc"
            synchronous = "OFF"  # nothing to keep across a crash
        else:
            Path(self.path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
            self._uri = Path(self.path).expanduser().resolve().as_uri() + "?mode=rwc"
        if synchronous.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise ValueError(f"invalid synchronous mode {synchronous!r}")
        self._synchronous = synchronous.upper()
        self._write_lock = threading.RLock()
        self._write_owner: int | None = None  # thread id holding the writer
        self._pending: list[_Job[Any]] = []
        self._group = threading.Condition()  # guards _pending, _leading and Job.done
        self._leading = False  # a thread is storing queued write jobs
        self._local = threading.local()
        self._all_readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = False
        self._commit_listeners: list[Callable[[], None]] = []
        self._writer = self._connect()
        self._writer.execute("PRAGMA journal_mode=WAL")
        self._writer.execute(f"PRAGMA wal_autocheckpoint={SAFETY_AUTOCHECKPOINT_PAGES}")
        self._writer.executescript(_schema_sql())
        self._writer.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
            (SCHEMA_VERSION,),
        )
        slot_terms.ensure_built(self._writer)
        self._wal_path = str(self._writer.execute("PRAGMA database_list").fetchone()[2]) + "-wal"
        self._stop_checkpointer = threading.Event()
        self._checkpointer = threading.Thread(
            target=self._checkpoint_loop, name="aionis-wal-checkpointer", daemon=True
        )
        self._checkpointer.start()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._uri, uri=True, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache per connection
        conn.execute("PRAGMA temp_store=MEMORY")
        # Reads of the first GiB through a shared memory map instead of read() calls into the
        # page cache (~1-2 ms, ~8 %, less server CPU per recall at 1e5 nodes). SQLite caps it at
        # its compile-time SQLITE_MAX_MMAP_SIZE; writes still go through the WAL.
        conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        if self._closed:
            raise RuntimeError("database is closed")
        with self._write_lock:
            conn = self._writer
            if conn.in_transaction:  # nested use inside one write: join the outer transaction
                yield conn
                return
            self._write_owner = threading.get_ident()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            finally:
                self._write_owner = None
            self._committed()

    def on_commit(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every transaction that commits (on the writing thread,
        before the writers are woken; keep it short and non-blocking). Errors it raises are
        logged, never passed to the writer."""
        self._commit_listeners.append(listener)

    def _committed(self) -> None:
        for listener in self._commit_listeners:
            try:
                listener()
            except Exception:
                log.exception("commit listener failed")

    def run_write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` in a write transaction, grouped with other waiting requests.

        Returns ``fn``'s result once the transaction holding it has committed, or raises what
        ``fn`` raised (then nothing ``fn`` did is stored). ``fn`` may run on another request's
        thread (the group's leader), so it must not rely on thread-local state. Called inside
        :meth:`write` or another ``run_write`` on the same thread, it joins that transaction.
        """
        if self._closed:
            raise RuntimeError("database is closed")
        if self._write_owner == threading.get_ident():
            with self.write() as conn:  # nested: join the outer transaction
                return fn(conn)
        job: _Job[T] = _Job(fn)
        with self._group:
            self._pending.append(job)
            # A leader is storing a group: wait for it to store ours or to hand over.
            while self._leading and not job.done:
                self._group.wait()
            if not job.done:
                self._leading = True
        if not job.done:
            self._lead(job)
        timing.record("db", job.sql_s)
        timing.record("commit", job.commit_s)
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[return-value]

    def _lead(self, job: _Job[Any]) -> None:
        """Store queued groups until ``job``'s is stored; wake each group's owners at once."""
        try:
            with self._write_lock:
                while not job.done:
                    with self._group:
                        batch = self._pending[:GROUP_MAX]
                        del self._pending[:GROUP_MAX]
                    self._write_owner = threading.get_ident()
                    try:
                        self._run_batch(batch)
                    finally:
                        self._write_owner = None
                        with self._group:
                            for done in batch:
                                done.done = True
                            self._group.notify_all()
        finally:
            with self._group:
                self._leading = False
                self._group.notify_all()

    def _run_alone(self, job: _Job[Any]) -> None:
        conn = self._writer
        try:
            began = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            ran = time.perf_counter()
            try:
                result = job.fn(conn)
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                job.sql_s = time.perf_counter() - ran
            committing = time.perf_counter()
            conn.execute("COMMIT")
            job.commit_s = (ran - began) + (time.perf_counter() - committing)
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            job.error = exc
        else:
            job.result = result
            self._committed()

    def _run_batch(self, batch: list[_Job[Any]]) -> None:
        """Store ``batch`` in one transaction, a savepoint per job (caller holds the writer)."""
        if len(batch) == 1:
            self._run_alone(batch[0])
            return
        conn = self._writer
        results: list[tuple[_Job[Any], Any]] = []
        try:
            began = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            overhead = time.perf_counter() - began
            for job in batch:
                ran = time.perf_counter()
                conn.execute("SAVEPOINT aionis_job")
                try:
                    result = job.fn(conn)
                except Exception as exc:
                    if not conn.in_transaction:
                        raise  # SQLite aborted the whole transaction: redo the group alone
                    conn.execute("ROLLBACK TO aionis_job")
                    conn.execute("RELEASE aionis_job")
                    job.error = exc
                    job.sql_s = time.perf_counter() - ran
                    continue
                conn.execute("RELEASE aionis_job")
                job.sql_s = time.perf_counter() - ran
                results.append((job, result))
            committing = time.perf_counter()
            conn.execute("COMMIT")
            overhead += time.perf_counter() - committing
            for job in batch:
                job.commit_s = overhead
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for job in batch:  # nothing of the group is stored: each job runs on its own
                job.error = None
                self._run_alone(job)
            return
        for job, result in results:
            job.result = result
        if results:
            self._committed()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent read snapshot on this thread's reader connection."""
        if self._closed:
            raise RuntimeError("database is closed")
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only=ON")
            self._local.conn = conn
            with self._readers_lock:
                self._all_readers.append(conn)
        if conn.in_transaction:  # nested read: reuse the outer snapshot
            yield conn
            return
        conn.execute("BEGIN DEFERRED")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def _wal_bytes(self) -> int:
        """Bytes of WAL frames not yet copied back into the database file.

        Read from the WAL-index header in the ``-shm`` file (documented format, native byte
        order): ``mxFrame`` (u32 at offset 16) frames are valid, ``nBackfill`` (u32 at offset
        96) of them are checkpointed, pages are ``szPage`` (u16 at offset 14) bytes. The WAL
        file itself keeps its size after a checkpoint, so its size says nothing once reused.
        """
        try:
            with open(self._wal_path[: -len("-wal")] + "-shm", "rb") as fh:
                head = fh.read(100)
            (page,) = struct.unpack_from("=H", head, 14)
            (frames,) = struct.unpack_from("=I", head, 16)
            (backfilled,) = struct.unpack_from("=I", head, 96)
        except (OSError, struct.error):
            return 0
        size = 65536 if page == 1 else int(page)
        return max(0, int(frames) - int(backfilled)) * size

    def _checkpoint_loop(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while not self._stop_checkpointer.wait(CHECKPOINT_POLL_S):
                if self._wal_bytes() < CHECKPOINT_BYTES:
                    continue
                try:
                    if conn is None:
                        conn = self._connect()
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except Exception:  # SQLite's auto-checkpoint still bounds the WAL
                    log.exception("background WAL checkpoint failed; retrying")
        finally:
            if conn is not None:
                conn.close()

    def checkpoint(self) -> None:
        """Fold the WAL back into the main file (used on clean shutdown)."""
        if not self.in_memory and not self._closed:
            with self._write_lock:
                self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        """Close every connection. Safe to call twice."""
        if self._closed:
            return
        self._stop_checkpointer.set()
        self._checkpointer.join()
        try:
            with self._write_lock:
                try:
                    slot_terms.mark_covered(self._writer)
                except sqlite3.Error:  # the next open redoes a few nodes' terms, no harm
                    log.warning("could not record the slot-term mark", exc_info=True)
            self.checkpoint()
        finally:
            self._closed = True
            with self._readers_lock:
                for conn in self._all_readers:
                    conn.close()
                self._all_readers.clear()
            self._writer.close()
            if self._tmpdir is not None:
                shutil.rmtree(self._tmpdir, ignore_errors=True)
