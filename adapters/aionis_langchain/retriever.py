"""``AionisRetriever``: a LangChain retriever over Aionis ``recall_text``."""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.callbacks import (
    AsyncCallbackManagerForRetrieverRun,
    CallbackManagerForRetrieverRun,
)
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import Field, model_validator
from typing_extensions import Self

from aionis_sdk import AionisClient, AsyncAionisClient

from ._recall import as_local_agent, documents_from_recall

__all__ = ["AionisRetriever"]


class AionisRetriever(BaseRetriever):
    """Retrieve Aionis memory for a query: one Document per recall seed.

    Give a sync ``client``, an ``async_client``, or both. With only a sync client, the
    async methods run it in a thread; with only an async client, the sync methods raise.
    Identity: recall reads as the client's ``agent_id`` (or team); a client with neither and
    no credential reads as ``local-user``, the identity a server with auth off writes such a
    client's memory as (spec §4.3, §4.5).

        retriever = AionisRetriever(client=AionisClient(agent_id="planner"), k=5)
        docs = retriever.invoke("what does the user drink?")
        docs[0].metadata["uri"], docs[0].metadata["commit_id"]
    """

    client: AionisClient | None = None
    async_client: AsyncAionisClient | None = None
    k: int | None = Field(default=None, ge=1, le=200, description="Seeds (default: preset).")
    recall_strategy: Literal["local", "balanced", "global"] | None = None
    min_similarity: float | None = Field(default=None, ge=-1.0, le=1.0)
    recall_options: dict[str, Any] = Field(
        default_factory=dict, description="Further recall_text arguments (e.g. tenant_id)."
    )

    @model_validator(mode="after")
    def _needs_a_client(self) -> Self:
        if self.client is None and self.async_client is None:
            raise ValueError("AionisRetriever needs client= or async_client=")
        self.client = as_local_agent(self.client)
        self.async_client = as_local_agent(self.async_client)
        return self

    def _request(self, query: str) -> dict[str, Any]:
        request: dict[str, Any] = {"include_meta": True, **self.recall_options}
        request["query_text"] = query
        if self.k is not None:
            request["limit"] = self.k
        if self.recall_strategy is not None:
            request["recall_strategy"] = self.recall_strategy
        return request

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        if self.client is None:
            raise ValueError("this AionisRetriever has only an async client: use ainvoke")
        resp = self.client.memory.recall_text(**self._request(query))
        return documents_from_recall(resp, self.min_similarity)

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun
    ) -> list[Document]:
        if self.async_client is None:
            return await super()._aget_relevant_documents(query, run_manager=run_manager)
        resp = await self.async_client.memory.recall_text(**self._request(query))
        return documents_from_recall(resp, self.min_similarity)
