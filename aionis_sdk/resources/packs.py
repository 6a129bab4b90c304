"""``client.packs``: export a scope, import a pack, or only verify it."""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack, overload

from .._operations import PACK_EXPORT, PACK_IMPORT
from ..types import PackExportRequest, PackExportResponse, PackImportRequest, PackImportResponse
from ..types.params import PackExportParams, PackImportParams, RequestOptionsParams
from ._resource import AsyncResource, SyncResource

__all__ = ["AsyncPacks", "Packs"]


def _verify_params(request: PackImportRequest | None, params: dict[str, Any]) -> Any:
    if request is not None:
        return request.model_copy(update={"verify_only": True}), params
    return None, {**params, "verify_only": True}


class Packs(SyncResource):
    @overload
    def export(
        self, request: PackExportRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> PackExportResponse: ...
    @overload
    def export(self, /, **params: Unpack[PackExportParams]) -> PackExportResponse: ...
    def export(
        self, request: PackExportRequest | None = None, /, **params: Any
    ) -> PackExportResponse:
        """POST /v1/memory/packs/export (sends ``X-Admin-Token`` when configured)."""
        return self._client._call(PACK_EXPORT, request, params)

    @overload
    def import_pack(
        self, request: PackImportRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> PackImportResponse: ...
    @overload
    def import_pack(self, /, **params: Unpack[PackImportParams]) -> PackImportResponse: ...
    def import_pack(
        self, request: PackImportRequest | None = None, /, **params: Any
    ) -> PackImportResponse:
        """POST /v1/memory/packs/import. Re-importing the same pack is idempotent."""
        return self._client._call(PACK_IMPORT, request, params)

    @overload
    def verify(
        self, request: PackImportRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> PackImportResponse: ...
    @overload
    def verify(self, /, **params: Unpack[PackImportParams]) -> PackImportResponse: ...
    def verify(
        self, request: PackImportRequest | None = None, /, **params: Any
    ) -> PackImportResponse:
        """Verify a pack (hash, scope, edge references) without importing it."""
        req, fields = _verify_params(request, params)
        return self._client._call(PACK_IMPORT, req, fields)


class AsyncPacks(AsyncResource):
    @overload
    async def export(
        self, request: PackExportRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> PackExportResponse: ...
    @overload
    async def export(self, /, **params: Unpack[PackExportParams]) -> PackExportResponse: ...
    async def export(
        self, request: PackExportRequest | None = None, /, **params: Any
    ) -> PackExportResponse:
        """POST /v1/memory/packs/export (sends ``X-Admin-Token`` when configured)."""
        return await self._client._call(PACK_EXPORT, request, params)

    @overload
    async def import_pack(
        self, request: PackImportRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> PackImportResponse: ...
    @overload
    async def import_pack(self, /, **params: Unpack[PackImportParams]) -> PackImportResponse: ...
    async def import_pack(
        self, request: PackImportRequest | None = None, /, **params: Any
    ) -> PackImportResponse:
        """POST /v1/memory/packs/import. Re-importing the same pack is idempotent."""
        return await self._client._call(PACK_IMPORT, request, params)

    @overload
    async def verify(
        self, request: PackImportRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> PackImportResponse: ...
    @overload
    async def verify(self, /, **params: Unpack[PackImportParams]) -> PackImportResponse: ...
    async def verify(
        self, request: PackImportRequest | None = None, /, **params: Any
    ) -> PackImportResponse:
        """Verify a pack (hash, scope, edge references) without importing it."""
        req, fields = _verify_params(request, params)
        return await self._client._call(PACK_IMPORT, req, fields)
