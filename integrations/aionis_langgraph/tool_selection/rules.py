"""Rule authoring: write a rule node, move it through draft → shadow → active, explain.

A rule is a ``type="rule"`` node whose ``slots`` hold ``if`` / ``then`` / ``exceptions`` /
``rule_scope`` (+ target) / ``rule_meta`` (spec §7.9). It is written as ``draft`` and never
evaluated until moved to ``shadow`` (evaluated and reported, never enforced) or ``active``
(enforced). Definitions are fixed at first write, so :func:`write_rule` derives the
``client_id`` from the rule's content: writing the same rule again is a no-op, and an edited
rule is a new node (disable the old one).

Lane: ``shared`` by default, so the rule is visible to every agent's evaluation and its state can
be changed by any actor. A ``private`` rule is owned by the writing agent (the client's
``agent_id``; the server's local identity ``local-user`` in auth mode ``off`` without one), is
applied only to that agent's (or team's) context, and ``set_rule_state`` needs that owner as
``actor`` (the SDK sends the client's ``agent_id`` by default).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from typing_extensions import Self

from aionis_sdk import AionisClient, AsyncAionisClient
from aionis_sdk.canonical import canon
from aionis_sdk.types import RulesEvaluateResponse

from ._drive import Plan, arun, run

__all__ = [
    "Rule",
    "RuleState",
    "aexplain_rules",
    "apromote",
    "aset_rule_state",
    "awrite_rule",
    "describe_evaluation",
    "explain_rules",
    "promote",
    "set_rule_state",
    "write_rule",
]

RuleState = Literal["draft", "shadow", "active", "disabled"]
Lane = Literal["shared", "private"]


class Rule(BaseModel):
    """A rule definition. ``then`` is a PolicyPatch, e.g. ``{"tool": {"deny": ["rm"]}}``."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    summary: str = Field(min_length=1)
    if_: dict[str, Any] = Field(default_factory=dict, alias="if")
    then: dict[str, Any] = Field(default_factory=dict)
    exceptions: list[dict[str, Any]] = Field(default_factory=list)
    scope: Literal["global", "team", "agent"] = "global"
    target: str | None = None
    priority: int = Field(0, ge=-100, le=100)
    weight: float = Field(1.0, ge=0, le=2)
    title: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.scope != "global" and not self.target:
            raise ValueError(f"a {self.scope}-scoped rule needs a target")
        tool = self.then.get("tool", {})
        unknown = set(self.then) - {"tool", "output", "extensions"} or set(tool) - {
            "allow",
            "deny",
            "prefer",
        }
        if unknown:
            raise ValueError(f"unknown PolicyPatch keys: {sorted(unknown)}")
        return self

    @classmethod
    def deny(cls, tools: Sequence[str], summary: str, **kw: Any) -> Rule:
        return cls(summary=summary, then={"tool": {"deny": list(tools)}}, **kw)

    @classmethod
    def allow(cls, tools: Sequence[str], summary: str, **kw: Any) -> Rule:
        return cls(summary=summary, then={"tool": {"allow": list(tools)}}, **kw)

    @classmethod
    def prefer(cls, tools: Sequence[str], summary: str, **kw: Any) -> Rule:
        return cls(summary=summary, then={"tool": {"prefer": list(tools)}}, **kw)

    def slots(self) -> dict[str, Any]:
        """The rule node's ``slots`` (spec §7.9)."""
        slots: dict[str, Any] = {
            "if": self.if_,
            "then": self.then,
            "exceptions": self.exceptions,
            "rule_scope": self.scope,
            "rule_meta": {"priority": self.priority, "weight": self.weight},
        }
        if self.scope == "agent":
            slots["target_agent_id"] = self.target
        elif self.scope == "team":
            slots["target_team_id"] = self.target
        return slots

    def client_id(self) -> str:
        """Deterministic from the content: same rule, same node."""
        body = {"slots": self.slots(), "summary": self.summary, "title": self.title}
        return "aionis_langgraph:rule:" + hashlib.sha256(canon(body).encode()).hexdigest()[:32]


def _write_plan(rule: Rule, lane: Lane, client_id: str | None) -> Plan[str]:
    node = {
        "client_id": client_id or rule.client_id(),
        "type": "rule",
        "title": rule.title or rule.summary[:80],
        "text_summary": rule.summary,
        "memory_lane": lane,
        "slots": rule.slots(),
    }
    response = yield (
        "memory.write",
        {"input_text": f"rule: {rule.summary}", "memory_lane": lane, "nodes": [node]},
    )
    return str(response.nodes[0].id)


def _state_plan(
    rule_node_id: str, states: Sequence[RuleState], actor: str | None, note: str | None
) -> Plan[str]:
    commit_id = ""
    for state in states:
        params: dict[str, Any] = {
            "rule_node_id": rule_node_id,
            "state": state,
            "input_text": note or f"rule {rule_node_id} -> {state}",
        }
        if actor:
            params["actor"] = actor
        response = yield ("rules.set_state", params)
        commit_id = str(response.commit_id)
    return commit_id


def _promote_states(to: RuleState, via_shadow: bool) -> list[RuleState]:
    if to == "active" and via_shadow:
        return ["shadow", "active"]
    return [to]


def write_rule(
    client: AionisClient, rule: Rule, *, lane: Lane = "shared", client_id: str | None = None
) -> str:
    """Write ``rule`` (state ``draft``); returns its rule node id."""
    return run(client, _write_plan(rule, lane, client_id))


def set_rule_state(
    client: AionisClient,
    rule_node_id: str,
    state: RuleState,
    *,
    actor: str | None = None,
    note: str | None = None,
) -> str:
    """Move a rule to ``state``; returns the commit id. Private rules need their owner as actor."""
    return run(client, _state_plan(rule_node_id, [state], actor, note))


def promote(
    client: AionisClient,
    rule_node_id: str,
    *,
    to: RuleState = "active",
    via_shadow: bool = True,
    actor: str | None = None,
) -> str:
    """draft → shadow → active (or straight to ``to``); returns the last commit id."""
    return run(client, _state_plan(rule_node_id, _promote_states(to, via_shadow), actor, None))


async def awrite_rule(
    client: AsyncAionisClient, rule: Rule, *, lane: Lane = "shared", client_id: str | None = None
) -> str:
    return await arun(client, _write_plan(rule, lane, client_id))


async def aset_rule_state(
    client: AsyncAionisClient,
    rule_node_id: str,
    state: RuleState,
    *,
    actor: str | None = None,
    note: str | None = None,
) -> str:
    return await arun(client, _state_plan(rule_node_id, [state], actor, note))


async def apromote(
    client: AsyncAionisClient,
    rule_node_id: str,
    *,
    to: RuleState = "active",
    via_shadow: bool = True,
    actor: str | None = None,
) -> str:
    return await arun(
        client, _state_plan(rule_node_id, _promote_states(to, via_shadow), actor, None)
    )


def _explain_plan(context: dict[str, Any], include_shadow: bool) -> Plan[list[str]]:
    response = yield ("rules.evaluate", {"context": context, "include_shadow": include_shadow})
    return describe_evaluation(response)


def describe_evaluation(response: RulesEvaluateResponse) -> list[str]:
    """One line per matching rule: state, summary, score, evidence and what it does."""
    lines = []
    for match in [*response.active, *response.shadow]:
        rank = match.rank
        stats = match.stats
        lines.append(
            f"[{match.state}] {match.summary or match.rule_node_id} "
            f"(rule {match.rule_node_id[:8]}, score {rank.score if rank else '?'}, "
            f"+{stats.positive if stats else 0}/-{stats.negative if stats else 0}): "
            f"then {canon(match.then_json)}"
        )
    return lines


def explain_rules(
    client: AionisClient, context: dict[str, Any], *, include_shadow: bool = True
) -> list[str]:
    """Which rules match ``context`` and why, in rank order (``rules/evaluate``)."""
    return run(client, _explain_plan(context, include_shadow))


async def aexplain_rules(
    client: AsyncAionisClient, context: dict[str, Any], *, include_shadow: bool = True
) -> list[str]:
    return await arun(client, _explain_plan(context, include_shadow))
