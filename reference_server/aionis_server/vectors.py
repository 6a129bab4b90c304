"""The vector index behind recall seeds: one index per scope_key, keyed by ``nodes.seq``.

SQLite's ``node_embeddings`` table is the source of truth; this index is a cache that can always be
rebuilt from it. Each scope starts as an exact float32 matrix (numpy dot products, so small data is
searched exactly) and becomes a usearch HNSW graph with cosine metric and half-precision (or int8)
storage once it holds ``exact_threshold`` vectors: 1e6 × 1536 dimensions take about 3 GiB in f16.
Approximate candidates are always re-scored with the exact float32 vectors from SQLite, so the
similarities reported by recall are exact cosines.

Catch-up: the index remembers the highest ``node_seq`` it has read from SQLite (the watermark).
:meth:`VectorIndex.sync` reads rows above it; it runs on open, before each search and on save, so
a vector committed by any writer is searchable even if :meth:`add` was never called for it.
(Node rows are append-only and the single writer assigns ``seq`` in commit order, so nothing can
appear below the watermark later.)

Background indexing (:meth:`VectorIndex.start_indexer`, done by the server at start-up): writes
call :meth:`VectorIndex.publish` after their commit, which only wakes an indexer thread that runs
:meth:`sync`; the HNSW inserts (several ms each in a large graph) are then off the write's
acknowledgement path. Read-your-writes for recall stays exact because :meth:`search` itself runs
:meth:`sync` first: it waits for an indexing pass in progress (``_sync_lock``) and then indexes
whatever is still above the watermark, i.e. everything committed before the search began.
Without the indexer (tools, bulk seeding), :meth:`publish` inserts at once, as :meth:`add` does.
The indexer logs and survives failures; if its thread is gone, the next publish restarts it.
Every insert runs on one usearch thread (see ``INSERT_THREADS``). If the indexer lags more than
``BACKLOG_MAX`` published vectors behind, the publishing writer runs :meth:`sync` itself
(backpressure).

Persistence (``path`` given): a directory holding ``manifest.json`` (dim, dtype, watermark, one
entry per scope) and one file per scope (``.usearch`` graph or ``.npz`` matrix). :meth:`save` writes
new files under a fresh generation name, then atomically replaces the manifest, then deletes the
files of older generations, so a crash at any point leaves a loadable state.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from usearch.index import Index

from .storage.db import Database

log = logging.getLogger("aionis_server.vectors")

F32 = npt.NDArray[np.float32]
Accept = Callable[[int], bool]
AcceptMany = Callable[[Sequence[int]], Iterable[int]]
MANIFEST_VERSION = 1
_SYNC_CHUNK = 2000
# Float32 vectors kept in memory for the exact re-scoring of HNSW candidates, per index (i.e. per
# database): 128 MiB hold ~21,800 vectors of 1536 dimensions (all of a 1e4 database).
EXACT_CACHE_BYTES = 128 * 2**20
# Half-precision cosines of unit vectors are within ~5e-4 (rounding) plus float32 summation
# error of the exact ones; twice a generous bound on that difference.
_APPROX_MARGIN = 4e-3
_ADD_SLICE = 512  # HNSW inserts per hold of a scope's lock
# usearch threads per insert call. Parallel inserts build a graph in which a few vectors are
# unreachable (on 2,000-5,100 near-duplicate texts, 4-10 of them never came back as their own
# nearest neighbour, against none with one thread), so inserts stay sequential.
INSERT_THREADS = 1
# How many published vectors the background indexer may fall behind before a
# publishing writer indexes the backlog itself: sustained writes faster than the indexer then
# slow down to the old inline cost instead of leaving an ever longer catch-up to the next recall.
BACKLOG_MAX = 512


def unit_rows(vectors: npt.ArrayLike, dim: int) -> F32:
    """``vectors`` as a contiguous float32 ``(n, dim)`` matrix with unit-length rows (zeros stay)."""
    matrix = np.array(vectors, dtype=np.float32, copy=True, order="C").reshape(-1, dim)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    np.divide(matrix, norms, out=matrix, where=norms > 0)
    return matrix


class _Scope:
    """The vectors of one scope_key: an exact matrix while small, an HNSW graph after."""

    def __init__(self, dim: int) -> None:
        self.lock = threading.Lock()
        self.dim = dim
        self.keys = np.zeros(0, dtype=np.int64)
        self.mat: F32 = np.zeros((0, dim), dtype=np.float32)
        self.n = 0
        self.members: set[int] = set()
        self.hnsw: Index | None = None

    @property
    def size(self) -> int:
        return len(self.hnsw) if self.hnsw is not None else self.n

    def missing(self, seqs: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        if self.hnsw is not None:
            return ~np.asarray(self.hnsw.contains(seqs), dtype=bool).reshape(-1)
        return np.array([int(s) not in self.members for s in seqs], dtype=bool)

    def append_exact(self, seqs: npt.NDArray[np.int64], matrix: F32) -> None:
        need = self.n + len(seqs)
        if need > len(self.keys):
            cap = max(need, 2 * len(self.keys), 64)
            keys = np.zeros(cap, dtype=np.int64)
            keys[: self.n] = self.keys[: self.n]
            mat = np.zeros((cap, self.dim), dtype=np.float32)
            mat[: self.n] = self.mat[: self.n]
            self.keys, self.mat = keys, mat  # readers holding the old arrays stay valid
        self.keys[self.n : need] = seqs
        self.mat[self.n : need] = matrix
        self.n = need
        self.members.update(int(s) for s in seqs)


class ExactCache:
    """An LRU of float32 vectors (the little-endian bytes stored in ``node_embeddings``) by seq,
    at most ``capacity`` bytes. A seq's vector never changes, so entries never go stale; the
    cache belongs to one :class:`VectorIndex`, hence to one database."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.size = 0
        self._blobs: OrderedDict[int, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._blobs)

    def get_many(self, seqs: Iterable[int]) -> dict[int, bytes]:
        out: dict[int, bytes] = {}
        with self._lock:
            for seq in seqs:
                blob = self._blobs.get(seq)
                if blob is not None:
                    self._blobs.move_to_end(seq)
                    out[seq] = blob
        return out

    def put(self, seq: int, blob: bytes) -> None:
        if len(blob) > self.capacity:
            return
        with self._lock:
            if seq in self._blobs:
                return
            self._blobs[seq] = blob
            self.size += len(blob)
            while self.size > self.capacity:
                _, old = self._blobs.popitem(last=False)
                self.size -= len(old)


class VectorIndex:
    """Thread-safe per-scope cosine search over node embeddings (see the module doc)."""

    def __init__(
        self,
        db: Database,
        dim: int,
        path: str | os.PathLike[str] | None = None,
        *,
        dtype: Literal["f16", "i8", "f32"] = "f16",
        exact_threshold: int = 5000,
        connectivity: int = 16,
        expansion_add: int = 128,
        expansion_search: int = 96,
        exact_cache_bytes: int = EXACT_CACHE_BYTES,
    ) -> None:
        self.db = db
        self.dim = dim
        self.path = Path(path) if path is not None else None
        self.dtype = dtype
        self.exact_threshold = exact_threshold
        self._hnsw_opts = (connectivity, expansion_add, expansion_search)
        self._scopes: dict[str, _Scope] = {}
        self._scopes_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._watermark = 0
        self._closed = False
        self._exact = ExactCache(exact_cache_bytes)
        self._indexing = False  # publish() wakes the indexer thread instead of inserting
        self._indexer: threading.Thread | None = None
        self._indexer_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._backlog: deque[int] = deque()  # published seqs, trimmed up to the watermark
        if self.path is not None:
            self._load()
        self.sync()

    # -- writing -----------------------------------------------------------------------------

    def _scope(self, scope_key: str) -> _Scope:
        scope = self._scopes.get(scope_key)
        if scope is None:
            with self._scopes_lock:
                scope = self._scopes.setdefault(scope_key, _Scope(self.dim))
        return scope

    def _new_hnsw(self) -> Index:
        connectivity, expansion_add, expansion_search = self._hnsw_opts
        return Index(
            ndim=self.dim,
            metric="cos",
            dtype=self.dtype,
            connectivity=connectivity,
            expansion_add=expansion_add,
            expansion_search=expansion_search,
        )

    def add(self, scope_key: str, seqs: Sequence[int], vectors: npt.ArrayLike) -> int:
        """Index ``vectors`` (one row per seq) under ``scope_key``; seqs already present are skipped.

        Returns how many vectors were added.
        """
        keys = np.asarray(list(seqs), dtype=np.int64)
        if keys.size == 0:
            return 0
        matrix = unit_rows(vectors, self.dim)
        if len(matrix) != len(keys):
            raise ValueError(f"{len(keys)} seqs but {len(matrix)} vectors")
        scope = self._scope(scope_key)
        with scope.lock:
            fresh = scope.missing(keys)
            _, first = np.unique(keys, return_index=True)
            once = np.zeros(len(keys), dtype=bool)
            once[first] = True
            fresh &= once
            if not fresh.any():
                return 0
            keys, matrix = keys[fresh], matrix[fresh]
            if scope.hnsw is None:
                scope.append_exact(keys, matrix)
                if scope.n >= self.exact_threshold:
                    self._promote(scope)
                return len(keys)
        # HNSW inserts cost ~1-5 ms each: a batch is inserted in slices, releasing the scope
        # lock between slices so searches are not held up for the whole batch. One thread per
        # insert (INSERT_THREADS): usearch's parallel inserts left some vectors unreachable, so
        # a search for a stored vector could miss it for good. Keys were filtered for freshness
        # under the lock; a concurrent add of the same keys is filtered again per slice.
        for start in range(0, len(keys), _ADD_SLICE):
            part_keys = keys[start : start + _ADD_SLICE]
            part = matrix[start : start + _ADD_SLICE]
            with scope.lock:
                assert scope.hnsw is not None
                still = scope.missing(part_keys)
                if not still.all():
                    part_keys, part = part_keys[still], part[still]
                if len(part_keys):
                    scope.hnsw.add(part_keys, part, threads=INSERT_THREADS)
        return len(keys)

    def _promote(self, scope: _Scope) -> None:
        """Move a scope from the exact matrix to an HNSW graph (caller holds ``scope.lock``)."""
        index = self._new_hnsw()
        index.add(scope.keys[: scope.n], scope.mat[: scope.n], threads=INSERT_THREADS)
        scope.hnsw = index
        scope.keys = np.zeros(0, dtype=np.int64)
        scope.mat = np.zeros((0, self.dim), dtype=np.float32)
        scope.n = 0
        scope.members = set()

    def sync(self) -> int:
        """Index every ``node_embeddings`` row above the watermark; returns how many were new."""
        added = 0
        with self._sync_lock:
            while True:
                with self.db.read() as conn:
                    rows = conn.execute(
                        "SELECT node_seq, scope_key, vector FROM node_embeddings"
                        " WHERE node_seq > ? ORDER BY node_seq LIMIT ?",
                        (self._watermark, _SYNC_CHUNK),
                    ).fetchall()
                if not rows:
                    return added
                by_scope: dict[str, tuple[list[int], list[bytes]]] = {}
                for seq, scope_key, blob in rows:
                    if len(blob) != 4 * self.dim:
                        log.warning("skipping embedding of node seq %s: wrong size", seq)
                        continue
                    entry = by_scope.setdefault(scope_key, ([], []))
                    entry[0].append(seq)
                    entry[1].append(blob)
                for scope_key, (seqs, blobs) in by_scope.items():
                    matrix = np.frombuffer(b"".join(blobs), dtype="<f4").reshape(-1, self.dim)
                    added += self.add(scope_key, seqs, matrix)
                self._watermark = int(rows[-1][0])

    # -- background indexing -----------------------------------------------------------------

    def start_indexer(self) -> None:
        """From now on, :meth:`publish` leaves the inserts to a background thread."""
        with self._indexer_lock:
            if self._closed:
                return
            self._indexing = True
            self._ensure_indexer()
        self._wake.set()  # index anything committed before the start

    @property
    def indexer_alive(self) -> bool:
        thread = self._indexer
        return thread is not None and thread.is_alive()

    def _ensure_indexer(self) -> None:
        """Start the indexer thread if it is not running (caller holds ``_indexer_lock``)."""
        if self.indexer_alive or self._stopping or not self._indexing:
            return
        if self._indexer is not None:
            log.error("the vector indexer thread had stopped; restarting it")
        thread = threading.Thread(
            target=self._index_loop, name="aionis-vector-indexer", daemon=True
        )
        self._indexer = thread
        thread.start()

    def publish(
        self, scope_key: str, seqs: Sequence[int], vectors: Sequence[npt.ArrayLike]
    ) -> None:
        """Make committed vectors searchable: wake the indexer, or insert now without one."""
        if not self._indexing:
            self.add(scope_key, seqs, np.vstack([np.asarray(v) for v in vectors]))
            return
        self._backlog.extend(seqs)
        self._wake.set()
        if not self.indexer_alive:
            with self._indexer_lock:
                self._ensure_indexer()
        if self._lag() > BACKLOG_MAX:
            self.sync()  # the indexer is far behind: this writer helps, as before

    def _lag(self) -> int:
        """About how many published vectors the index still lacks."""
        watermark = self._watermark
        backlog = self._backlog
        try:
            while backlog and backlog[0] <= watermark:
                backlog.popleft()
        except IndexError:  # emptied by a concurrent publish
            pass
        return len(backlog)

    def _index_loop(self) -> None:
        try:
            self._index_passes()
        except BaseException:  # never silently: logged here, restarted by the next publish
            log.exception("the vector indexer thread stopped; the next write restarts it")

    def _index_passes(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopping:
                return
            try:
                self.sync()
            except Exception:  # searches still sync themselves; the next publish wakes us again
                log.exception("background vector indexing failed; retrying on the next write")

    def stop_indexer(self) -> None:
        """Stop the indexer thread (it finishes its current pass); publish inserts at once after."""
        with self._indexer_lock:
            self._stopping = True
            self._indexing = False
            thread = self._indexer
        self._wake.set()
        if thread is not None:
            thread.join()
        with self._indexer_lock:
            self._indexer = None
            self._stopping = False

    # -- searching ---------------------------------------------------------------------------

    def count(self, scope_key: str) -> int:
        scope = self._scopes.get(scope_key)
        return scope.size if scope is not None else 0

    def search(
        self,
        scope_key: str,
        query: npt.ArrayLike,
        k: int,
        accept: Accept | None = None,
        *,
        accept_many: AcceptMany | None = None,
    ) -> list[tuple[int, float]]:
        """The ``k`` most similar accepted vectors as ``(seq, cosine)``, best first.

        ``accept`` (per seq) or ``accept_many`` (a batch of seqs → the accepted ones) filters
        candidates; the search widens until ``k`` are accepted or the scope is exhausted.
        """
        if k <= 0:
            return []
        self.sync()
        scope = self._scopes.get(scope_key)
        if scope is None:
            return []
        q = unit_rows(query, self.dim)[0]
        filt = _filter(accept, accept_many)
        with scope.lock:
            hnsw = scope.hnsw
            keys, mat, n = scope.keys, scope.mat, scope.n
        if hnsw is None:
            return self._search_exact(keys[:n], mat[:n], q, k, filt)
        return self._search_hnsw(scope, hnsw, q, k, filt)

    @staticmethod
    def _search_exact(
        keys: npt.NDArray[np.int64],
        mat: F32,
        q: F32,
        k: int,
        filt: Callable[[list[int]], set[int]] | None,
    ) -> list[tuple[int, float]]:
        if len(keys) == 0:
            return []
        sims = mat @ q
        order = np.argsort(-sims, kind="stable")
        if filt is None:
            top = order[:k]
            return [(int(keys[i]), float(sims[i])) for i in top]
        out: list[tuple[int, float]] = []
        step = max(4 * k, 64)
        for start in range(0, len(order), step):
            chunk = order[start : start + step]
            seqs = [int(keys[i]) for i in chunk]
            ok = filt(seqs)
            for i, seq in zip(chunk, seqs, strict=True):
                if seq in ok:
                    out.append((seq, float(sims[i])))
                    if len(out) == k:
                        return out
        return out

    def _search_hnsw(
        self,
        scope: _Scope,
        hnsw: Index,
        q: F32,
        k: int,
        filt: Callable[[list[int]], set[int]] | None,
    ) -> list[tuple[int, float]]:
        total = len(hnsw)
        want = min(total, max(4 * k, 32))
        seen: set[int] = set()
        accepted: list[int] = []
        while True:
            with scope.lock:
                matches = hnsw.search(q, want, threads=1)
            fresh = [int(s) for s in np.asarray(matches.keys).reshape(-1) if int(s) not in seen]
            seen.update(fresh)
            if filt is None:
                accepted.extend(fresh)
            else:
                ok = filt(fresh)
                accepted.extend(s for s in fresh if s in ok)
            if len(accepted) >= 2 * k or want >= total:
                break
            want = min(total, want * 4)
        return self._rescore(accepted, q, k, scope, hnsw)

    def _rescore(
        self,
        seqs: list[int],
        q: F32,
        k: int | None = None,
        scope: _Scope | None = None,
        hnsw: Index | None = None,
    ) -> list[tuple[int, float]]:
        """The ``k`` best of ``seqs`` by exact cosine with the float32 vectors in SQLite, best
        first (seq asc on ties).

        The exact cosines are those of one ``(len(seqs), dim) @ q`` product over the unit rows in
        ``seqs`` order, as always. Only the rows that can reach the top ``k`` are read, though:
        the half-precision copies held by the HNSW graph give every candidate an approximate
        cosine within ``_APPROX_MARGIN / 2`` of its exact one, so a candidate more than
        ``_APPROX_MARGIN`` below the ``k``-th best approximate cosine cannot be in the exact top
        ``k``. The rows read are placed at their positions in an otherwise zero matrix of the
        full shape: each output of a matrix-vector product depends only on its own row and the
        shape, so the cosines are bit-identical to those of the full product.
        """
        if not seqs:
            return []
        n = len(seqs)
        keep = np.arange(n)
        if k is not None and n > k and hnsw is not None and scope is not None:
            approx = self._approx(scope, hnsw, seqs, q)
            if approx is not None:
                kth = float(np.partition(approx, n - k)[n - k])
                keep = np.flatnonzero(approx >= kth - _APPROX_MARGIN)
        wanted = [seqs[i] for i in keep]
        found = self._exact.get_many(wanted)
        missing = [s for s in wanted if s not in found]
        with self.db.read() as conn:
            for start in range(0, len(missing), 500):
                part = missing[start : start + 500]
                marks = ",".join("?" * len(part))
                for seq, blob in conn.execute(
                    f"SELECT node_seq, vector FROM node_embeddings WHERE node_seq IN ({marks})",
                    part,
                ):
                    found[int(seq)] = blob
                    self._exact.put(int(seq), blob)
        if len(keep) == n:  # every row: the product over the rows found, as always
            order = [s for s in seqs if s in found]
            if not order:
                return []
            blobs = b"".join(found[s] for s in order)
            sims = unit_rows(np.frombuffer(blobs, dtype="<f4"), self.dim) @ q
            scored = [(s, float(v)) for s, v in zip(order, sims, strict=True)]
        else:
            if len(found) < len(wanted):
                return self._rescore(seqs, q, k)  # a row is gone: positions shift, do it all
            matrix = np.zeros((n, self.dim), dtype=np.float32)
            blobs = b"".join(found[s] for s in wanted)
            matrix[keep] = unit_rows(np.frombuffer(blobs, dtype="<f4"), self.dim)
            sims = matrix @ q
            scored = [(seqs[i], float(sims[i])) for i in keep]
        scored.sort(key=lambda item: (-item[1], item[0]))
        return scored[:k] if k is not None else scored

    def _approx(self, scope: _Scope, hnsw: Index, seqs: list[int], q: F32) -> F32 | None:
        """Cosines of ``seqs`` from the graph's half-precision vectors (``None`` if any is gone)."""
        with scope.lock:
            stored: Any = hnsw.get(np.asarray(seqs, dtype=np.int64))
        if not isinstance(stored, tuple) or any(v is None for v in stored):
            return None
        matrix = np.vstack(stored).reshape(len(seqs), self.dim).astype(np.float32)
        approx: F32 = matrix @ q
        return approx

    # -- persistence -------------------------------------------------------------------------

    def memory_bytes(self) -> int:
        """Approximate memory held by all scopes."""
        total = 0
        for scope in list(self._scopes.values()):
            if scope.hnsw is not None:
                total += int(scope.hnsw.memory_usage)
            else:
                total += scope.mat.nbytes + scope.keys.nbytes
        return total

    def save(self) -> None:
        """Persist every scope and the watermark atomically (no-op without ``path``)."""
        if self.path is None:
            return
        self.sync()
        self.path.mkdir(parents=True, exist_ok=True)
        gen = uuid.uuid4().hex[:12]
        entries: list[dict[str, Any]] = []
        with self._sync_lock:
            watermark = self._watermark
            for i, (scope_key, scope) in enumerate(sorted(self._scopes.items())):
                with scope.lock:
                    if scope.hnsw is not None:
                        name = f"{gen}-{i}.usearch"
                        scope.hnsw.save(str(self.path / name))
                    else:
                        name = f"{gen}-{i}.npz"
                        with open(self.path / name, "wb") as fh:
                            np.savez(fh, keys=scope.keys[: scope.n], mat=scope.mat[: scope.n])
                    entries.append({"scope_key": scope_key, "file": name, "count": scope.size})
        manifest = {
            "version": MANIFEST_VERSION,
            "dim": self.dim,
            "dtype": self.dtype,
            "watermark": watermark,
            "scopes": entries,
        }
        tmp = self.path / f"manifest.json.{gen}.tmp"
        tmp.write_text(json.dumps(manifest), encoding="utf-8")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.path / "manifest.json")
        keep = {e["file"] for e in entries} | {"manifest.json"}
        for stale in self.path.iterdir():
            if stale.name not in keep:
                with contextlib.suppress(OSError):
                    stale.unlink()

    def _load(self) -> None:
        assert self.path is not None
        manifest_path = self.path / "manifest.json"
        if not manifest_path.is_file():
            return
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            if (manifest.get("version"), manifest.get("dim"), manifest.get("dtype")) != (
                MANIFEST_VERSION,
                self.dim,
                self.dtype,
            ):
                log.info("vector index at %s has other settings; rebuilding", self.path)
                return
            scopes: dict[str, _Scope] = {}
            for entry in manifest["scopes"]:
                scope = _Scope(self.dim)
                file = self.path / entry["file"]
                if file.suffix == ".usearch":
                    scope.hnsw = self._new_hnsw()
                    scope.hnsw.load(str(file))
                else:
                    with np.load(file) as data:
                        scope.append_exact(
                            np.asarray(data["keys"], dtype=np.int64),
                            np.asarray(data["mat"], dtype=np.float32),
                        )
                if scope.size != int(entry["count"]):
                    raise ValueError(f"scope file {file} holds {scope.size} vectors")
                scopes[str(entry["scope_key"])] = scope
            self._scopes = scopes
            self._watermark = int(manifest["watermark"])
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            log.warning(
                "vector index at %s unreadable (%s); rebuilding from SQLite", self.path, exc
            )
            self._scopes = {}
            self._watermark = 0

    def close(self) -> None:
        """Save (when persistent) and drop the in-memory index. Safe to call twice."""
        if self._closed:
            return
        self.stop_indexer()
        self._closed = True
        self.save()
        self._scopes = {}


def _filter(
    accept: Accept | None, accept_many: AcceptMany | None
) -> Callable[[list[int]], set[int]] | None:
    if accept_many is not None:
        many = accept_many
        if accept is None:
            return lambda seqs: set(many(seqs))
        one = accept
        return lambda seqs: {s for s in many(seqs) if one(s)}
    if accept is not None:
        one = accept
        return lambda seqs: {s for s in seqs if one(s)}
    return None
