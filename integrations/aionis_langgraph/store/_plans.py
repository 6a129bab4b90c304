"""Store operations as sans-I/O plans: get, put/delete, list_namespaces, TTL refresh.

One item is looked up by ``client_id`` (``lgstore:<item>:<seq>``, an indexed point lookup on the
server): its head is the version whose successor ``seq + 1`` does not exist. A per-store
:class:`HeadCache` remembers the newest version seen of each item, so a warm ``get`` is one
probe ("is there a ``seq + 1``?") and a ``put`` is that probe plus the ``/write``. A cold item
costs one probe per version seen, galloping (1, 2, 4, ...) over long histories.

With the server's optional ``ext.store_index`` (``Settings.ext``, see ``._ext``) a head is one
request instead, and list_namespaces one more; the rest of this module is the stock-API path.

Scans (search, list_namespaces) use ``/find`` with ``slots_contains``. Namespaces are stored as
arrays, and the server compares arrays index by index allowing longer stored arrays, so the
pattern ``{"ns": prefix}`` selects every namespace under ``prefix``. Results are newest first;
versions are reduced to the latest per item client-side (see ``_encoding.latest_versions``).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from langgraph.store.base import (
    GetOp,
    Item,
    ListNamespacesOp,
    PutOp,
    get_text_at_path,
    tokenize_path,
)

from .._records import FORMAT, Identity, input_sha256, node_spec
from ._calls import Call, Plan
from ._encoding import (
    FAMILY,
    KIND,
    TEXT_KIND,
    Version,
    build_record,
    client_id_for,
    is_live,
    item_id,
    latest_versions,
    text_client_id,
    texts_key,
    to_item,
    version_client_id,
    version_from_node,
)
from ._ext import ext_head, ext_namespaces, search_supported
from ._filters import literal_prefix, select_namespaces

__all__ = [
    "PAGE",
    "HeadCache",
    "Known",
    "Settings",
    "extract_texts",
    "get_plan",
    "head_of",
    "list_namespaces_plan",
    "put_plan",
]

PAGE = 200  # the largest page /find allows
HEAD_CACHE_SIZE = 100_000


class HeadCache:
    """The newest version of each item this store has seen (bounded, least recently used out).

    An entry is a fact, never a guess: that version exists. It may be stale (a later version by
    another writer), which is why every use probes ``seq + 1`` first. A version this store
    *wrote* is kept unconfirmed: if another writer won the race for that ``seq`` (same node id,
    first write kept), the stored content is not ours, so a read fetches it once.
    """

    def __init__(self, size: int = HEAD_CACHE_SIZE) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._heads: OrderedDict[str, tuple[Version, bool]] = OrderedDict()

    def get(self, item: str) -> tuple[Version, bool] | None:
        with self._lock:
            entry = self._heads.get(item)
            if entry is not None:
                self._heads.move_to_end(item)
            return entry

    def note(self, version: Version, confirmed: bool = True) -> None:
        """Remember ``version`` unless a newer one of its item is already known."""
        if self.size <= 0:
            return
        with self._lock:
            old = self._heads.get(version.item)
            if old is not None:
                old_seq, new_seq = int(old[0].record["seq"]), int(version.record["seq"])
                if old_seq > new_seq or (old_seq == new_seq and (old[1] or not confirmed)):
                    return
            self._heads[version.item] = (version, confirmed)
            self._heads.move_to_end(version.item)
            while len(self._heads) > self.size:
                self._heads.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._heads.clear()


@dataclasses.dataclass(frozen=True)
class Settings:
    """What the plans need to know about the store's configuration."""

    indexed: bool  # whether puts are embedded at all
    fields: tuple[str, ...]  # default index paths ("$" = the whole value)
    client_embed: bool  # True: vectors computed client-side and sent on the node
    dim: int | None  # the server's embedding dimension (needed with client_embed)
    identity: Identity | None  # owner and lane of written nodes (None: the client's defaults)
    clock: Callable[[], datetime]
    ext: bool = False  # the server advertises ext.store_index (see ._ext): use it
    heads: HeadCache = dataclasses.field(default_factory=HeadCache, compare=False)


def extract_texts(value: Mapping[str, Any], paths: Sequence[str]) -> list[str]:
    """Texts to embed for ``value`` at LangGraph json paths, de-duplicated, in order."""
    out: list[str] = []
    for path in paths:
        tokens: Any = path if path == "$" else tokenize_path(path)
        for text in get_text_at_path(value, tokens):
            if text.strip() and text not in out:
                out.append(text)
    return out


def version_call(item: str, seq: int) -> Call:
    """The version number ``seq`` of ``item``: an indexed point lookup by client_id."""
    return Call(
        "find",
        {
            "type": "evidence",
            "client_id": version_client_id(item, seq),
            "include_slots": True,
            "include_meta": True,
            "limit": 1,
        },
    )


def probe(item: str, seq: int) -> Plan[Version | None]:
    resp = yield version_call(item, seq)
    for version in map(version_from_node, resp.get("nodes") or []):
        if version is not None and version.item == item:
            return version
    return None


def _seq(version: Version) -> int:
    return int(version.record["seq"])


def latest_of(item: str, settings: Settings, confirm: bool = True) -> Plan[Version | None]:
    """The newest version of one item (None if it was never written).

    From the cached head (else from ``seq`` 1), probe the successor; over a long unseen history
    gallop (+1, +2, +4, ...) and then bisect between the last version found and the first gap.
    ``confirm=False`` (puts) skips re-reading a head this store wrote itself: a put needs only
    its ``seq`` and client_id, which are the same whoever won that ``seq``.
    """
    cached = settings.heads.get(item)
    if cached is None:
        known = yield from probe(item, 1)
        if known is None:
            return None
    else:
        known, confirmed = cached
        if confirm and not confirmed:
            fetched = yield from probe(item, _seq(known))
            known = fetched or known
    step = 1
    gap: int | None = None
    while gap is None:
        found = yield from probe(item, _seq(known) + step)
        if found is None:
            gap = _seq(known) + step
        else:
            known = found
            step *= 2
    while gap - _seq(known) > 1:
        middle = (_seq(known) + gap) // 2
        found = yield from probe(item, middle)
        if found is None:
            gap = middle
        else:
            known = found
    settings.heads.note(known)
    return known


def page_call(prefix: tuple[str, ...], offset: int, limit: int = PAGE) -> Call:
    pattern: dict[str, Any] = {"family": FAMILY, "kind": KIND}
    if prefix:
        pattern["ns"] = list(prefix)
    return Call(
        "find",
        {
            "type": "evidence",
            "slots_contains": pattern,
            "include_slots": True,
            "include_meta": True,
            "limit": limit,
            "offset": offset,
        },
    )


def scan_page(
    prefix: tuple[str, ...], offset: int, settings: Settings, limit: int = PAGE
) -> Plan[tuple[list[Version], bool]]:
    """One page of versions under ``prefix``, newest first, and whether more pages exist.

    The server stops scanning once it has ``limit + 1`` matches, so a small page under a small
    namespace is cheaper than a full one."""
    resp = yield page_call(prefix, offset, limit)
    nodes = resp.get("nodes") or []
    versions = [v for v in map(version_from_node, nodes) if v is not None]
    for version in versions:
        settings.heads.note(version)
    page = resp.get("page") or {}
    has_more = bool(page.get("has_more", len(nodes) >= limit))
    return versions, has_more


def scan_all(prefix: tuple[str, ...], settings: Settings) -> Plan[list[Version]]:
    """Every version under ``prefix`` (newest first)."""
    out: list[Version] = []
    offset = 0
    while True:
        versions, has_more = yield from scan_page(prefix, offset, settings)
        out.extend(versions)
        offset += PAGE
        if not has_more:
            return out


def touch_plan(current: Version, settings: Settings) -> Plan[Version]:
    """Refresh an item's TTL: a new ``touch`` version with a later ``expires_at``."""
    record = build_record(
        namespace=current.namespace,
        key=current.key,
        op="touch",
        now=settings.clock(),
        previous=current,
    )
    return (yield from write_version(record, current, [], settings))


Known = dict[str, Version | None]  # heads fetched ahead for a batch (used once each)


def head_of(
    item: str, settings: Settings, confirm: bool = True, known: Known | None = None
) -> Plan[Version | None]:
    """The newest version of one item: fetched ahead in ``known``, else one ``ext.store_index``
    request, else probes."""
    if known is not None and item in known:
        return known.pop(item)
    if settings.ext:
        return (yield from ext_head(item))
    return (yield from latest_of(item, settings, confirm))


def get_plan(op: GetOp, settings: Settings, known: Known | None = None) -> Plan[Item | None]:
    current = yield from head_of(item_id(op.namespace, op.key), settings, known=known)
    if current is None or not is_live(current.record, settings.clock()):
        return None
    if op.refresh_ttl and current.record.get("ttl_ms") is not None:
        current = yield from touch_plan(current, settings)
    return to_item(current)


def _texts_for(op: PutOp, settings: Settings) -> list[str]:
    if not settings.indexed or op.index is False or op.value is None:
        return []
    paths = tuple(op.index) if isinstance(op.index, list) else settings.fields
    return extract_texts(op.value, paths)


def put_plan(op: PutOp, settings: Settings, known: Known | None = None) -> Plan[None]:
    """Put (``op.value`` set) or delete (``None``): one new version in its own commit."""
    item = item_id(op.namespace, op.key)
    current = yield from head_of(item, settings, confirm=False, known=known)
    now = settings.clock()
    if op.value is None:
        if current is None or not is_live(current.record, now):
            return None  # nothing to delete: no tombstone commit
        record = build_record(
            namespace=op.namespace, key=op.key, op="delete", now=now, previous=current
        )
        yield from write_version(record, current, [], settings)
        return None
    texts = _texts_for(op, settings)
    record = build_record(
        namespace=op.namespace,
        key=op.key,
        op="put",
        now=now,
        previous=current,
        value=op.value,
        index=op.index,
        ttl=op.ttl,
        has_texts=bool(texts),
    )
    yield from write_version(record, current, texts, settings)
    return None


def write_version(
    record: dict[str, Any], previous: Version | None, texts: list[str], settings: Settings
) -> Plan[Version]:
    """Commit one version node (plus its text nodes), chained to the previous version."""
    cid = client_id_for(record)
    ident = settings.identity
    if ident is not None:
        nodes: list[dict[str, Any]] = [node_spec(cid, record, ident)]
    else:
        nodes = [{"client_id": cid, "type": "evidence", "slots": record}]
    vectors: list[list[float]] = []
    if texts and settings.client_embed:
        vectors = yield Call("embed_documents", {"texts": texts})
    label = "store:" + "/".join(record["ns"]) + "/" + str(record["key"])
    owner = texts_key(record)
    for i, text in enumerate(texts):
        node: dict[str, Any] = {
            "client_id": text_client_id(owner, i),
            "type": "event",
            "title": label[:200],
            "text_summary": text,
            "slots": {
                "lg": FORMAT,
                "family": FAMILY,
                "kind": TEXT_KIND,
                "item": record["item"],
                "ns": record["ns"],
                "of": owner,
                "seq": i,
            },
        }
        if ident is not None:
            node.update(
                memory_lane=ident.lane,
                producer_agent_id=ident.agent_id,
                owner_agent_id=ident.agent_id,
            )
        if vectors:
            node["embedding"] = fit_dimension(vectors[i], settings.dim)
            node["embedding_model"] = "client"
        nodes.append(node)
    body: dict[str, Any] = {
        # The shared convention of ``_records.input_sha256``: over every record of the commit
        # in node order, so the generic verifier can re-derive it.
        "input_sha256": input_sha256([n["slots"] for n in nodes]),
        "nodes": nodes,
        "auto_embed": bool(texts) and not settings.client_embed,
    }
    if previous is not None and previous.commit_id:
        body["parent_commit_id"] = previous.commit_id
    if ident is not None:
        body.update(
            memory_lane=ident.lane,
            actor=ident.agent_id,
            producer_agent_id=ident.agent_id,
            owner_agent_id=ident.agent_id,
        )
    resp = yield Call("write", body)
    node_id = ""
    for written in resp.get("nodes") or []:
        if written.get("client_id") == cid:
            node_id = str(written.get("id"))
    version = Version(
        record=record,
        client_id=cid,
        node_id=node_id,
        commit_id=resp.get("commit_id"),
        server_created_at="~",  # sorts after any ISO time: this is the newest we know of
    )
    settings.heads.note(version, confirmed=False)
    return version


def fit_dimension(vector: Sequence[float], dim: int | None) -> list[float]:
    """Zero-pad a client vector to the server's dimension (cosine is unchanged by padding).

    A vector longer than the server's dimension cannot be stored without changing similarities,
    so it is rejected with an explanation instead of being silently truncated.
    """
    values = [float(x) for x in vector]
    if dim is None or len(values) == dim:
        return values
    if len(values) > dim:
        raise ValueError(
            f"the embedding function returned {len(values)} dimensions but the Aionis server "
            f"stores {dim}-dimensional vectors (GET /health embedding.dim); use an embedding "
            f"model with at most {dim} dimensions, or drop `embed` from the index config to let "
            "the server embed the text itself"
        )
    return values + [0.0] * (dim - len(values))


def live_latest(versions: Sequence[Version], now: datetime) -> list[Version]:
    """Latest version per item, live ones only, in newest-first order of the input."""
    latest = latest_versions(versions)
    out: list[Version] = []
    seen: set[str] = set()
    for version in versions:
        if version.item in seen:
            continue
        seen.add(version.item)
        best = latest[version.item]
        if is_live(best.record, now):
            out.append(best)
    return out


def list_namespaces_plan(op: ListNamespacesOp, settings: Settings) -> Plan[list[tuple[str, ...]]]:
    prefix = literal_prefix(op.match_conditions)
    now = settings.clock()
    if settings.ext and search_supported(prefix, None, 1, 0):
        found = yield from ext_namespaces(prefix, now)
    else:
        versions = yield from scan_all(prefix, settings)
        found = [v.namespace for v in live_latest(versions, now)]
    return select_namespaces(found, op.match_conditions, op.max_depth, op.limit, op.offset)
