"""Checkpointer records (see ``aionis_langgraph._records`` for the common envelope).

Three kinds, all with ``family="checkpoint"`` and the plain fields ``thread`` and ``gen``:

* ``checkpoint``: ``ns``, ``checkpoint_id``, ``parent_checkpoint_id``, ``run_id`` (plain, so
  ``delete_for_runs`` can find it), ``checkpoint`` and ``metadata`` (serde payloads).
  client_id ``lg:c:<thread>:<gen>:<ns>:<checkpoint_id>``.
* ``writes``: one ``put_writes`` call: ``ns``, ``checkpoint_id``, ``task_id``,
  ``task_path``, ``writes=[[idx, channel, payload], ...]``. client_id
  ``lg:w:<thread>:<gen>:<ns>:<checkpoint_id>:<task_id>:<tag>`` where ``tag`` is a content
  hash, so a replayed call is a no-op; calls holding special channels (error, interrupt,
  resume, scheduled) add the record's order to the tag, because for them the latest wins.
* ``tombstone``: ``op="thread"`` ends generation ``gen`` (``delete_thread``); readers then
  use generation ``gen + 1``, whose client_ids are fresh. ``op="hide"`` hides the listed
  ``[ns, checkpoint_id]`` pairs of generation ``gen`` (``delete_for_runs``, ``prune``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langgraph.checkpoint.base import WRITES_IDX_MAP, PendingWrite
from langgraph.checkpoint.serde.base import SerializerProtocol

from aionis_sdk.canonical import sha256hex

from .._records import (
    FORMAT,
    canonical,
    client_id,
    decode_typed,
    encode_typed,
    new_order,
    parse_client_id,
)

FAMILY = "checkpoint"
CKPT_PREFIX = "lg:c"
WRITES_PREFIX = "lg:w"
TOMB_PREFIX = "lg:x"


def base(kind: str, thread_id: str, gen: int) -> dict[str, Any]:
    return {
        "lg": FORMAT,
        "family": FAMILY,
        "kind": kind,
        "thread": thread_id,
        "gen": gen,
        "order": new_order(),
    }


def pattern(**fields: Any) -> dict[str, Any]:
    """A ``slots_contains`` pattern over checkpointer records."""
    return {"lg": FORMAT, "family": FAMILY, **{k: v for k, v in fields.items() if v is not None}}


# --- building ----------------------------------------------------------------------


def checkpoint_record(
    serde: SerializerProtocol,
    *,
    thread_id: str,
    gen: int,
    ns: str,
    checkpoint: Mapping[str, Any],
    metadata: Mapping[str, Any],
    parent_id: str | None,
) -> tuple[str, dict[str, Any]]:
    record = base("checkpoint", thread_id, gen)
    run_id = metadata.get("run_id")
    record.update(
        ns=ns,
        checkpoint_id=checkpoint["id"],
        parent_checkpoint_id=parent_id,
        run_id=run_id if isinstance(run_id, str) else None,
        checkpoint=encode_typed(serde.dumps_typed(dict(checkpoint))),
        metadata=encode_typed(serde.dumps_typed(dict(metadata))),
    )
    return client_id(CKPT_PREFIX, thread_id, gen, ns, checkpoint["id"]), record


def writes_record(
    serde: SerializerProtocol,
    *,
    thread_id: str,
    gen: int,
    ns: str,
    checkpoint_id: str,
    task_id: str,
    task_path: str,
    writes: Sequence[tuple[str, Any]],
) -> tuple[str, dict[str, Any]]:
    record = base("writes", thread_id, gen)
    indexes = [WRITES_IDX_MAP.get(channel, idx) for idx, (channel, _) in enumerate(writes)]
    encoded: list[list[Any]] = [
        [index, channel, encode_typed(serde.dumps_typed(value))]
        for index, (channel, value) in zip(indexes, writes, strict=True)
    ]
    record.update(
        ns=ns,
        checkpoint_id=checkpoint_id,
        task_id=task_id,
        task_path=task_path,
        writes=encoded,
    )
    tag = sha256hex(canonical([task_path, encoded]))[:16]
    if any(index < 0 for index in indexes):
        tag += "-" + record["order"]
    return client_id(WRITES_PREFIX, thread_id, gen, ns, checkpoint_id, task_id, tag), record


def may_ride(writes: Sequence[tuple[str, Any]]) -> bool:
    """Whether a ``put_writes`` call may return before its record is acknowledged (group
    commit riding, see ``_group``): not when it holds a special channel (error, interrupt,
    resume, scheduled). LangGraph waits for a failed task's writes to be stored before it
    runs the task's error handler."""
    return not any(channel in WRITES_IDX_MAP for channel, _ in writes)


def tombstone_record(
    *, thread_id: str, gen: int, op: str, hide: Iterable[tuple[str, str]] = ()
) -> tuple[str, dict[str, Any]]:
    record = base("tombstone", thread_id, gen)
    record.update(op=op, hide=[[ns, cid] for ns, cid in sorted(set(hide))])
    return client_id(TOMB_PREFIX, thread_id, gen, op, record["order"]), record


def rekey(record: Mapping[str, Any], thread_id: str, gen: int) -> tuple[str, dict[str, Any]]:
    """A copy of a checkpoint or writes record for another thread (``copy_thread``)."""
    out = {**record, "thread": thread_id, "gen": gen, "order": new_order()}
    if record["kind"] == "checkpoint":
        return client_id(CKPT_PREFIX, thread_id, gen, out["ns"], out["checkpoint_id"]), out
    tag = sha256hex(canonical([out["task_path"], out["writes"]]))[:16] + "-" + out["order"]
    return (
        client_id(
            WRITES_PREFIX, thread_id, gen, out["ns"], out["checkpoint_id"], out["task_id"], tag
        ),
        out,
    )


def weight(record: Mapping[str, Any]) -> int:
    """Rough size of a record's payloads in bytes (the group commit's batch budget)."""
    size = 0
    for key in ("checkpoint", "metadata"):
        payload = record.get(key)
        if isinstance(payload, Mapping):
            size += len(payload.get("b", ""))
    for write in record.get("writes") or ():
        size += len(write[2].get("b", "")) if isinstance(write[2], Mapping) else 0
    return size + 200


# --- writing ---------------------------------------------------------------------

# --- reading -----------------------------------------------------------------------


@dataclass
class ThreadState:
    """What tombstones say about a thread: the live generation and its hidden checkpoints."""

    gen: int = 0
    hidden: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def from_tombstones(cls, records: Iterable[Mapping[str, Any]]) -> ThreadState:
        items = [r for r in records if r.get("kind") == "tombstone"]
        ended = [int(r["gen"]) for r in items if r.get("op") == "thread"]
        gen = max(ended) + 1 if ended else 0
        hidden = {
            (str(ns), str(cid))
            for r in items
            if r.get("op") == "hide" and int(r["gen"]) == gen
            for ns, cid in r.get("hide", [])
        }
        return cls(gen=gen, hidden=hidden)


def checkpoint_key(node_client_id: str | None) -> tuple[str, str] | None:
    """``(ns, checkpoint_id)`` from a checkpoint node's client_id, without its slots."""
    parts = parse_client_id(node_client_id or "", CKPT_PREFIX)
    if parts is None or len(parts) != 4:
        return None
    return parts[2], parts[3]


def merge_writes(
    serde: SerializerProtocol, records: Iterable[Mapping[str, Any]]
) -> list[PendingWrite]:
    """Pending writes of one checkpoint from its ``writes`` records.

    Records apply in write order; a regular ``(task_id, idx)`` keeps its first value, a
    special channel (negative idx) its latest. The result is in ``writes_sort_key`` order.
    """
    merged: dict[tuple[str, int], tuple[str, str, Mapping[str, Any]]] = {}
    for rec in sorted(records, key=lambda r: str(r["order"])):
        for idx, channel, payload in rec["writes"]:
            key = (str(rec["task_id"]), int(idx))
            if idx >= 0 and key in merged:
                continue
            merged[key] = (str(rec.get("task_path", "")), str(channel), payload)
    ordered = sorted(merged.items(), key=lambda kv: (kv[1][0], kv[0][0], kv[0][1]))
    return [
        (task_id, channel, serde.loads_typed(decode_typed(payload)))
        for (task_id, _idx), (_path, channel, payload) in ordered
    ]


def metadata_matches(metadata: Mapping[str, Any], flt: Mapping[str, Any] | None) -> bool:
    return not flt or all(metadata.get(k) == v for k, v in flt.items())


def next_version(current: str | int | float | None) -> str:
    """``<counter:032>.<hash:016>``: text-sortable, as LangGraph's own savers do."""
    if current is None:
        n = 0
    elif isinstance(current, (int, float)):
        n = int(current)
    else:
        n = int(str(current).split(".")[0])
    tail = sha256hex(new_order())[:16]
    return f"{n + 1:032}.{int(tail, 16) % 10**16:016}"
