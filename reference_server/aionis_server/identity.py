"""Tenancy (§4.4) and identity injection: principal (§4.2) and local identity (§4.3)."""

from __future__ import annotations

import re
from typing import Any, Literal

from aionis_sdk.canonical import scope_key as derive_scope_key

from .config import ServerConfig
from .context import Principal
from .errors import ApiError, bad_request

RouteKind = Literal["read", "write", "context", "read_context", "plain"]
_TENANT_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$")


def _text(value: Any) -> str | None:
    """A non-empty string value after trimming, else ``None``."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def check_tenant(value: Any) -> str:
    """Validate a tenant id (trimmed), else 400 ``invalid_tenant_id``."""
    tenant = value.strip() if isinstance(value, str) else value
    if not isinstance(tenant, str) or not _TENANT_RE.match(tenant):
        shown = tenant if isinstance(tenant, str) else repr(tenant)
        raise bad_request("invalid_tenant_id", "invalid tenant_id", tenant_id=shown[:128])
    return tenant


def check_scope(value: Any) -> str:
    """Validate a scope (trimmed, non-empty, not ``tenant:…``), else 400 ``invalid_scope``."""
    scope = value.strip() if isinstance(value, str) else None
    if not scope or scope.startswith("tenant:"):
        shown = value if isinstance(value, str) else repr(value)
        raise bad_request("invalid_scope", "invalid scope", scope=shown[:256])
    return scope


def scope_key_for(config: ServerConfig, tenant_id: str, scope: str) -> str:
    return derive_scope_key(tenant_id, scope, default_tenant=config.default_tenant)


def mismatch(field: str, provided: Any, expected: Any) -> ApiError:
    return ApiError(
        403,
        "identity_mismatch",
        f"{field} does not match the authenticated identity",
        details={"field": field, "provided": provided, "expected": expected},
    )


def _check_fill(
    body: dict[str, Any], key: str, expected: str | None, field: str | None = None
) -> None:
    """§4.2 rule: fail when both values are non-empty and differ; fill an empty request value."""
    provided = _text(body.get(key))
    if provided is not None and expected and provided != expected:
        raise mismatch(field or key, provided, expected)
    if provided is None and expected:
        body[key] = expected


def _context_object(body: dict[str, Any]) -> dict[str, Any]:
    """``body.context`` as an object (a missing or non-object context becomes ``{}``)."""
    context = body.get("context")
    if not isinstance(context, dict):
        context = {}
        body["context"] = context
    return context


def _inject_context(body: dict[str, Any], agent_id: str | None, team_id: str | None) -> None:
    context = _context_object(body)
    agent = context.get("agent")
    agent_obj: dict[str, Any] = agent if isinstance(agent, dict) else {}
    given_agent = _text(agent_obj.get("id")) or _text(context.get("agent_id"))
    given_team = _text(agent_obj.get("team_id")) or _text(context.get("team_id"))
    if given_agent is not None and agent_id and given_agent != agent_id:
        raise mismatch("context.agent.id", given_agent, agent_id)
    if given_team is not None and team_id and given_team != team_id:
        raise mismatch("context.agent.team_id", given_team, team_id)
    final_agent = agent_id or given_agent
    final_team = team_id or given_team
    if final_agent is None and final_team is None:
        return
    if not isinstance(agent, dict):
        context["agent"] = agent_obj
    if final_agent is not None:
        agent_obj["id"] = final_agent
        context["agent_id"] = final_agent
    if final_team is not None:
        agent_obj["team_id"] = final_team
        context["team_id"] = final_team


def inject_principal(body: dict[str, Any], principal: Principal, kind: RouteKind) -> None:
    """Rewrite ``body`` from an authenticated principal (§4.2), raising ``identity_mismatch``."""
    agent, team = principal.agent_id, principal.team_id
    if kind in ("read", "read_context"):
        _check_fill(body, "consumer_agent_id", agent)
        _check_fill(body, "consumer_team_id", team)
    if kind == "write":
        _check_fill(body, "producer_agent_id", agent)
        owner_agent = _text(body.get("owner_agent_id"))
        owner_team = _text(body.get("owner_team_id"))
        if owner_agent is not None and agent and owner_agent != agent:
            raise mismatch("owner_agent_id", owner_agent, agent)
        if owner_team is not None and team and owner_team != team:
            raise mismatch("owner_team_id", owner_team, team)
        if owner_agent is None and owner_team is None:
            if agent:
                body["owner_agent_id"] = agent
            elif team:
                body["owner_team_id"] = team
    if kind in ("context", "read_context"):
        _inject_context(body, agent, team)


def inject_local(body: dict[str, Any], local_id: str, kind: RouteKind) -> None:
    """Inject the local identity in mode ``off`` exactly where existing servers do (§4.3)."""
    if kind == "write":
        for key in ("actor", "producer_agent_id"):
            if body.get(key) is None:
                body[key] = local_id
        if body.get("memory_lane") is None:
            body["memory_lane"] = "private"
        if body.get("owner_agent_id") is None and body.get("owner_team_id") is None:
            body["owner_agent_id"] = local_id
    if kind == "read_context" and body.get("consumer_agent_id") is None:
        body["consumer_agent_id"] = local_id
    if kind in ("context", "read_context"):
        context = _context_object(body)
        agent = context.get("agent")
        if not isinstance(agent, dict):
            agent = {}
            context["agent"] = agent
        if agent.get("id") is None:
            agent["id"] = (
                context.get("agent_id") if context.get("agent_id") is not None else local_id
            )
        if context.get("agent_id") is None:
            context["agent_id"] = agent["id"]


def resolve_tenant(requested: Any, principal: Principal, config: ServerConfig) -> str:
    """The request's tenant (§4.4), checked against the principal in authenticated modes."""
    if requested is not None and not isinstance(requested, str):
        check_tenant(requested)  # raises invalid_tenant_id
    if principal.via != "off" and principal.tenant_id:
        provided = _text(requested)
        if provided is not None and provided != principal.tenant_id:
            raise mismatch("tenant_id", provided, principal.tenant_id)
        return check_tenant(principal.tenant_id)
    if requested is None or (isinstance(requested, str) and not requested.strip()):
        return check_tenant(config.default_tenant)
    return check_tenant(requested)
