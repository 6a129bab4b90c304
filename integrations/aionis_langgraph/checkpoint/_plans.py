"""The checkpointer's logic as sans-I/O plans (see ``aionis_langgraph._calls``).

Round trips: ``put`` and ``put_writes`` are one ``/write`` each once a thread's generation
and chain head are known to this saver (the first touch of a thread costs one ``find`` for
each); the saver's group commit (``_group``) lets several of them share one ``/write``.
``get_tuple`` is a tombstone ``find`` plus one ``find`` for a given checkpoint id (record and
its writes together), or two for the latest checkpoint; on a thread this saver has not seen,
a one-row ``find`` for the chain head comes first, and answers alone when the thread has no
records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_checkpoint_metadata,
)
from langgraph.checkpoint.serde.base import SerializerProtocol

from aionis_sdk import BadRequestError

from .._calls import Call, Plan, find_pages
from .._records import NODE_TYPE, Identity, decode_typed, write_params
from . import _codec as codec

_BATCH_BYTES = 2_000_000
_BATCH_NODES = 100
Item = tuple[str, dict[str, Any]]


def _conf(config: RunnableConfig) -> tuple[str, str, str | None]:
    conf = config.get("configurable") or {}
    return str(conf["thread_id"]), str(conf.get("checkpoint_ns") or ""), conf.get("checkpoint_id")


def _cfg(thread_id: str, ns: str, checkpoint_id: str) -> RunnableConfig:
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": ns,
            "checkpoint_id": checkpoint_id,
        }
    }


class Cache:
    """Per-saver knowledge of threads: live generation and chain head commit (``None``:
    the thread had no records when this saver looked)."""

    def __init__(self) -> None:
        self.gens: dict[str, int] = {}
        self.heads: dict[str, str | None] = {}


class Core:
    """State shared by the sync and async twins: identity, serde, per-thread caches."""

    def __init__(self, identity: Identity, serde: SerializerProtocol, cache: Cache) -> None:
        self.identity = identity
        self.serde = serde
        self.gens = cache.gens
        self.heads = cache.heads

    # --- helpers ----------------------------------------------------------------------

    def find_params(self, pattern: Mapping[str, Any], *, slots: bool = True) -> dict[str, Any]:
        params: dict[str, Any] = {
            "type": NODE_TYPE,
            "slots_contains": dict(pattern),
            "include_slots": slots,
            "include_meta": not slots,
        }
        if self.identity.agent_id is not None:  # else the server's, from the credential
            params["consumer_agent_id"] = self.identity.agent_id
        return params

    def records(self, pattern: Mapping[str, Any]) -> Plan[list[dict[str, Any]]]:
        nodes = yield from find_pages(self.find_params(pattern))
        return [dict(n.slots) for n in nodes if n.slots]

    def state(self, thread_id: str) -> Plan[codec.ThreadState]:
        recs = yield from self.records(codec.pattern(kind="tombstone", thread=thread_id))
        state = codec.ThreadState.from_tombstones(recs)
        self.gens[thread_id] = state.gen
        return state

    def gen(self, thread_id: str) -> Plan[int]:
        if thread_id not in self.gens:
            yield from self.state(thread_id)
        return self.gens[thread_id]

    def head(self, thread_id: str, *, refresh: bool = False) -> Plan[str | None]:
        """The thread's newest commit (``None``: the thread has no records yet)."""
        if refresh or thread_id not in self.heads:
            params = self.find_params(codec.pattern(thread=thread_id), slots=False)
            response = yield Call("find", {**params, "limit": 1})
            self.heads[thread_id] = response.nodes[0].commit_id if response.nodes else None
        return self.heads[thread_id]

    def write(self, thread_id: str, items: Sequence[tuple[str, Mapping[str, Any]]]) -> Plan[str]:
        """One ``/write`` chained to the thread's head; retried once on a stale head.

        ``items`` may hold records of several calls (group commit, see ``_group``)."""
        yield Call("lock", {"key": thread_id})
        head = yield from self.head(thread_id)
        try:
            response = yield Call("write", write_params(items, self.identity, head))
        except BadRequestError as exc:
            if getattr(exc, "code", None) != "parent_commit_not_found":
                raise
            head = yield from self.head(thread_id, refresh=True)
            response = yield Call("write", write_params(items, self.identity, head))
        self.heads[thread_id] = response.commit_id
        yield Call("unlock", {"key": thread_id})
        return str(response.commit_id)

    def to_tuple(
        self, rec: Mapping[str, Any], writes: Iterable[Mapping[str, Any]]
    ) -> CheckpointTuple:
        checkpoint = self.serde.loads_typed(decode_typed(rec["checkpoint"]))
        metadata = self.serde.loads_typed(decode_typed(rec["metadata"]))
        thread_id, ns = str(rec["thread"]), str(rec["ns"])
        parent = rec.get("parent_checkpoint_id")
        return CheckpointTuple(
            config=_cfg(thread_id, ns, str(rec["checkpoint_id"])),
            checkpoint=checkpoint,
            metadata=metadata,
            parent_config=_cfg(thread_id, ns, str(parent)) if parent else None,
            pending_writes=codec.merge_writes(self.serde, writes),
        )

    # --- operations -------------------------------------------------------------------

    def prepare_put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
    ) -> Plan[tuple[str, Item, RunnableConfig]]:
        """The thread, the record and the config ``put`` returns (no write yet)."""
        thread_id, ns, parent_id = _conf(config)
        gen = yield from self.gen(thread_id)
        item = codec.checkpoint_record(
            self.serde,
            thread_id=thread_id,
            gen=gen,
            ns=ns,
            checkpoint=checkpoint,
            metadata=get_checkpoint_metadata(config, metadata),
            parent_id=parent_id,
        )
        return thread_id, item, _cfg(thread_id, ns, checkpoint["id"])

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> Plan[RunnableConfig]:
        thread_id, item, out = yield from self.prepare_put(config, checkpoint, metadata)
        yield from self.write(thread_id, [item])
        return out

    def prepare_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str,
    ) -> Plan[tuple[str, Item]]:
        """The thread and the record of a ``put_writes`` (no write yet)."""
        thread_id, ns, checkpoint_id = _conf(config)
        if checkpoint_id is None:
            raise ValueError("put_writes needs a checkpoint_id in the config")
        gen = yield from self.gen(thread_id)
        item = codec.writes_record(
            self.serde,
            thread_id=thread_id,
            gen=gen,
            ns=ns,
            checkpoint_id=str(checkpoint_id),
            task_id=task_id,
            task_path=task_path,
            writes=writes,
        )
        return thread_id, item

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str,
    ) -> Plan[None]:
        thread_id, item = yield from self.prepare_writes(config, writes, task_id, task_path)
        yield from self.write(thread_id, [item])

    def latest_id(self, thread_id: str, ns: str, state: codec.ThreadState) -> Plan[str | None]:
        pat = codec.pattern(kind="checkpoint", thread=thread_id, gen=state.gen, ns=ns)
        params = self.find_params(pat, slots=False)
        offset = 0
        while True:
            response = yield Call("find", {**params, "limit": 50, "offset": offset})
            keys = [codec.checkpoint_key(n.client_id) for n in response.nodes]
            visible = [k[1] for k in keys if k is not None and k not in state.hidden]
            if visible:
                return max(visible)
            if not response.page.has_more or not response.nodes:
                return None
            offset += len(response.nodes)

    def get_tuple(self, config: RunnableConfig) -> Plan[CheckpointTuple | None]:
        thread_id, ns, checkpoint_id = _conf(config)
        if thread_id not in self.heads:
            # First touch: one find says whether the thread exists at all (a new thread's
            # run then costs one read, not three), and the next write needs the head anyway.
            head = yield from self.head(thread_id)
            if head is None:
                self.gens[thread_id] = 0
                return None
        state = yield from self.state(thread_id)
        if checkpoint_id is None:
            checkpoint_id = yield from self.latest_id(thread_id, ns, state)
            if checkpoint_id is None:
                return None
        if (ns, checkpoint_id) in state.hidden:
            return None
        recs = yield from self.records(
            codec.pattern(thread=thread_id, gen=state.gen, ns=ns, checkpoint_id=checkpoint_id)
        )
        ckpts = [r for r in recs if r["kind"] == "checkpoint"]
        if not ckpts:
            return None
        return self.to_tuple(ckpts[0], [r for r in recs if r["kind"] == "writes"])

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None,
        before: RunnableConfig | None,
        limit: int | None,
    ) -> Plan[list[CheckpointTuple]]:
        conf = (config or {}).get("configurable") or {}
        thread_id, want_id = conf.get("thread_id"), conf.get("checkpoint_id")
        ns = conf.get("checkpoint_ns")
        if thread_id is not None:
            state = yield from self.state(str(thread_id))
            states = {str(thread_id): state}
            recs = yield from self.records(
                codec.pattern(thread=str(thread_id), gen=state.gen, ns=ns)
            )
        else:
            tombs = yield from self.records(codec.pattern(kind="tombstone"))
            recs = yield from self.records(codec.pattern(ns=ns))
            by_thread: dict[str, list[dict[str, Any]]] = {}
            for r in tombs:
                by_thread.setdefault(str(r["thread"]), []).append(r)
            states = {t: codec.ThreadState.from_tombstones(rs) for t, rs in by_thread.items()}
        before_id = ((before or {}).get("configurable") or {}).get("checkpoint_id")
        writes: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        candidates = []
        for r in recs:
            st = states.get(str(r["thread"])) or codec.ThreadState()
            if r.get("gen") != st.gen or (r.get("ns"), r.get("checkpoint_id")) in st.hidden:
                continue
            key = (str(r["thread"]), str(r.get("ns")), str(r.get("checkpoint_id")))
            if r["kind"] == "writes":
                writes.setdefault(key, []).append(r)
            elif r["kind"] == "checkpoint":
                if want_id is not None and key[2] != want_id:
                    continue
                if before_id is not None and key[2] >= before_id:
                    continue
                candidates.append((key, r))
        candidates.sort(key=lambda kr: (kr[0][0], kr[0][2]), reverse=True)
        out: list[CheckpointTuple] = []
        for key, r in candidates:
            if filter:
                md = self.serde.loads_typed(decode_typed(r["metadata"]))
                if not codec.metadata_matches(md, filter):
                    continue
            out.append(self.to_tuple(r, writes.get(key, [])))
            if limit is not None and len(out) >= limit:
                break
        return out

    def delete_thread(self, thread_id: str) -> Plan[None]:
        head = yield from self.head(thread_id, refresh=True)
        if head is None:
            return
        state = yield from self.state(thread_id)
        yield from self.write(
            thread_id, [codec.tombstone_record(thread_id=thread_id, gen=state.gen, op="thread")]
        )
        self.gens[thread_id] = state.gen + 1

    def hide(self, thread_id: str, keys: Iterable[tuple[str, str]], gen: int) -> Plan[None]:
        keys = list(keys)
        if keys:
            item = codec.tombstone_record(thread_id=thread_id, gen=gen, op="hide", hide=keys)
            yield from self.write(thread_id, [item])

    def delete_for_runs(self, run_ids: Sequence[str]) -> Plan[None]:
        found: dict[str, list[dict[str, Any]]] = {}
        for run_id in run_ids:
            recs = yield from self.records(codec.pattern(kind="checkpoint", run_id=run_id))
            for r in recs:
                found.setdefault(str(r["thread"]), []).append(r)
        for thread_id, recs in found.items():
            state = yield from self.state(thread_id)
            keys = [(str(r["ns"]), str(r["checkpoint_id"])) for r in recs if r["gen"] == state.gen]
            yield from self.hide(thread_id, set(keys) - state.hidden, state.gen)

    def prune(self, thread_ids: Sequence[str], strategy: str) -> Plan[None]:
        if strategy not in ("keep_latest", "delete"):
            raise ValueError(f"unknown prune strategy {strategy!r}")
        for thread_id in thread_ids:
            if strategy == "delete":
                yield from self.delete_thread(thread_id)
                continue
            state = yield from self.state(thread_id)
            pat = codec.pattern(kind="checkpoint", thread=thread_id, gen=state.gen)
            nodes = yield from find_pages(self.find_params(pat, slots=False))
            keys = {k for n in nodes if (k := codec.checkpoint_key(n.client_id))} - state.hidden
            latest: dict[str, str] = {}
            for ns, cid in keys:
                latest[ns] = max(cid, latest.get(ns, cid))
            yield from self.hide(thread_id, {k for k in keys if latest[k[0]] != k[1]}, state.gen)

    def copy_thread(self, source: str, target: str) -> Plan[None]:
        src = yield from self.state(source)
        recs = yield from self.records(codec.pattern(thread=source, gen=src.gen))
        keep = [
            r
            for r in recs
            if r["kind"] in ("checkpoint", "writes")
            and (r["ns"], r["checkpoint_id"]) not in src.hidden
        ]
        if not keep:
            return
        keep.sort(key=lambda r: (r["checkpoint_id"], r["kind"] != "checkpoint", r["order"]))
        dst = yield from self.state(target)
        batch: list[tuple[str, dict[str, Any]]] = []
        size = 0
        for r in keep:
            item = codec.rekey(r, target, dst.gen)
            weight = len(str(item[1]))
            if batch and (size + weight > _BATCH_BYTES or len(batch) >= _BATCH_NODES):
                yield from self.write(target, batch)
                batch, size = [], 0
            batch.append(item)
            size += weight
        if batch:
            yield from self.write(target, batch)
