"""``client.planning.context`` and ``client.context.assemble``: the composite routes.

Both are idempotent unless ``tool_candidates`` is non-empty: then the server persists a
tool decision, and the call is retried only when it cannot have reached the server.
"""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack, overload

from .._operations import CONTEXT_ASSEMBLE, PLANNING_CONTEXT
from ..types import (
    ContextAssembleRequest,
    ContextAssembleResponse,
    PlanningContextRequest,
    PlanningContextResponse,
)
from ..types.params import ContextAssembleParams, PlanningContextParams, RequestOptionsParams
from ._resource import AsyncResource, SyncResource

__all__ = ["AsyncContext", "AsyncPlanning", "Context", "Planning"]


class Planning(SyncResource):
    @overload
    def context(
        self, request: PlanningContextRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> PlanningContextResponse: ...
    @overload
    def context(self, /, **params: Unpack[PlanningContextParams]) -> PlanningContextResponse: ...
    def context(
        self, request: PlanningContextRequest | None = None, /, **params: Any
    ) -> PlanningContextResponse:
        """POST /v1/memory/planning/context: recall_text + rules (+ tools/select)."""
        return self._client._call(PLANNING_CONTEXT, request, params)


class Context(SyncResource):
    @overload
    def assemble(
        self, request: ContextAssembleRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ContextAssembleResponse: ...
    @overload
    def assemble(self, /, **params: Unpack[ContextAssembleParams]) -> ContextAssembleResponse: ...
    def assemble(
        self, request: ContextAssembleRequest | None = None, /, **params: Any
    ) -> ContextAssembleResponse:
        """POST /v1/memory/context/assemble: planning context with layered assembly."""
        return self._client._call(CONTEXT_ASSEMBLE, request, params)


class AsyncPlanning(AsyncResource):
    @overload
    async def context(
        self, request: PlanningContextRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> PlanningContextResponse: ...
    @overload
    async def context(
        self, /, **params: Unpack[PlanningContextParams]
    ) -> PlanningContextResponse: ...
    async def context(
        self, request: PlanningContextRequest | None = None, /, **params: Any
    ) -> PlanningContextResponse:
        """POST /v1/memory/planning/context: recall_text + rules (+ tools/select)."""
        return await self._client._call(PLANNING_CONTEXT, request, params)


class AsyncContext(AsyncResource):
    @overload
    async def assemble(
        self, request: ContextAssembleRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ContextAssembleResponse: ...
    @overload
    async def assemble(
        self, /, **params: Unpack[ContextAssembleParams]
    ) -> ContextAssembleResponse: ...
    async def assemble(
        self, request: ContextAssembleRequest | None = None, /, **params: Any
    ) -> ContextAssembleResponse:
        """POST /v1/memory/context/assemble: planning context with layered assembly."""
        return await self._client._call(CONTEXT_ASSEMBLE, request, params)
