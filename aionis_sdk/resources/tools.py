"""``client.tools``: policy-filtered selection, decisions, runs and outcome feedback."""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack, overload

from .._operations import TOOLS_DECISION, TOOLS_FEEDBACK, TOOLS_RUN, TOOLS_SELECT
from ..types import (
    ToolsDecisionRequest,
    ToolsDecisionResponse,
    ToolsFeedbackRequest,
    ToolsFeedbackResponse,
    ToolsRunRequest,
    ToolsRunResponse,
    ToolsSelectRequest,
    ToolsSelectResponse,
)
from ..types.params import (
    RequestOptionsParams,
    ToolsDecisionParams,
    ToolsFeedbackParams,
    ToolsRunParams,
    ToolsSelectParams,
)
from ._resource import AsyncResource, SyncResource

__all__ = ["AsyncTools", "Tools"]


class Tools(SyncResource):
    @overload
    def select(
        self, request: ToolsSelectRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ToolsSelectResponse: ...
    @overload
    def select(self, /, **params: Unpack[ToolsSelectParams]) -> ToolsSelectResponse: ...
    def select(
        self, request: ToolsSelectRequest | None = None, /, **params: Any
    ) -> ToolsSelectResponse:
        """POST /v1/memory/tools/select. Not idempotent (each call persists a decision):
        retried only when the request cannot have reached the server."""
        return self._client._call(TOOLS_SELECT, request, params)

    @overload
    def decision(
        self, request: ToolsDecisionRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ToolsDecisionResponse: ...
    @overload
    def decision(self, /, **params: Unpack[ToolsDecisionParams]) -> ToolsDecisionResponse: ...
    def decision(
        self, request: ToolsDecisionRequest | None = None, /, **params: Any
    ) -> ToolsDecisionResponse:
        """POST /v1/memory/tools/decision: read a persisted decision."""
        return self._client._call(TOOLS_DECISION, request, params)

    @overload
    def run(
        self, request: ToolsRunRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ToolsRunResponse: ...
    @overload
    def run(self, /, **params: Unpack[ToolsRunParams]) -> ToolsRunResponse: ...
    def run(self, request: ToolsRunRequest | None = None, /, **params: Any) -> ToolsRunResponse:
        """POST /v1/memory/tools/run: the decisions and feedback of one run."""
        return self._client._call(TOOLS_RUN, request, params)

    @overload
    def feedback(
        self, request: ToolsFeedbackRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ToolsFeedbackResponse: ...
    @overload
    def feedback(self, /, **params: Unpack[ToolsFeedbackParams]) -> ToolsFeedbackResponse: ...
    def feedback(
        self, request: ToolsFeedbackRequest | None = None, /, **params: Any
    ) -> ToolsFeedbackResponse:
        """POST /v1/memory/tools/feedback. Not idempotent (counters increment)."""
        return self._client._call(TOOLS_FEEDBACK, request, params)


class AsyncTools(AsyncResource):
    @overload
    async def select(
        self, request: ToolsSelectRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ToolsSelectResponse: ...
    @overload
    async def select(self, /, **params: Unpack[ToolsSelectParams]) -> ToolsSelectResponse: ...
    async def select(
        self, request: ToolsSelectRequest | None = None, /, **params: Any
    ) -> ToolsSelectResponse:
        """POST /v1/memory/tools/select; see :meth:`Tools.select`."""
        return await self._client._call(TOOLS_SELECT, request, params)

    @overload
    async def decision(
        self, request: ToolsDecisionRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ToolsDecisionResponse: ...
    @overload
    async def decision(self, /, **params: Unpack[ToolsDecisionParams]) -> ToolsDecisionResponse: ...
    async def decision(
        self, request: ToolsDecisionRequest | None = None, /, **params: Any
    ) -> ToolsDecisionResponse:
        """POST /v1/memory/tools/decision: read a persisted decision."""
        return await self._client._call(TOOLS_DECISION, request, params)

    @overload
    async def run(
        self, request: ToolsRunRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ToolsRunResponse: ...
    @overload
    async def run(self, /, **params: Unpack[ToolsRunParams]) -> ToolsRunResponse: ...
    async def run(
        self, request: ToolsRunRequest | None = None, /, **params: Any
    ) -> ToolsRunResponse:
        """POST /v1/memory/tools/run: the decisions and feedback of one run."""
        return await self._client._call(TOOLS_RUN, request, params)

    @overload
    async def feedback(
        self, request: ToolsFeedbackRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ToolsFeedbackResponse: ...
    @overload
    async def feedback(self, /, **params: Unpack[ToolsFeedbackParams]) -> ToolsFeedbackResponse: ...
    async def feedback(
        self, request: ToolsFeedbackRequest | None = None, /, **params: Any
    ) -> ToolsFeedbackResponse:
        """POST /v1/memory/tools/feedback; see :meth:`Tools.feedback`."""
        return await self._client._call(TOOLS_FEEDBACK, request, params)
