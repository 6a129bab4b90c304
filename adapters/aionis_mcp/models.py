"""Structured outputs of the MCP tools (published as each tool's ``outputSchema``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Citation",
    "DeniedTool",
    "FindOutput",
    "FoundNode",
    "OutcomeOutput",
    "RecallOutput",
    "RecallSeed",
    "RememberOutput",
    "RuleHit",
    "RulesOutput",
    "SelectOutput",
]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RememberOutput(_Out):
    node_id: str = Field(description="Id of the stored node (the event, for a session event).")
    uri: str = Field(description="aionis:// URI of the stored node.")
    commit_id: str
    commit_uri: str
    commit_hash: str
    session_id: str | None = None
    event_id: str | None = None
    session_uri: str | None = None
    request_id: str | None = None


class Citation(_Out):
    node_id: str
    uri: str | None = None
    commit_id: str | None = None
    commit_uri: str | None = None
    title: str | None = None


class RecallSeed(_Out):
    id: str
    uri: str | None = None
    type: str | None = None
    title: str | None = None
    text_summary: str | None = None
    similarity: float | None = None


class RecallOutput(_Out):
    query: str
    context_text: str = Field(description="The server's assembled markdown context.")
    citations: list[Citation]
    seeds: list[RecallSeed] = Field(description="Best matches, most similar first.")
    request_id: str | None = None


class FoundNode(_Out):
    id: str
    uri: str | None = None
    type: str | None = None
    title: str | None = None
    text_summary: str | None = None
    memory_lane: str | None = None
    commit_id: str | None = None
    created_at: str | None = None
    slots: dict[str, Any] | None = None


class FindOutput(_Out):
    nodes: list[FoundNode]
    returned: int
    has_more: bool
    request_id: str | None = None


class RuleHit(_Out):
    rule_node_id: str
    state: str | None = None
    summary: str | None = None
    score: float | None = None
    then: Any = None


class RulesOutput(_Out):
    considered: int
    matched: int
    active: list[RuleHit]
    shadow: list[RuleHit]
    policy: dict[str, Any] = Field(description="The merged policy of the active rules.")
    conflicts: list[dict[str, Any]]
    request_id: str | None = None


class DeniedTool(_Out):
    name: str
    reason: str


class SelectOutput(_Out):
    selected: str | None
    allowed: list[str]
    denied: list[DeniedTool]
    preferred: list[str]
    ordered: list[str]
    decision_id: str
    decision_uri: str | None = None
    run_id: str | None = None
    matched_rules: int
    explanation: str
    request_id: str | None = None


class OutcomeOutput(_Out):
    ok: bool
    decision_id: str
    decision_uri: str | None = None
    decision_link_mode: str | None = None
    updated_rules: int
    rule_node_ids: list[str]
    commit_id: str
    commit_uri: str | None = None
    request_id: str | None = None
