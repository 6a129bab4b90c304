"""``client.packs``: export a scope, import a pack, or only verify it."""

from __future__ import annotations

from typing import Any

from .._operations import PACK_EXPORT, PACK_IMPORT
from ..types import PackExportRequest, PackExportResponse, PackImportRequest, PackImportResponse
from ._resource import AsyncResource, SyncResource

__all__ = ["AsyncPacks", "Packs"]


def _verify_params(request: PackImportRequest | None, params: dict[str, Any]) -> Any:
    if request is not None:
        return request.model_copy(update={"verify_only": True}), params
    return None, {**params, "verify_only": True}


class Packs(SyncResource):
    def export(
        self, request: PackExportRequest | None = None, /, **params: Any
    ) -> PackExportResponse:
        """POST /v1/memory/packs/export (sends ``X-Admin-Token`` when configured)."""
        return self._client._call(PACK_EXPORT, request, params)

    def import_pack(
        self, request: PackImportRequest | None = None, /, **params: Any
    ) -> PackImportResponse:
        """POST /v1/memory/packs/import. Re-importing the same pack is idempotent."""
        return self._client._call(PACK_IMPORT, request, params)

    def verify(
        self, request: PackImportRequest | None = None, /, **params: Any
    ) -> PackImportResponse:
        """Verify a pack (hash, scope, edge references) without importing it."""
        req, fields = _verify_params(request, params)
        return self._client._call(PACK_IMPORT, req, fields)


class AsyncPacks(AsyncResource):
    async def export(
        self, request: PackExportRequest | None = None, /, **params: Any
    ) -> PackExportResponse:
        """POST /v1/memory/packs/export (sends ``X-Admin-Token`` when configured)."""
        return await self._client._call(PACK_EXPORT, request, params)

    async def import_pack(
        self, request: PackImportRequest | None = None, /, **params: Any
    ) -> PackImportResponse:
        """POST /v1/memory/packs/import. Re-importing the same pack is idempotent."""
        return await self._client._call(PACK_IMPORT, request, params)

    async def verify(
        self, request: PackImportRequest | None = None, /, **params: Any
    ) -> PackImportResponse:
        """Verify a pack (hash, scope, edge references) without importing it."""
        req, fields = _verify_params(request, params)
        return await self._client._call(PACK_IMPORT, req, fields)
