"""Keyword arguments of ``client.rules.*`` and ``client.tools.*``."""

from collections.abc import Mapping
from typing import Any, Literal

from typing_extensions import Required

from .common import Outcome, RuleState
from .params_common import ScopedParams, SequenceNotStr

__all__ = [
    "RuleFeedbackParams",
    "RuleStateParams",
    "RulesEvaluateParams",
    "ToolsDecisionParams",
    "ToolsFeedbackParams",
    "ToolsRunParams",
    "ToolsSelectParams",
]


class RuleStateParams(ScopedParams, total=False):
    """``client.rules.set_state(...)`` (:class:`~aionis_sdk.types.RuleStateRequest`)."""

    rule_node_id: Required[str]
    state: Required[RuleState]
    input_text: str | None
    input_sha256: str | None
    actor: str | None


class RulesEvaluateParams(ScopedParams, total=False):
    """``client.rules.evaluate(...)`` (:class:`~aionis_sdk.types.RulesEvaluateRequest`)."""

    context: Mapping[str, Any]
    include_shadow: bool | None
    limit: int | None


class RuleFeedbackParams(ScopedParams, total=False):
    """``client.rules.feedback(...)`` (:class:`~aionis_sdk.types.RuleFeedbackRequest`)."""

    rule_node_id: Required[str]
    outcome: Required[Outcome]
    run_id: str | None
    note: str | None
    input_text: str | None
    input_sha256: str | None
    actor: str | None


class ToolsSelectParams(ScopedParams, total=False):
    """``client.tools.select(...)`` (:class:`~aionis_sdk.types.ToolsSelectRequest`)."""

    context: Mapping[str, Any]
    candidates: Required[SequenceNotStr[str]]
    run_id: str | None
    include_shadow: bool | None
    rules_limit: int | None
    strict: bool | None
    reorder_candidates: bool | None
    execution_state_v1: Any
    execution_packet_v1: Any
    execution_transitions_v1: Any


class ToolsDecisionParams(ScopedParams, total=False):
    """``client.tools.decision(...)`` (:class:`~aionis_sdk.types.ToolsDecisionRequest`)."""

    decision_id: str | None
    decision_uri: str | None
    run_id: str | None


class ToolsRunParams(ScopedParams, total=False):
    """``client.tools.run(...)`` (:class:`~aionis_sdk.types.ToolsRunRequest`)."""

    run_id: Required[str]
    decision_limit: int | None
    include_feedback: bool | None
    feedback_limit: int | None


class ToolsFeedbackParams(ScopedParams, total=False):
    """``client.tools.feedback(...)`` (:class:`~aionis_sdk.types.ToolsFeedbackRequest`)."""

    context: Mapping[str, Any]
    candidates: Required[SequenceNotStr[str]]
    selected_tool: Required[str]
    outcome: Required[Outcome]
    input_text: str | None
    input_sha256: str | None
    run_id: str | None
    decision_id: str | None
    decision_uri: str | None
    include_shadow: bool | None
    rules_limit: int | None
    target: Literal["tool", "all"] | None
    note: str | None
    actor: str | None
