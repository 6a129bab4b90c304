"""``AionisSaver``: a LangGraph checkpointer on the append-only Aionis memory."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from langgraph.checkpoint.serde.base import SerializerProtocol

from aionis_sdk import AionisClient, AsyncAionisClient

from .._calls import Locks, Plan, arun, run
from .._records import Identity, resolve_agent
from . import _codec as codec
from ._group import AsyncGroupCommit, GroupCommit, Items, Ref
from ._plans import Cache, Core, Item

__all__ = ["DEFAULT_AGENT_ID", "AionisSaver"]

T = TypeVar("T")
DEFAULT_AGENT_ID = "aionis-langgraph"
DEFAULT_LINGER = 0.002


MAX_LINGER = 60.0  # seconds; a put_writes never waits longer than this for company


def _check_linger(linger: float) -> float:
    """``linger`` as a float in ``[0, MAX_LINGER]`` seconds, else ``ValueError``."""
    if isinstance(linger, bool) or not isinstance(linger, (int, float)):
        raise TypeError(f"linger must be a number of seconds, not {type(linger).__name__}")
    value = float(linger)
    if not math.isfinite(value) or not 0.0 <= value <= MAX_LINGER:
        raise ValueError(f"linger must be between 0 and {MAX_LINGER} seconds, got {linger!r}")
    return value


class AionisSaver(BaseCheckpointSaver[str]):
    """A checkpointer whose every checkpoint, write set and delete is an Aionis commit.

    Pass a sync ``client`` for sync graphs and/or an ``async_client`` for async graphs
    (without one, the async methods run the sync ones in a worker thread). Records are
    private to ``agent_id`` (default: the client's ``agent_id``, else
    ``"aionis-langgraph"``) in the client's tenant and scope; pass ``lane="shared"`` to
    make them visible to every reader of the scope.

    Group commit: records of calls on one thread that are pending together (a task's
    ``put_writes`` and the next ``put``, or several tasks' writes) share one commit. A
    ``put_writes`` waits up to ``linger`` seconds (default 2 ms) for company; a ``put``, or
    any read or delete of the thread, sends what is pending at once. A call returns only
    after the commit holding its record is acknowledged, and raises that commit's error,
    except that under ``durability="async"`` a ``put`` may *ride* on a waiting
    ``put_writes`` call, which then answers for both records (see ``checkpoint/_group.py``
    and docs/langgraph.md): every checkpoint of a run is still stored when the run
    returns. ``linger=0`` gives every call a commit of its own.
    """

    def __init__(
        self,
        client: AionisClient | None = None,
        *,
        async_client: AsyncAionisClient | None = None,
        serde: SerializerProtocol | None = None,
        agent_id: str | None = None,
        lane: str = "private",
        linger: float = DEFAULT_LINGER,
    ) -> None:
        super().__init__(serde=serde)
        if client is None and async_client is None:
            raise ValueError("AionisSaver needs client= or async_client=")
        self.client = client
        self.async_client = async_client
        owner = resolve_agent(agent_id, (client, async_client), DEFAULT_AGENT_ID)
        self.identity = Identity(agent_id=owner, lane=lane)
        self._cache = Cache()
        self._locks = Locks()
        self.linger = _check_linger(linger)
        self._group = GroupCommit(self._write_items, self.linger)
        self._agroup = AsyncGroupCommit(self._awrite_items, self.linger)

    @property
    def _core(self) -> Core:
        # Built per call: ``with_allowlist`` clones share caches but not the serde.
        return Core(self.identity, self.serde, self._cache)

    # --- constructors -----------------------------------------------------------------

    @classmethod
    @contextmanager
    def from_url(
        cls,
        base_url: str,
        *,
        serde: SerializerProtocol | None = None,
        linger: float = DEFAULT_LINGER,
        **client_kwargs: Any,
    ) -> Iterator[AionisSaver]:
        """A saver with its own sync client, closed when the block ends."""
        with AionisClient(base_url=base_url, **client_kwargs) as client:
            yield cls(client, serde=serde, linger=linger)

    @classmethod
    @asynccontextmanager
    async def afrom_url(
        cls,
        base_url: str,
        *,
        serde: SerializerProtocol | None = None,
        linger: float = DEFAULT_LINGER,
        **client_kwargs: Any,
    ) -> AsyncIterator[AionisSaver]:
        """A saver with its own async client, closed when the block ends."""
        async with AsyncAionisClient(base_url=base_url, **client_kwargs) as client:
            yield cls(async_client=client, serde=serde, linger=linger)

    # --- drivers ----------------------------------------------------------------------

    def _run(self, plan: Plan[T]) -> T:
        if self.client is None:
            plan.close()
            raise RuntimeError("this AionisSaver has only an async client; use the a* methods")
        return run(self.client, plan, self._locks)

    async def _arun(self, plan: Plan[T]) -> T:
        if self.async_client is None:
            return await asyncio.to_thread(run, self.client, plan, self._locks)
        return await arun(self.async_client, plan, self._locks)

    # --- group commit ---------------------------------------------------------------

    def _write_items(self, thread_id: str, items: Items) -> str:
        return self._run(self._core.write(thread_id, items))

    async def _awrite_items(self, thread_id: str, items: Items) -> str:
        return await self._arun(self._core.write(thread_id, items))

    def _commit(
        self, thread_id: str, item: Item, links: _Links, *, urgent: bool, may_ride: bool = True
    ) -> None:
        ref, parent = links
        weight = codec.weight(item[1])
        self._group.submit(
            thread_id, [item], weight, urgent=urgent, ref=ref, parent=parent, may_ride=may_ride
        )

    async def _acommit(
        self, thread_id: str, item: Item, links: _Links, *, urgent: bool, may_ride: bool = True
    ) -> None:
        ref, parent = links
        weight = codec.weight(item[1])
        if self.async_client is None:
            await asyncio.to_thread(
                self._group.submit,
                thread_id,
                [item],
                weight,
                urgent=urgent,
                ref=ref,
                parent=parent,
                may_ride=may_ride,
            )
        else:
            await self._agroup.submit(
                thread_id, [item], weight, urgent=urgent, ref=ref, parent=parent, may_ride=may_ride
            )

    def _flush(self, thread_ids: Sequence[str] | None = None) -> None:
        self._group.flush(thread_ids)

    async def _aflush(self, thread_ids: Sequence[str] | None = None) -> None:
        if self.async_client is None:
            await asyncio.to_thread(self._group.flush, thread_ids)
        else:
            await self._agroup.flush(thread_ids)

    # --- sync -------------------------------------------------------------------------

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        self._flush([_thread(config)])
        self._group.reading(_thread(config), _ns(config))
        return self._run(self._core.get_tuple(config))

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        self._flush(_threads(config))
        plan = self._core.list(config, filter=filter, before=before, limit=limit)
        yield from self._run(plan)

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        if not self.linger:
            return self._run(self._core.put(config, checkpoint, metadata, new_versions))
        thread_id, item, out = self._run(self._core.prepare_put(config, checkpoint, metadata))
        self._commit(thread_id, item, _put_links(config, checkpoint), urgent=True)
        return out

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        if not self.linger:
            self._run(self._core.put_writes(config, writes, task_id, task_path))
            return
        thread_id, item = self._run(self._core.prepare_writes(config, writes, task_id, task_path))
        self._commit(
            thread_id, item, _writes_links(config), urgent=False, may_ride=codec.may_ride(writes)
        )

    def delete_thread(self, thread_id: str) -> None:
        self._flush([str(thread_id)])
        self._run(self._core.delete_thread(str(thread_id)))

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        self._flush()
        self._run(self._core.delete_for_runs(list(run_ids)))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        self._flush([str(source_thread_id), str(target_thread_id)])
        self._run(self._core.copy_thread(str(source_thread_id), str(target_thread_id)))

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        self._flush([str(t) for t in thread_ids])
        self._run(self._core.prune([str(t) for t in thread_ids], strategy))

    # --- async ------------------------------------------------------------------------

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        await self._aflush([_thread(config)])
        if self.async_client is None:
            self._group.reading(_thread(config), _ns(config))
        else:
            self._agroup.reading(_thread(config), _ns(config))
        return await self._arun(self._core.get_tuple(config))

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        await self._aflush(_threads(config))
        plan = self._core.list(config, filter=filter, before=before, limit=limit)
        for item in await self._arun(plan):
            yield item

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        if not self.linger:
            return await self._arun(self._core.put(config, checkpoint, metadata, new_versions))
        thread_id, item, out = await self._arun(
            self._core.prepare_put(config, checkpoint, metadata)
        )
        await self._acommit(thread_id, item, _put_links(config, checkpoint), urgent=True)
        return out

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        if not self.linger:
            await self._arun(self._core.put_writes(config, writes, task_id, task_path))
            return
        thread_id, item = await self._arun(
            self._core.prepare_writes(config, writes, task_id, task_path)
        )
        await self._acommit(
            thread_id, item, _writes_links(config), urgent=False, may_ride=codec.may_ride(writes)
        )

    async def adelete_thread(self, thread_id: str) -> None:
        await self._aflush([str(thread_id)])
        await self._arun(self._core.delete_thread(str(thread_id)))

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        await self._aflush()
        await self._arun(self._core.delete_for_runs(list(run_ids)))

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await self._aflush([str(source_thread_id), str(target_thread_id)])
        await self._arun(self._core.copy_thread(str(source_thread_id), str(target_thread_id)))

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        await self._aflush([str(t) for t in thread_ids])
        await self._arun(self._core.prune([str(t) for t in thread_ids], strategy))

    # --- versions ---------------------------------------------------------------------

    def get_next_version(self, current: str | None, channel: None = None) -> str:
        return codec.next_version(current)


_Links = tuple[Ref | None, Ref | None]  # (the checkpoint a record belongs to, a put's parent)


def _put_links(config: RunnableConfig, checkpoint: Checkpoint) -> _Links:
    ns, parent = _ns(config), (config.get("configurable") or {}).get("checkpoint_id")
    return (ns, str(checkpoint["id"])), ((ns, str(parent)) if parent else None)


def _writes_links(config: RunnableConfig) -> _Links:
    return (_ns(config), str((config.get("configurable") or {}).get("checkpoint_id"))), None


def _thread(config: RunnableConfig) -> str:
    return str((config.get("configurable") or {}).get("thread_id"))


def _ns(config: RunnableConfig) -> str:
    return str((config.get("configurable") or {}).get("checkpoint_ns") or "")


def _threads(config: RunnableConfig | None) -> list[str] | None:
    """The thread a read names, or ``None`` (all threads) when it names none."""
    thread_id = ((config or {}).get("configurable") or {}).get("thread_id")
    return None if thread_id is None else [str(thread_id)]
