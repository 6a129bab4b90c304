"""How a LangGraph store item maps onto append-only Aionis nodes (no I/O).

Every put, delete and TTL refresh of ``(namespace, key)`` is a new *version*: one ``evidence``
node whose ``slots`` hold the whole record below, written in its own commit chained (through
``parent_commit_id``) to the commit of the previous version of the same item. The latest version
wins; a ``delete`` version is a tombstone. Nodes are never changed, so the history stays
verifiable: the commit's ``input_sha256`` is ``sha256hex(canon(record))``.

Record (``slots`` of the version node)::

    {"lg": 1, "family": "store", "kind": "item", "ns": [...], "key": "...",
     "item": "<item id>", "seq": 3, "op": "put" | "delete" | "touch", "value": {...} | null,
     "index": null | false | ["path", ...], "texts_of": "self" | "<client_id>" | null,
     "created_at": "<iso>", "updated_at": "<iso>", "ttl_ms": <int> | null,
     "expires_at": "<iso>" | null, "prev": "<client_id of previous version>" | null}

It follows the shared record layout of ``aionis_langgraph._records`` (``lg``/``family``/``kind``;
``seq`` plays the role of ``order`` within an item). The TTL is kept as integer milliseconds so
the record itself carries no float of ours (the user's value may, and ``canon`` writes numbers
as ECMAScript does).

``client_id = "lgstore:<item>:<seq>"`` is a function of the item and its version number only, so
the version at a given ``seq`` is found with one indexed ``/find`` by ``client_id`` (an exact
lookup on any server; how well a ``slots_contains`` filter is indexed is up to the server). The
``seq`` numbers of an item are contiguous (a writer writes ``head.seq + 1``), so the head is
the version whose successor does not exist. A retried write is idempotent; two writers racing
for the same ``seq`` write the same node id, and as nodes are immutable the first write wins
(the race is linearised as "the loser's put, then the winner's"). Text to embed lives in
separate ``event`` nodes (one per extracted text, ``text_summary`` = the text) whose slots point
at the version that wrote them (``of`` = ``texts_of``: the version's client_id plus the first 16
hex of its record hash, so a racing loser's texts are never attributed to the winner); a
``touch`` keeps the texts of the version it refreshes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from langgraph.store.base import Item, SearchItem

from aionis_sdk.canonical import canon, sha256hex

from .._records import FORMAT, client_id

__all__ = [
    "DEFAULT_AGENT_ID",
    "FAMILY",
    "KIND",
    "TEXT_KIND",
    "Version",
    "build_record",
    "client_id_for",
    "expires_at_for",
    "is_expired",
    "is_live",
    "is_text_slots",
    "is_version_slots",
    "item_id",
    "latest_versions",
    "parse_time",
    "record_sha",
    "text_client_id",
    "texts_key",
    "to_item",
    "to_search_item",
    "ttl_ms",
    "version_client_id",
    "version_from_node",
]

DEFAULT_AGENT_ID = "langgraph"  # whose records a store writes when nothing says (see _store)
FAMILY = "store"
KIND = "item"
TEXT_KIND = "text"
ID_PREFIX = "lgstore"

OpName = Literal["put", "delete", "touch"]


def item_id(namespace: Iterable[str], key: str) -> str:
    """Stable id of an item: ``sha256hex(canon([namespace, key]))[:32]``."""
    return sha256hex(canon([list(namespace), key]))[:32]


def format_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def parse_time(text: str) -> datetime:
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def ttl_ms(ttl_minutes: float | None) -> int | None:
    """A TTL in minutes (LangGraph's unit) as integer milliseconds."""
    return None if ttl_minutes is None else round(ttl_minutes * 60_000)


def expires_at_for(now: datetime, ttl_millis: int | None) -> str | None:
    """Expiry of an item written or refreshed at ``now`` (None: never expires)."""
    if ttl_millis is None:
        return None
    return format_time(now + timedelta(milliseconds=ttl_millis))


def is_expired(record: Mapping[str, Any], now: datetime) -> bool:
    """Expiry is evaluated on read: an item whose ``expires_at`` has passed is gone."""
    expires = record.get("expires_at")
    return bool(expires) and parse_time(str(expires)) <= now


def is_live(record: Mapping[str, Any], now: datetime) -> bool:
    return record.get("op") != "delete" and not is_expired(record, now)


def record_sha(record: Mapping[str, Any]) -> str:
    return sha256hex(canon(record))


def version_client_id(item: str, seq: int) -> str:
    """client_id of the version number ``seq`` of ``item`` (see the module docstring)."""
    return client_id(ID_PREFIX, item, seq)


def client_id_for(record: Mapping[str, Any]) -> str:
    return version_client_id(str(record["item"]), int(record["seq"]))


def texts_key(record: Mapping[str, Any]) -> str:
    """The ``of`` of the text nodes a record writes itself (``texts_of == "self"``)."""
    return client_id_for(record) + ":" + record_sha(record)[:16]


def text_client_id(texts_of: str, index: int) -> str:
    return f"{texts_of}:t{index}"


def is_version_slots(slots: Any) -> bool:
    return (
        isinstance(slots, Mapping) and slots.get("family") == FAMILY and slots.get("kind") == KIND
    )


def is_text_slots(slots: Any) -> bool:
    return (
        isinstance(slots, Mapping)
        and slots.get("family") == FAMILY
        and slots.get("kind") == TEXT_KIND
    )


def build_record(
    *,
    namespace: tuple[str, ...],
    key: str,
    op: OpName,
    now: datetime,
    previous: Version | None,
    value: Mapping[str, Any] | None = None,
    index: Literal[False] | list[str] | None = None,
    ttl: float | None = None,
    has_texts: bool = False,
) -> dict[str, Any]:
    """The record of the next version of an item, given its current latest version."""
    prev_rec = previous.record if previous else None
    alive_before = prev_rec is not None and is_live(prev_rec, now)
    seq = int(prev_rec["seq"]) + 1 if prev_rec else 1
    stamp = format_time(now)
    record: dict[str, Any] = {
        "lg": FORMAT,
        "family": FAMILY,
        "kind": KIND,
        "ns": list(namespace),
        "key": key,
        "item": item_id(namespace, key),
        "seq": seq,
        "op": op,
        "prev": previous.client_id if previous else None,
    }
    if op == "touch":
        assert prev_rec is not None
        record.update(
            value=prev_rec.get("value"),
            index=prev_rec.get("index"),
            texts_of=previous.texts_of if previous else None,
            created_at=prev_rec.get("created_at"),
            updated_at=prev_rec.get("updated_at"),
            ttl_ms=prev_rec.get("ttl_ms"),
            expires_at=expires_at_for(now, prev_rec.get("ttl_ms")),
        )
        return record
    if op == "delete":
        record.update(value=None, index=None, texts_of=None, ttl_ms=None, expires_at=None)
        record.update(created_at=None, updated_at=stamp)
        return record
    created = prev_rec.get("created_at") if alive_before and prev_rec else None
    record.update(
        value=dict(value or {}),
        index=list(index) if isinstance(index, list) else index,
        texts_of=None,
        created_at=created or stamp,
        updated_at=stamp,
        ttl_ms=ttl_ms(ttl),
        expires_at=expires_at_for(now, ttl_ms(ttl)),
    )
    if has_texts:
        # Self-reference is resolved once the client_id is known (it hashes the record).
        record["texts_of"] = "self"
    return record


@dataclasses.dataclass(frozen=True)
class Version:
    """One stored version: its record plus what the server says about the node."""

    record: dict[str, Any]
    client_id: str
    node_id: str
    commit_id: str | None
    server_created_at: str

    @property
    def namespace(self) -> tuple[str, ...]:
        return tuple(self.record["ns"])

    @property
    def key(self) -> str:
        return str(self.record["key"])

    @property
    def item(self) -> str:
        return str(self.record["item"])

    @property
    def texts_of(self) -> str | None:
        """client_id of the version whose text nodes embed this version's value."""
        owner = self.record.get("texts_of")
        if owner == "self":
            return texts_key(self.record)
        return str(owner) if owner else None

    def order_key(self) -> tuple[int, str, str]:
        """Newest wins: highest seq (one node per seq; the rest only breaks ties in data
        written by earlier layouts)."""
        return (int(self.record["seq"]), self.server_created_at, self.client_id)


def version_from_node(node: Mapping[str, Any]) -> Version | None:
    """Decode a find/recall NodeDTO (with slots and meta); None if it is not a store version."""
    slots = node.get("slots")
    if not is_version_slots(slots):
        return None
    assert isinstance(slots, Mapping)
    return Version(
        record=dict(slots),
        client_id=str(node.get("client_id") or ""),
        node_id=str(node.get("id") or ""),
        commit_id=node.get("commit_id"),
        server_created_at=str(node.get("created_at") or ""),
    )


def latest_versions(versions: Iterable[Version]) -> dict[str, Version]:
    """The newest version of each item among ``versions``."""
    best: dict[str, Version] = {}
    for version in versions:
        current = best.get(version.item)
        if current is None or version.order_key() > current.order_key():
            best[version.item] = version
    return best


def to_item(version: Version) -> Item:
    rec = version.record
    return Item(
        value=dict(rec.get("value") or {}),
        key=version.key,
        namespace=version.namespace,
        created_at=parse_time(str(rec["created_at"])),
        updated_at=parse_time(str(rec["updated_at"])),
    )


def to_search_item(version: Version, score: float | None) -> SearchItem:
    rec = version.record
    return SearchItem(
        namespace=version.namespace,
        key=version.key,
        value=dict(rec.get("value") or {}),
        created_at=parse_time(str(rec["created_at"])),
        updated_at=parse_time(str(rec["updated_at"])),
        score=score,
    )
