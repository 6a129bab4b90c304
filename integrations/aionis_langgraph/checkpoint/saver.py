"""``AionisSaver``: a LangGraph checkpointer on the append-only Aionis memory."""

from __future__ import annotations

import asyncio
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
from .._records import Identity
from . import _codec as codec
from ._plans import Cache, Core

__all__ = ["DEFAULT_AGENT_ID", "AionisSaver"]

T = TypeVar("T")
DEFAULT_AGENT_ID = "aionis-langgraph"


class AionisSaver(BaseCheckpointSaver[str]):
    """A checkpointer whose every checkpoint, write set and delete is an Aionis commit.

    Pass a sync ``client`` for sync graphs and/or an ``async_client`` for async graphs
    (without one, the async methods run the sync ones in a worker thread). Records are
    private to ``agent_id`` (default: the client's ``agent_id``, else
    ``"aionis-langgraph"``) in the client's tenant and scope; pass ``lane="shared"`` to
    make them visible to every reader of the scope.
    """

    def __init__(
        self,
        client: AionisClient | None = None,
        *,
        async_client: AsyncAionisClient | None = None,
        serde: SerializerProtocol | None = None,
        agent_id: str | None = None,
        lane: str = "private",
    ) -> None:
        super().__init__(serde=serde)
        if client is None and async_client is None:
            raise ValueError("AionisSaver needs client= or async_client=")
        self.client = client
        self.async_client = async_client
        configured = (client or async_client).config.agent_id  # type: ignore[union-attr]
        self.identity = Identity(agent_id=agent_id or configured or DEFAULT_AGENT_ID, lane=lane)
        self._cache = Cache()
        self._locks = Locks()

    @property
    def _core(self) -> Core:
        # Built per call: ``with_allowlist`` clones share caches but not the serde.
        return Core(self.identity, self.serde, self._cache)

    # --- constructors -----------------------------------------------------------------

    @classmethod
    @contextmanager
    def from_url(
        cls, base_url: str, *, serde: SerializerProtocol | None = None, **client_kwargs: Any
    ) -> Iterator[AionisSaver]:
        """A saver with its own sync client, closed when the block ends."""
        with AionisClient(base_url=base_url, **client_kwargs) as client:
            yield cls(client, serde=serde)

    @classmethod
    @asynccontextmanager
    async def afrom_url(
        cls, base_url: str, *, serde: SerializerProtocol | None = None, **client_kwargs: Any
    ) -> AsyncIterator[AionisSaver]:
        """A saver with its own async client, closed when the block ends."""
        async with AsyncAionisClient(base_url=base_url, **client_kwargs) as client:
            yield cls(async_client=client, serde=serde)

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

    # --- sync -------------------------------------------------------------------------

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self._run(self._core.get_tuple(config))

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        plan = self._core.list(config, filter=filter, before=before, limit=limit)
        yield from self._run(plan)

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return self._run(self._core.put(config, checkpoint, metadata, new_versions))

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self._run(self._core.put_writes(config, writes, task_id, task_path))

    def delete_thread(self, thread_id: str) -> None:
        self._run(self._core.delete_thread(str(thread_id)))

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        self._run(self._core.delete_for_runs(list(run_ids)))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        self._run(self._core.copy_thread(str(source_thread_id), str(target_thread_id)))

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        self._run(self._core.prune([str(t) for t in thread_ids], strategy))

    # --- async ------------------------------------------------------------------------

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await self._arun(self._core.get_tuple(config))

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
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
        return await self._arun(self._core.put(config, checkpoint, metadata, new_versions))

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        await self._arun(self._core.put_writes(config, writes, task_id, task_path))

    async def adelete_thread(self, thread_id: str) -> None:
        await self._arun(self._core.delete_thread(str(thread_id)))

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        await self._arun(self._core.delete_for_runs(list(run_ids)))

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await self._arun(self._core.copy_thread(str(source_thread_id), str(target_thread_id)))

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        await self._arun(self._core.prune([str(t) for t in thread_ids], strategy))

    # --- versions ---------------------------------------------------------------------

    def get_next_version(self, current: str | None, channel: None = None) -> str:
        return codec.next_version(current)
