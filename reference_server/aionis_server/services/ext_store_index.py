"""``ext.store_index``: an in-memory head table of LangGraph store items, kept in step with
``nodes`` at read time.

``aionis_langgraph``'s ``AionisStore`` writes every put, delete and TTL refresh of an item as a
new *version*: an ``evidence`` node whose slots hold ``{"family": "store", "kind": "item",
"item", "seq", "ns", "key", "op", "value", "expires_at", "texts_of", ...}``, plus ``text`` nodes
(``{"family": "store", "kind": "text", "item", "of"}``) that carry the embedded texts. On the
stock API a store reads heads back with ``/find``: a point lookup per version, or a scan of the
scope that decodes every node. This index keeps, per scope, every version of every item (so
that the head *visible to a consumer* is exact, §4.5) ordered by ``(seq, created_at,
client_id)`` as the client orders them, one recency list (items by their newest node,
``created_at DESC, id DESC`` as ``/find`` orders nodes), and the unit vectors of the text nodes.

Only versions that can still be someone's head are kept: a version older than a kept one
that every consumer who sees it also sees (same lane and owners, or a shared one) can never
be a visible head again (versions are only added), so it is dropped with the vectors of the
texts no kept version uses any more; its recency is kept per owner, as ``/find`` would still
list the node. Memory so follows the live items, not their history.

It is a cache that never writes: :meth:`StoreIndex.sync` reads the store nodes above its
watermark (``nodes.seq``) inside the caller's read snapshot, under a lock, before each query,
as the vector index does with ``node_embeddings`` (rows are append-only and the single writer
assigns ``seq`` in commit order, so nothing appears below the watermark later). The first
sync of a process reads every store node once; the server runs it on a background thread at
start (``ext_store.warm_up``).
"""

from __future__ import annotations

import bisect
import json
import sqlite3
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from aionis_sdk.canonical import canon, sha256hex

from ..storage.slot_terms import slot_term
from ..storage.visibility import is_visible
from .ext_store_match import parse_time

F32 = npt.NDArray[np.float32]
FAMILY = "store"
VERSION_KIND = "item"
TEXT_KIND = "text"
VERSION_TYPE = "evidence"  # the node type the store writes versions as (and /find filters on)

_SYNC_SQL = (
    "SELECT n.seq, n.id, n.scope_key, n.client_id, n.type, n.slots_json, n.memory_lane,"
    " n.owner_agent_id, n.owner_team_id, n.commit_id, n.created_at, n.embedding_status,"
    " e.vector FROM nodes n LEFT JOIN node_embeddings e ON e.node_seq = n.seq"
    " WHERE n.seq > ? AND n.seq <= ? AND json_extract(n.slots_json, '$.family') = 'store'"
    " ORDER BY n.seq"
)


_TEXT_COLUMNS = (
    "SELECT n.seq, n.scope_key, n.slots_json, n.memory_lane, n.owner_agent_id, n.owner_team_id,"
    " n.embedding_status, e.vector"
)
# The text nodes of one ``of`` key: by its slot term, or (a key too long to be indexed) over
# the store's nodes.
_TEXTS_BY_TERM_SQL = (
    _TEXT_COLUMNS + " FROM node_slot_terms t CROSS JOIN nodes n ON n.seq = t.node_seq"
    " LEFT JOIN node_embeddings e ON e.node_seq = n.seq WHERE t.term = ? AND n.seq <= ?"
    " ORDER BY n.seq"
)
_TEXTS_BY_SCAN_SQL = (
    _TEXT_COLUMNS + " FROM nodes n LEFT JOIN node_embeddings e ON e.node_seq = n.seq"
    " WHERE n.scope_key = ? AND json_extract(n.slots_json, '$.family') = 'store'"
    " AND json_extract(n.slots_json, '$.of') = ? AND n.seq <= ? ORDER BY n.seq"
)


@dataclass(slots=True)
class Owner:
    """Lane and owners of a node: what visibility (§4.5) is decided on."""

    lane: str
    agent: str | None
    team: str | None

    def visible_to(self, agent: str | None, team: str | None) -> bool:
        return is_visible(self.lane, self.agent, self.team, agent, team)

    @property
    def key(self) -> OwnerKey:
        return (self.lane, self.agent, self.team)


OwnerKey = tuple[str, str | None, str | None]


@dataclass(slots=True)
class Version:
    """One stored version node of an item."""

    node_seq: int
    node_id: str
    client_id: str
    commit_id: str
    created_at: str
    owner: Owner
    record: dict[str, Any]
    seq: int
    ns: tuple[str, ...]
    deleted: bool
    expires: datetime | None
    _texts_key: str | None = field(default=None, repr=False)

    @property
    def order(self) -> tuple[int, str, str]:
        """Newest wins, as the client orders versions: record seq, then node time, client_id."""
        return (self.seq, self.created_at, self.client_id)

    @property
    def recency(self) -> tuple[str, str]:
        """Where ``/find`` places the node: ``created_at DESC, id DESC``."""
        return (self.created_at, self.node_id)

    def live(self, now: datetime) -> bool:
        return not self.deleted and (self.expires is None or self.expires > now)

    def texts_key(self) -> str | None:
        """The ``of`` of the text nodes that embed this version's value (None: no texts)."""
        owner = self.record.get("texts_of")
        if not owner:
            return None
        if owner != "self":
            return str(owner)
        if self._texts_key is None:
            self._texts_key = (
                f"lgstore:{self.record['item']}:{self.seq}:" + sha256hex(canon(self.record))[:16]
            )
        return self._texts_key

    def dto(self) -> dict[str, Any]:
        return {
            "id": self.node_id,
            "client_id": self.client_id,
            "commit_id": self.commit_id,
            "created_at": self.created_at,
            "slots": self.record,
        }


@dataclass(slots=True)
class Item:
    """Every version of one item, oldest first by :attr:`Version.order`."""

    ns: tuple[str, ...]
    versions: list[Version] = field(default_factory=list)
    uniform: bool = True  # every version has the same lane and owners
    recency: tuple[str, str] = ("", "")  # the newest :attr:`Version.recency` of its versions
    # The newest recency of the dropped versions, by owner (see :meth:`prune`).
    pruned: dict[OwnerKey, tuple[str, str]] = field(default_factory=dict)

    def head(self, agent: str | None, team: str | None) -> Version | None:
        """The newest version the consumer can see (tombstones included)."""
        if self.uniform:
            last = self.versions[-1]
            return last if last.owner.visible_to(agent, team) else None
        for version in reversed(self.versions):
            if version.owner.visible_to(agent, team):
                return version
        return None

    def visible_recency(self, agent: str | None, team: str | None) -> tuple[str, str] | None:
        seen = [v.recency for v in self.versions if v.owner.visible_to(agent, team)]
        seen += [r for key, r in self.pruned.items() if Owner(*key).visible_to(agent, team)]
        return max(seen) if seen else None

    def prune(self) -> list[Version]:
        """Drop and return the versions that can no longer be anyone's head: each one older
        than a kept version with the same lane and owners, or than a shared one (whoever
        sees the older one sees that one, and it is newer)."""
        kept: list[Version] = []
        dropped: list[Version] = []
        newer: set[OwnerKey] = set()
        shared = False
        for version in reversed(self.versions):
            key = version.owner.key
            if shared or key in newer:
                dropped.append(version)
                if version.recency > self.pruned.get(key, ("", "")):
                    self.pruned[key] = version.recency
                continue
            kept.append(version)
            newer.add(key)
            shared = shared or version.owner.lane == "shared"
        if dropped:
            kept.reverse()
            self.versions = kept
        return dropped


@dataclass(slots=True)
class Text:
    node_seq: int
    owner: Owner
    row: int  # row in the scope's vector matrix; -1 while it has no vector
    dropped: bool = False  # no kept version uses it (its row went back to the free list)


class Scope:
    """The store items and texts of one scope_key."""

    def __init__(self, dim: int) -> None:
        self.items: dict[str, Item] = {}
        self.recency: list[tuple[str, str, str]] = []  # (created_at, node_id, item), ascending
        self.mixed: set[str] = set()  # items whose versions differ in lane or owners
        # Items by namespace, grouped by the namespace's first label (prefix queries).
        self.by_first: dict[str, dict[tuple[str, ...], list[str]]] = {}
        self.texts: dict[str, list[Text]] = {}  # by the ``of`` of the text nodes
        self.text_refs: dict[str, int] = {}  # texts key -> kept versions that use it
        self.dead_keys: set[str] = set()  # keys whose texts were dropped (no version uses them)
        self.reload: set[str] = set()  # dropped keys used again: read their texts back
        self.dim = dim
        self.mat: F32 = np.zeros((0, dim), dtype=np.float32)
        self.n = 0
        self.free_rows: list[int] = []

    def add_version(self, name: str, version: Version) -> None:
        item = self.items.get(name)
        if item is None:
            item = self.items[name] = Item(ns=version.ns)
            first = version.ns[0] if version.ns else ""
            self.by_first.setdefault(first, {}).setdefault(version.ns, []).append(name)
        else:
            old = item.recency
            index = bisect.bisect_left(self.recency, (*old, name))
            if index < len(self.recency) and self.recency[index] == (*old, name):
                del self.recency[index]
            if version.owner != item.versions[0].owner:
                item.uniform = False
                self.mixed.add(name)
        orders = [v.order for v in item.versions]
        item.versions.insert(bisect.bisect_right(orders, version.order), version)
        item.recency = max(item.recency, version.recency)
        bisect.insort(self.recency, (*item.recency, name))
        self._hold(version.texts_key())
        for dropped in item.prune():
            self._release(dropped.texts_key())

    def add_text(self, key: str, text: Text, vector: F32 | None) -> bool:
        """File a text node under its version's key; False if no kept version uses the key
        since its texts were dropped."""
        if key in self.dead_keys:
            return False
        self.texts.setdefault(key, []).append(text)
        if vector is not None:
            text.row = self.add_vector(vector)
        return True

    def _hold(self, key: str | None) -> None:
        if key is not None:
            self.text_refs[key] = self.text_refs.get(key, 0) + 1
            if key in self.dead_keys:  # e.g. a touch of a version dropped meanwhile
                self.dead_keys.discard(key)
                self.reload.add(key)

    def _release(self, key: str | None) -> None:
        """A dropped version no longer uses ``key``'s texts; free them if nothing else does."""
        if key is None:
            return
        left = self.text_refs.get(key, 0) - 1
        if left > 0:
            self.text_refs[key] = left
            return
        self.text_refs.pop(key, None)
        for text in self.texts.pop(key, []):
            text.dropped = True
            if text.row >= 0:
                self.free_rows.append(text.row)
                text.row = -1
        self.dead_keys.add(key)
        self.reload.discard(key)

    def names_under(self, prefix: tuple[str, ...]) -> list[str] | None:
        """The items whose namespace starts with ``prefix`` (None for the empty prefix)."""
        if not prefix:
            return None
        names: list[str] = []
        for ns, members in self.by_first.get(prefix[0], {}).items():
            if ns[: len(prefix)] == prefix:
                names.extend(members)
        return names

    def add_vector(self, vector: F32) -> int:
        if self.free_rows:
            row = self.free_rows.pop()
            self.mat[row] = vector
            return row
        if self.n == len(self.mat):
            grown = np.zeros((max(64, 2 * self.n), self.dim), dtype=np.float32)
            grown[: self.n] = self.mat[: self.n]
            self.mat = grown
        self.mat[self.n] = vector
        self.n += 1
        return self.n - 1


def unit_rows(values: npt.ArrayLike) -> F32:
    """Rows scaled to unit length (zero rows stay zero), computed exactly as the vector index
    does, so the cosines below are the ones recall reports, bit for bit on the same rows."""
    matrix = np.array(values, dtype=np.float32, copy=True, order="C")
    matrix = matrix.reshape(-1, matrix.shape[-1] if matrix.ndim else 1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    np.divide(matrix, norms, out=matrix, where=norms > 0)
    return matrix


def unit_vector(blob: bytes, dim: int) -> F32 | None:
    """A stored little-endian float32 vector as a unit row (None if its size is wrong)."""
    if len(blob) != 4 * dim:
        return None
    unit: F32 = unit_rows(np.frombuffer(blob, dtype="<f4"))[0]
    return unit


def _namespace(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(label, str) for label in value):
        return tuple(value)
    return None


@dataclass(frozen=True, slots=True)
class Change:
    """A version added to the index: what ``/v1/ext/store/watch`` reports (to consumers who
    see ``owner``)."""

    seq: int  # the version node's nodes.seq
    scope_key: str
    item: str
    ns: tuple[str, ...]
    owner: Owner
    client_id: str  # the version node's


CHANGES_KEPT = 65_536  # versions remembered for watchers; an older position gets a reset


class StoreIndex:
    """Store heads and texts of every scope of one database (see the module docstring)."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.lock = threading.RLock()
        self.scopes: dict[str, Scope] = {}
        self.watermark = 0
        # The newest versions added, in seq order, and the seq below which changes are no
        # longer all there (0: every version since the database began is in ``changes``).
        # ``epoch`` names this process's index: positions are nodes.seq, but a watcher that
        # sees a new epoch starts over rather than trust a position from another process.
        self.changes: deque[Change] = deque()
        self.changes_floor = 0
        self.epoch = uuid.uuid4().hex
        self._pending: dict[int, tuple[str, Text]] = {}  # text seq -> scope, awaiting a vector

    def scope(self, scope_key: str) -> Scope:
        found = self.scopes.get(scope_key)
        if found is None:
            found = self.scopes[scope_key] = Scope(self.dim)
        return found

    def sync(self, conn: sqlite3.Connection) -> int:
        """Read the store nodes committed since the last sync (call with :attr:`lock` held,
        inside a read snapshot). Returns how many were added."""
        top = int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM nodes").fetchone()[0])
        added = 0
        if top > self.watermark:
            for row in conn.execute(_SYNC_SQL, (self.watermark, top)):
                added += self._add_row(row)
            self.watermark = top
        if any(scope.reload for scope in self.scopes.values()):
            self._reload(conn, self.watermark)
        if self._pending:
            self._fill_pending(conn)
        return added

    def _add_row(self, row: sqlite3.Row) -> int:
        try:
            slots = json.loads(row["slots_json"] or "{}")
        except ValueError:
            return 0
        if not isinstance(slots, dict):
            return 0
        owner = Owner(row["memory_lane"], row["owner_agent_id"], row["owner_team_id"])
        kind = slots.get("kind")
        if kind == VERSION_KIND and row["type"] == VERSION_TYPE:
            return self._add_version(row, slots, owner)
        if kind == TEXT_KIND and isinstance(slots.get("of"), str):
            return self._add_text(row, slots["of"], owner)
        return 0

    def _add_text(self, row: sqlite3.Row, key: str, owner: Owner) -> int:
        text = Text(int(row["seq"]), owner, -1)
        blob = row["vector"]
        vector = unit_vector(blob, self.dim) if blob is not None else None
        if not self.scope(row["scope_key"]).add_text(key, text, vector):
            return 0
        if vector is None and row["embedding_status"] == "pending":
            self._pending[text.node_seq] = (row["scope_key"], text)
        return 1

    def _reload(self, conn: sqlite3.Connection, top: int) -> None:
        """Read back the texts of keys that a new version uses after they were dropped."""
        for scope_key, scope in self.scopes.items():
            while scope.reload:
                key = scope.reload.pop()
                have = {t.node_seq for t in scope.texts.get(key, [])}
                term = slot_term(scope_key, "of", key)
                if term is not None:
                    rows = conn.execute(_TEXTS_BY_TERM_SQL, (term, top))
                else:
                    rows = conn.execute(_TEXTS_BY_SCAN_SQL, (scope_key, key, top))
                for row in rows:
                    try:
                        slots = json.loads(row["slots_json"] or "{}")
                    except ValueError:
                        continue
                    if (
                        isinstance(slots, dict)
                        and row["scope_key"] == scope_key
                        and slots.get("family") == FAMILY
                        and slots.get("kind") == TEXT_KIND
                        and slots.get("of") == key
                        and int(row["seq"]) not in have
                    ):
                        owner = Owner(
                            row["memory_lane"], row["owner_agent_id"], row["owner_team_id"]
                        )
                        self._add_text(row, key, owner)

    def _add_version(self, row: sqlite3.Row, slots: dict[str, Any], owner: Owner) -> int:
        name, seq, ns = slots.get("item"), slots.get("seq"), _namespace(slots.get("ns"))
        if not isinstance(name, str) or type(seq) is not int or ns is None:
            return 0
        expires_at = slots.get("expires_at")
        version = Version(
            node_seq=int(row["seq"]),
            node_id=str(row["id"]),
            client_id=str(row["client_id"] or ""),
            commit_id=str(row["commit_id"]),
            created_at=str(row["created_at"]),
            owner=owner,
            record=slots,
            seq=seq,
            ns=ns,
            deleted=slots.get("op") == "delete",
            expires=parse_time(expires_at) if isinstance(expires_at, str) and expires_at else None,
        )
        self.scope(row["scope_key"]).add_version(name, version)
        if len(self.changes) >= CHANGES_KEPT:
            self.changes_floor = self.changes.popleft().seq
        self.changes.append(
            Change(version.node_seq, str(row["scope_key"]), name, ns, owner, version.client_id)
        )
        return 1

    def _fill_pending(self, conn: sqlite3.Connection) -> None:
        seqs = list(self._pending)
        for start in range(0, len(seqs), 500):
            part = seqs[start : start + 500]
            marks = ",".join("?" * len(part))
            for seq, blob in conn.execute(
                f"SELECT node_seq, vector FROM node_embeddings WHERE node_seq IN ({marks})", part
            ):
                scope_key, text = self._pending.pop(int(seq))
                vector = unit_vector(blob, self.dim)
                if vector is not None and not text.dropped:
                    text.row = self.scope(scope_key).add_vector(vector)
