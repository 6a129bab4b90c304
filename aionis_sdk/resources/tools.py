"""``client.tools``: policy-filtered selection, decisions, runs and outcome feedback."""

from __future__ import annotations

from typing import Any

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
from ._resource import AsyncResource, SyncResource

__all__ = ["AsyncTools", "Tools"]


class Tools(SyncResource):
    def select(
        self, request: ToolsSelectRequest | None = None, /, **params: Any
    ) -> ToolsSelectResponse:
        """POST /v1/memory/tools/select. Not idempotent (each call persists a decision):
        retried only when the request cannot have reached the server."""
        return self._client._call(TOOLS_SELECT, request, params)

    def decision(
        self, request: ToolsDecisionRequest | None = None, /, **params: Any
    ) -> ToolsDecisionResponse:
        """POST /v1/memory/tools/decision: read a persisted decision."""
        return self._client._call(TOOLS_DECISION, request, params)

    def run(self, request: ToolsRunRequest | None = None, /, **params: Any) -> ToolsRunResponse:
        """POST /v1/memory/tools/run: the decisions and feedback of one run."""
        return self._client._call(TOOLS_RUN, request, params)

    def feedback(
        self, request: ToolsFeedbackRequest | None = None, /, **params: Any
    ) -> ToolsFeedbackResponse:
        """POST /v1/memory/tools/feedback. Not idempotent (counters increment)."""
        return self._client._call(TOOLS_FEEDBACK, request, params)


class AsyncTools(AsyncResource):
    async def select(
        self, request: ToolsSelectRequest | None = None, /, **params: Any
    ) -> ToolsSelectResponse:
        """POST /v1/memory/tools/select; see :meth:`Tools.select`."""
        return await self._client._call(TOOLS_SELECT, request, params)

    async def decision(
        self, request: ToolsDecisionRequest | None = None, /, **params: Any
    ) -> ToolsDecisionResponse:
        """POST /v1/memory/tools/decision: read a persisted decision."""
        return await self._client._call(TOOLS_DECISION, request, params)

    async def run(
        self, request: ToolsRunRequest | None = None, /, **params: Any
    ) -> ToolsRunResponse:
        """POST /v1/memory/tools/run: the decisions and feedback of one run."""
        return await self._client._call(TOOLS_RUN, request, params)

    async def feedback(
        self, request: ToolsFeedbackRequest | None = None, /, **params: Any
    ) -> ToolsFeedbackResponse:
        """POST /v1/memory/tools/feedback; see :meth:`Tools.feedback`."""
        return await self._client._call(TOOLS_FEEDBACK, request, params)
