"""``client.ext_store``: the optional ``ext.store_index`` extension (reference server).

Call only when ``client.health().supports("ext.store_index")``; a server without it answers
404 ``route_not_found`` (:class:`~aionis_sdk.NotFoundError`). Reads, so retried like ``find``.
``watch`` is a long poll: unless a ``timeout`` is passed, its read timeout is the client's plus
the ``timeout_ms`` it asks the server to wait.
"""

from __future__ import annotations

from typing import Any

import httpx
from typing_extensions import Unpack, overload

from .._operations import Operation
from ..types.ext_store import (
    ExtStoreHeadsRequest,
    ExtStoreHeadsResponse,
    ExtStoreNamespacesRequest,
    ExtStoreNamespacesResponse,
    ExtStoreSearchRequest,
    ExtStoreSearchResponse,
    ExtStoreWatchRequest,
    ExtStoreWatchResponse,
)
from ..types.params import RequestOptionsParams
from ..types.params_ext_store import (
    ExtStoreHeadsParams,
    ExtStoreNamespacesParams,
    ExtStoreSearchParams,
    ExtStoreWatchParams,
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

WATCH = Operation(
    "ext_store.watch",
    "POST",
    "/v1/ext/store/watch",
    ExtStoreWatchRequest,
    ExtStoreWatchResponse,
    consumer=True,
)
DEFAULT_WATCH_MS = 10_000  # the server's default ``timeout_ms``


def _long_poll(
    base: httpx.Timeout, request: ExtStoreWatchRequest | None, params: dict[str, Any]
) -> dict[str, Any]:
    """``params`` with a read timeout that outlasts the server's wait, unless one was given."""
    if "timeout" in params:
        return params
    wait_ms = request.timeout_ms if request is not None else params.get("timeout_ms")
    extra = (DEFAULT_WATCH_MS if wait_ms is None else wait_ms) / 1000
    read = None if base.read is None else base.read + extra
    timeout = httpx.Timeout(connect=base.connect, read=read, write=base.write, pool=base.pool)
    return {**params, "timeout": timeout}


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

    @overload
    def watch(
        self, request: ExtStoreWatchRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ExtStoreWatchResponse: ...
    @overload
    def watch(self, /, **params: Unpack[ExtStoreWatchParams]) -> ExtStoreWatchResponse: ...
    def watch(
        self, request: ExtStoreWatchRequest | None = None, /, **params: Any
    ) -> ExtStoreWatchResponse:
        """POST /v1/ext/store/watch: items changed after a position (long poll)."""
        return self._client._call(
            WATCH, request, _long_poll(self._client.config.timeout, request, params)
        )


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

    @overload
    async def watch(
        self, request: ExtStoreWatchRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ExtStoreWatchResponse: ...
    @overload
    async def watch(self, /, **params: Unpack[ExtStoreWatchParams]) -> ExtStoreWatchResponse: ...
    async def watch(
        self, request: ExtStoreWatchRequest | None = None, /, **params: Any
    ) -> ExtStoreWatchResponse:
        """POST /v1/ext/store/watch: items changed after a position (long poll)."""
        return await self._client._call(
            WATCH, request, _long_poll(self._client.config.timeout, request, params)
        )
