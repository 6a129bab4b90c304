"""``client.ext_store``: the optional ``ext.store_index`` extension (reference server).

Call only when ``client.health().supports("ext.store_index")``; a server without it answers
404 ``route_not_found`` (:class:`~aionis_sdk.NotFoundError`). Reads, so retried like ``find``.
"""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack, overload

from .._operations import Operation
from ..types.ext_store import (
    ExtStoreHeadsRequest,
    ExtStoreHeadsResponse,
    ExtStoreNamespacesRequest,
    ExtStoreNamespacesResponse,
    ExtStoreSearchRequest,
    ExtStoreSearchResponse,
)
from ..types.params import RequestOptionsParams
from ..types.params_ext_store import (
    ExtStoreHeadsParams,
    ExtStoreNamespacesParams,
    ExtStoreSearchParams,
)
from ._resource import AsyncResource, SyncResource

__all__ = ["CAPABILITY", "AsyncExtStore", "ExtStore"]

CAPABILITY = "ext.store_index"

HEADS = Operation(
    "ext_store.heads",
    "POST",
    "/v1/ext/store/heads",
    ExtStoreHeadsRequest,
    ExtStoreHeadsResponse,
    consumer=True,
)
SEARCH = Operation(
    "ext_store.search",
    "POST",
    "/v1/ext/store/search",
    ExtStoreSearchRequest,
    ExtStoreSearchResponse,
    consumer=True,
)
NAMESPACES = Operation(
    "ext_store.namespaces",
    "POST",
    "/v1/ext/store/namespaces",
    ExtStoreNamespacesRequest,
    ExtStoreNamespacesResponse,
    consumer=True,
)


class ExtStore(SyncResource):
    @overload
    def heads(
        self, request: ExtStoreHeadsRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ExtStoreHeadsResponse: ...
    @overload
    def heads(self, /, **params: Unpack[ExtStoreHeadsParams]) -> ExtStoreHeadsResponse: ...
    def heads(
        self, request: ExtStoreHeadsRequest | None = None, /, **params: Any
    ) -> ExtStoreHeadsResponse:
        """POST /v1/ext/store/heads: the newest visible version of each item, or None."""
        return self._client._call(HEADS, request, params)

    @overload
    def search(
        self, request: ExtStoreSearchRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ExtStoreSearchResponse: ...
    @overload
    def search(self, /, **params: Unpack[ExtStoreSearchParams]) -> ExtStoreSearchResponse: ...
    def search(
        self, request: ExtStoreSearchRequest | None = None, /, **params: Any
    ) -> ExtStoreSearchResponse:
        """POST /v1/ext/store/search: live heads under a prefix, filtered, paged, ranked."""
        return self._client._call(SEARCH, request, params)

    @overload
    def namespaces(
        self, request: ExtStoreNamespacesRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ExtStoreNamespacesResponse: ...
    @overload
    def namespaces(
        self, /, **params: Unpack[ExtStoreNamespacesParams]
    ) -> ExtStoreNamespacesResponse: ...
    def namespaces(
        self, request: ExtStoreNamespacesRequest | None = None, /, **params: Any
    ) -> ExtStoreNamespacesResponse:
        """POST /v1/ext/store/namespaces: namespaces with live items under a prefix."""
        return self._client._call(NAMESPACES, request, params)


class AsyncExtStore(AsyncResource):
    @overload
    async def heads(
        self, request: ExtStoreHeadsRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ExtStoreHeadsResponse: ...
    @overload
    async def heads(self, /, **params: Unpack[ExtStoreHeadsParams]) -> ExtStoreHeadsResponse: ...
    async def heads(
        self, request: ExtStoreHeadsRequest | None = None, /, **params: Any
    ) -> ExtStoreHeadsResponse:
        """POST /v1/ext/store/heads: the newest visible version of each item, or None."""
        return await self._client._call(HEADS, request, params)

    @overload
    async def search(
        self, request: ExtStoreSearchRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ExtStoreSearchResponse: ...
    @overload
    async def search(self, /, **params: Unpack[ExtStoreSearchParams]) -> ExtStoreSearchResponse: ...
    async def search(
        self, request: ExtStoreSearchRequest | None = None, /, **params: Any
    ) -> ExtStoreSearchResponse:
        """POST /v1/ext/store/search: live heads under a prefix, filtered, paged, ranked."""
        return await self._client._call(SEARCH, request, params)

    @overload
    async def namespaces(
        self, request: ExtStoreNamespacesRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ExtStoreNamespacesResponse: ...
    @overload
    async def namespaces(
        self, /, **params: Unpack[ExtStoreNamespacesParams]
    ) -> ExtStoreNamespacesResponse: ...
    async def namespaces(
        self, request: ExtStoreNamespacesRequest | None = None, /, **params: Any
    ) -> ExtStoreNamespacesResponse:
        """POST /v1/ext/store/namespaces: namespaces with live items under a prefix."""
        return await self._client._call(NAMESPACES, request, params)
