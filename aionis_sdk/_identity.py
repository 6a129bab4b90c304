"""Agent identity and tenancy injection (spec §4.2, §4.5, §8.5).

Without a consumer, reads cannot see private nodes, and writes default to private: a naive
write → recall round trip returns nothing. With ``agent_id``/``team_id`` configured, the
client sends the same identity as owner on writes and as consumer on reads, so the round
trip works. Explicit values always win; the caller's objects are never mutated.
"""

from __future__ import annotations

from typing import Any

from ._config import ClientConfig
from ._operations import Operation

__all__ = ["inject_identity"]


def _fill_context(context: Any, agent_id: str | None, team_id: str | None) -> Any:
    if context is None:
        context = {}
    if not isinstance(context, dict):
        return context  # any JSON is allowed; only objects carry an agent
    ctx = dict(context)
    raw_agent = ctx.get("agent")
    agent: dict[str, Any] = dict(raw_agent) if isinstance(raw_agent, dict) else {}
    changed = False
    if agent_id and not agent.get("id") and not ctx.get("agent_id"):
        agent["id"] = agent_id
        changed = True
    if team_id and not agent.get("team_id") and not ctx.get("team_id"):
        agent["team_id"] = team_id
        changed = True
    if changed:
        if raw_agent is not None and not isinstance(raw_agent, dict):
            return ctx  # a non-object agent is the caller's business
        ctx["agent"] = agent
    return ctx


def inject_identity(op: Operation[Any], body: dict[str, Any], config: ClientConfig) -> None:
    """Fill identity and tenancy fields of a freshly dumped request ``body`` in place.

    ``body`` must be the client's own copy (from ``model_dump``); nested objects that are
    changed are copied first.
    """
    # A find by URI takes tenant and scope from the URI; a differing value would be a
    # 400 conflicting_filters, so the configured defaults stay out of it.
    by_uri = op.name == "memory.find" and "uri" in body
    if op.tenant_scope != "none" and not by_uri:
        if config.tenant_id and "tenant_id" not in body:
            body["tenant_id"] = config.tenant_id
        if config.scope and "scope" not in body:
            body["scope"] = config.scope
    agent_id, team_id = config.agent_id, config.team_id
    if not agent_id and not team_id:
        return
    if op.consumer:
        if agent_id and "consumer_agent_id" not in body:
            body["consumer_agent_id"] = agent_id
        if team_id and "consumer_team_id" not in body:
            body["consumer_team_id"] = team_id
    if op.owner:
        if agent_id and "producer_agent_id" not in body:
            body["producer_agent_id"] = agent_id
        if "owner_agent_id" not in body and "owner_team_id" not in body:
            if agent_id:
                body["owner_agent_id"] = agent_id
            elif team_id:
                body["owner_team_id"] = team_id
    if op.context_agent:
        body["context"] = _fill_context(body.get("context"), agent_id, team_id)
    if op.actor and agent_id and "actor" not in body:
        body["actor"] = agent_id
