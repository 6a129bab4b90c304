"""``client.rules``: set a rule's state, evaluate rules on a context, rule feedback."""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack, overload

from .._operations import RULE_FEEDBACK, RULE_STATE, RULES_EVALUATE
from ..types import (
    RuleFeedbackRequest,
    RuleFeedbackResponse,
    RulesEvaluateRequest,
    RulesEvaluateResponse,
    RuleStateRequest,
    RuleStateResponse,
)
from ..types.params import (
    RequestOptionsParams,
    RuleFeedbackParams,
    RulesEvaluateParams,
    RuleStateParams,
)
from ._resource import AsyncResource, SyncResource

__all__ = ["AsyncRules", "Rules"]


class Rules(SyncResource):
    @overload
    def set_state(
        self, request: RuleStateRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> RuleStateResponse: ...
    @overload
    def set_state(self, /, **params: Unpack[RuleStateParams]) -> RuleStateResponse: ...
    def set_state(
        self, request: RuleStateRequest | None = None, /, **params: Any
    ) -> RuleStateResponse:
        """POST /v1/memory/rules/state. ``actor`` defaults to the client's agent, which
        a private rule needs to be found (§4.5)."""
        return self._client._call(RULE_STATE, request, params)

    @overload
    def evaluate(
        self, request: RulesEvaluateRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> RulesEvaluateResponse: ...
    @overload
    def evaluate(self, /, **params: Unpack[RulesEvaluateParams]) -> RulesEvaluateResponse: ...
    def evaluate(
        self, request: RulesEvaluateRequest | None = None, /, **params: Any
    ) -> RulesEvaluateResponse:
        """POST /v1/memory/rules/evaluate on ``context`` (its agent filled from config)."""
        return self._client._call(RULES_EVALUATE, request, params)

    @overload
    def feedback(
        self, request: RuleFeedbackRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> RuleFeedbackResponse: ...
    @overload
    def feedback(self, /, **params: Unpack[RuleFeedbackParams]) -> RuleFeedbackResponse: ...
    def feedback(
        self, request: RuleFeedbackRequest | None = None, /, **params: Any
    ) -> RuleFeedbackResponse:
        """POST /v1/memory/feedback. Not idempotent: never retried once it may have been
        received, unless ``retry_unsafe=True``."""
        return self._client._call(RULE_FEEDBACK, request, params)


class AsyncRules(AsyncResource):
    @overload
    async def set_state(
        self, request: RuleStateRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> RuleStateResponse: ...
    @overload
    async def set_state(self, /, **params: Unpack[RuleStateParams]) -> RuleStateResponse: ...
    async def set_state(
        self, request: RuleStateRequest | None = None, /, **params: Any
    ) -> RuleStateResponse:
        """POST /v1/memory/rules/state; see :meth:`Rules.set_state`."""
        return await self._client._call(RULE_STATE, request, params)

    @overload
    async def evaluate(
        self, request: RulesEvaluateRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> RulesEvaluateResponse: ...
    @overload
    async def evaluate(self, /, **params: Unpack[RulesEvaluateParams]) -> RulesEvaluateResponse: ...
    async def evaluate(
        self, request: RulesEvaluateRequest | None = None, /, **params: Any
    ) -> RulesEvaluateResponse:
        """POST /v1/memory/rules/evaluate on ``context``."""
        return await self._client._call(RULES_EVALUATE, request, params)

    @overload
    async def feedback(
        self, request: RuleFeedbackRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> RuleFeedbackResponse: ...
    @overload
    async def feedback(self, /, **params: Unpack[RuleFeedbackParams]) -> RuleFeedbackResponse: ...
    async def feedback(
        self, request: RuleFeedbackRequest | None = None, /, **params: Any
    ) -> RuleFeedbackResponse:
        """POST /v1/memory/feedback; see :meth:`Rules.feedback`."""
        return await self._client._call(RULE_FEEDBACK, request, params)
