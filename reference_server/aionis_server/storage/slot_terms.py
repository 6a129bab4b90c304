"""Slot terms: an index that lets ``find``'s ``slots_contains`` (§7.5) skip a full scan.

Every node gets one row in ``node_slot_terms`` per top-level slot whose value is a string of
at most :data:`MAX_VALUE_CHARS` characters, and per such string among the first
:data:`MAX_ARRAY_ITEMS` items of a top-level array (patterns compare arrays index by index):
a 64-bit hash of (scope, key, position, value) and the node's ``seq``. A ``slots_contains``
pattern with such entries reads the rows of its rarest term and checks the whole pattern on
each of them, so a hash collision costs a wasted candidate, never a wrong answer. When even
the rarest term is common (more than :data:`SELECTIVE_MAX` rows), the newest-first scan with
an early stop is cheaper and ``find`` keeps it.

The table is derived from ``nodes.slots_json``. Nodes stored without it (by an older server,
or by any server after this one's last clean close) get their terms when the database opens
(:func:`ensure_built`); a clean close records how far that is known to be done
(:func:`mark_covered`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "MAX_ARRAY_ITEMS",
    "MAX_PATTERN_TERMS",
    "MAX_VALUE_CHARS",
    "SELECTIVE_MAX",
    "ensure_built",
    "insert_node_terms",
    "mark_covered",
    "node_terms",
    "pattern_terms",
    "rarest",
    "slot_term",
]

log = logging.getLogger("aionis_server.db")

MAX_VALUE_CHARS = 256
MAX_ARRAY_ITEMS = 8
SELECTIVE_MAX = 4096
_FIRST_CAP = 64
MAX_PATTERN_TERMS = 16
_META_KEY = "slot_terms"
_META_VERSION = "1"  # change whenever the terms change: every database then rebuilds them
_COVERED_KEY = "slot_terms_seq"  # nodes up to this seq are known to have their terms
_BACKFILL_BATCH = 5000


def _term(scope_key: str, key: str, position: int, value: str) -> int:
    # Length-prefixed parts: no two (scope, key, position, value) share an input. Position -1
    # is the slot itself, 0.. an item of an array slot.
    data = f"{len(scope_key)}:{scope_key}{len(key)}:{key}{position}:{value}"
    digest = hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _indexable(value: Any) -> bool:
    return type(value) is str and len(value) <= MAX_VALUE_CHARS


def slot_term(scope_key: str, key: str, value: Any) -> int | None:
    """The term of a top-level slot ``key == value`` (None: such a slot is not indexed)."""
    return _term(scope_key, key, -1, value) if _indexable(value) else None


def node_terms(scope_key: str, slots: Mapping[str, Any]) -> list[int]:
    """The distinct terms of a node's slots."""
    terms = set()
    for key, value in slots.items():
        if _indexable(value):
            terms.add(_term(scope_key, key, -1, value))
        elif type(value) is list:
            for position, item in enumerate(value[:MAX_ARRAY_ITEMS]):
                if _indexable(item):
                    terms.add(_term(scope_key, key, position, item))
    return sorted(terms)


def pattern_terms(scope_key: str, pattern: Any) -> list[int]:
    """Up to :data:`MAX_PATTERN_TERMS` terms every node matching ``pattern`` has (none: the
    pattern cannot use the index). Any one of them is a correct filter, so a pattern with
    many strings costs at most that many counts in :func:`rarest`."""
    if not isinstance(pattern, Mapping):
        return []
    return node_terms(scope_key, pattern)[:MAX_PATTERN_TERMS]


def insert_node_terms(
    conn: sqlite3.Connection, seq: int, scope_key: str, slots: Mapping[str, Any]
) -> None:
    terms = node_terms(scope_key, slots)
    if terms:
        conn.executemany(
            "INSERT OR IGNORE INTO node_slot_terms (term, node_seq) VALUES (?, ?)",
            [(term, seq) for term in terms],
        )


def rarest(conn: sqlite3.Connection, terms: Iterable[int]) -> int | None:
    """The term with the fewest rows, if it has at most :data:`SELECTIVE_MAX` (else ``None``).

    Counts stop one row past the best so far, first at :data:`_FIRST_CAP` (a rare term is
    usually present), then at ``SELECTIVE_MAX``: a common term costs a bounded index walk."""
    candidates = list(terms)
    for first in (min(_FIRST_CAP, SELECTIVE_MAX), SELECTIVE_MAX):
        best: int | None = None
        cap = first
        for term in candidates:
            (count,) = conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM node_slot_terms WHERE term = ? LIMIT ?)",
                (term, cap + 1),
            ).fetchone()
            if count <= cap:
                best, cap = term, count - 1
                if cap < 0:
                    return best
        if best is not None:
            return best
    return None


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def _set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def mark_covered(conn: sqlite3.Connection) -> None:
    """Record that every node stored so far has its terms (the writer, at a clean close)."""
    (top,) = conn.execute("SELECT coalesce(max(seq), 0) FROM nodes").fetchone()
    conn.execute("BEGIN IMMEDIATE")
    _set_meta(conn, _COVERED_KEY, str(top))
    conn.execute("COMMIT")


def ensure_built(conn: sqlite3.Connection) -> None:
    """Give terms to the nodes stored after the last clean close of this server (so also by
    an older server that knew no terms), or to every node if the term scheme changed.

    ``conn`` is the writer, outside a transaction; the work is one transaction. Indexing a
    node twice is harmless, so after a crash the nodes of the last run are simply redone."""
    rebuild = _meta(conn, _META_KEY) != _META_VERSION
    covered = 0 if rebuild else int(_meta(conn, _COVERED_KEY) or 0)
    total = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        if rebuild:
            log.info("indexing the slots of every stored node for find (~1.5 s per 100,000)")
            conn.execute("DELETE FROM node_slot_terms")
        last = covered
        while True:
            rows = conn.execute(
                "SELECT seq, scope_key, slots_json FROM nodes WHERE seq > ? ORDER BY seq LIMIT ?",
                (last, _BACKFILL_BATCH),
            ).fetchall()
            if not rows:
                break
            batch: list[tuple[int, int]] = []
            for seq, scope_key, raw in rows:
                try:
                    slots = json.loads(raw or "{}")
                except ValueError:
                    continue  # unreadable slots match no pattern; the scan path skips them too
                if isinstance(slots, dict):
                    batch.extend((term, seq) for term in node_terms(scope_key, slots))
            conn.executemany(
                "INSERT OR IGNORE INTO node_slot_terms (term, node_seq) VALUES (?, ?)", batch
            )
            total += len(rows)
            last = rows[-1][0]
        _set_meta(conn, _META_KEY, _META_VERSION)
        _set_meta(conn, _COVERED_KEY, str(last))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if total:
        log.info("indexed the slots of %d stored nodes for find", total)
