"""``client.memory``: write, recall, recall_text, find (+ auto-paging), resolve."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from typing_extensions import Unpack, overload

from .._operations import FIND, RECALL, RECALL_TEXT, RESOLVE, WRITE
from ..types import (
    FindRequest,
    FindResponse,
    NodeDTO,
    RecallRequest,
    RecallResponse,
    RecallTextRequest,
    RecallTextResponse,
    ResolveRequest,
    ResolveResponse,
    WriteRequest,
    WriteResponse,
)
from ..types.params import (
    FindParams,
    RecallParams,
    RecallTextParams,
    RequestOptionsParams,
    ResolveParams,
    WriteParams,
)
from ._resource import AsyncResource, SyncResource, aiter_pages, iter_pages, page_params

__all__ = ["AsyncMemory", "Memory"]


def _nodes(response: FindResponse) -> list[NodeDTO]:
    return list(response.nodes)


class Memory(SyncResource):
    @overload
    def write(
        self, request: WriteRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> WriteResponse: ...
    @overload
    def write(self, /, **params: Unpack[WriteParams]) -> WriteResponse: ...
    def write(self, request: WriteRequest | None = None, /, **params: Any) -> WriteResponse:
        """POST /v1/memory/write. Retried safely: node ids are deterministic."""
        return self._client._call(WRITE, request, params)

    @overload
    def recall(
        self, request: RecallRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> RecallResponse: ...
    @overload
    def recall(self, /, **params: Unpack[RecallParams]) -> RecallResponse: ...
    def recall(self, request: RecallRequest | None = None, /, **params: Any) -> RecallResponse:
        """POST /v1/memory/recall with a query embedding."""
        return self._client._call(RECALL, request, params)

    @overload
    def recall_text(
        self, request: RecallTextRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> RecallTextResponse: ...
    @overload
    def recall_text(self, /, **params: Unpack[RecallTextParams]) -> RecallTextResponse: ...
    def recall_text(
        self, request: RecallTextRequest | None = None, /, **params: Any
    ) -> RecallTextResponse:
        """POST /v1/memory/recall_text: the server embeds ``query_text``."""
        return self._client._call(RECALL_TEXT, request, params)

    @overload
    def find(
        self, request: FindRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> FindResponse: ...
    @overload
    def find(self, /, **params: Unpack[FindParams]) -> FindResponse: ...
    def find(self, request: FindRequest | None = None, /, **params: Any) -> FindResponse:
        """POST /v1/memory/find: one page of nodes matching the filters, newest first."""
        return self._client._call(FIND, request, params)

    @overload
    def find_all(
        self, request: FindRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> Iterator[NodeDTO]: ...
    @overload
    def find_all(self, /, **params: Unpack[FindParams]) -> Iterator[NodeDTO]: ...
    def find_all(self, request: FindRequest | None = None, /, **params: Any) -> Iterator[NodeDTO]:
        """Every node matching the filters, fetching pages of ``limit`` lazily."""
        return iter_pages(lambda p: self.find(**p), page_params(request, params), _nodes)

    @overload
    def resolve(
        self, request: ResolveRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ResolveResponse: ...
    @overload
    def resolve(self, /, **params: Unpack[ResolveParams]) -> ResolveResponse: ...
    def resolve(self, request: ResolveRequest | None = None, /, **params: Any) -> ResolveResponse:
        """POST /v1/memory/resolve an ``aionis://`` URI (tenant and scope come from it)."""
        return self._client._call(RESOLVE, request, params)


class AsyncMemory(AsyncResource):
    @overload
    async def write(
        self, request: WriteRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> WriteResponse: ...
    @overload
    async def write(self, /, **params: Unpack[WriteParams]) -> WriteResponse: ...
    async def write(self, request: WriteRequest | None = None, /, **params: Any) -> WriteResponse:
        """POST /v1/memory/write. Retried safely: node ids are deterministic."""
        return await self._client._call(WRITE, request, params)

    @overload
    async def recall(
        self, request: RecallRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> RecallResponse: ...
    @overload
    async def recall(self, /, **params: Unpack[RecallParams]) -> RecallResponse: ...
    async def recall(
        self, request: RecallRequest | None = None, /, **params: Any
    ) -> RecallResponse:
        """POST /v1/memory/recall with a query embedding."""
        return await self._client._call(RECALL, request, params)

    @overload
    async def recall_text(
        self, request: RecallTextRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> RecallTextResponse: ...
    @overload
    async def recall_text(self, /, **params: Unpack[RecallTextParams]) -> RecallTextResponse: ...
    async def recall_text(
        self, request: RecallTextRequest | None = None, /, **params: Any
    ) -> RecallTextResponse:
        """POST /v1/memory/recall_text: the server embeds ``query_text``."""
        return await self._client._call(RECALL_TEXT, request, params)

    @overload
    async def find(
        self, request: FindRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> FindResponse: ...
    @overload
    async def find(self, /, **params: Unpack[FindParams]) -> FindResponse: ...
    async def find(self, request: FindRequest | None = None, /, **params: Any) -> FindResponse:
        """POST /v1/memory/find: one page of nodes matching the filters, newest first."""
        return await self._client._call(FIND, request, params)

    @overload
    def find_all(
        self, request: FindRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> AsyncIterator[NodeDTO]: ...
    @overload
    def find_all(self, /, **params: Unpack[FindParams]) -> AsyncIterator[NodeDTO]: ...
    def find_all(
        self, request: FindRequest | None = None, /, **params: Any
    ) -> AsyncIterator[NodeDTO]:
        """Every node matching the filters (``async for``), fetching pages lazily."""
        return aiter_pages(lambda p: self.find(**p), page_params(request, params), _nodes)

    @overload
    async def resolve(
        self, request: ResolveRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ResolveResponse: ...
    @overload
    async def resolve(self, /, **params: Unpack[ResolveParams]) -> ResolveResponse: ...
    async def resolve(
        self, request: ResolveRequest | None = None, /, **params: Any
    ) -> ResolveResponse:
        """POST /v1/memory/resolve an ``aionis://`` URI (tenant and scope come from it)."""
        return await self._client._call(RESOLVE, request, params)
