"""Client configuration: constructor arguments resolved against environment defaults.

Every value the client needs lives in one frozen :class:`ClientConfig`, so ``with_options``
is a ``dataclasses.replace`` and a per-call override never leaks into the client.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

import httpx

from ._retry import RetryPolicy

if TYPE_CHECKING:
    from ._circuit import CircuitBreaker
    from ._observability import Hooks

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "ClientConfig",
    "NotGiven",
    "resolve_config",
]

DEFAULT_BASE_URL: Final = "http://127.0.0.1:3321"
DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=5.0)
DEFAULT_MAX_RETRIES: Final = 2

T = TypeVar("T")


class NotGiven:
    """Sentinel type: "argument not passed", so that ``None`` can mean "no timeout"."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()

TimeoutTypes = float | httpx.Timeout | None


def coerce_timeout(value: TimeoutTypes) -> httpx.Timeout:
    """Turn a user timeout into an ``httpx.Timeout``; ``None`` disables every timeout."""
    if isinstance(value, httpx.Timeout):
        return value
    return httpx.Timeout(value)


@dataclass(frozen=True)
class ClientConfig:
    """Resolved, immutable configuration shared by the sync and async clients."""

    base_url: str = DEFAULT_BASE_URL
    api_key: str | None = None
    bearer_token: str | None = None
    admin_token: str | None = None
    tenant_id: str | None = None
    scope: str | None = None
    agent_id: str | None = None
    team_id: str | None = None
    timeout: httpx.Timeout = field(default_factory=lambda: DEFAULT_TIMEOUT)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    default_headers: Mapping[str, str] = field(default_factory=dict)
    default_query: Mapping[str, Any] = field(default_factory=dict)
    strict_validation: bool = False
    circuit_breaker: CircuitBreaker | None = None
    hooks: Hooks | None = None


def _pick(value: T | NotGiven | None, env: str) -> T | str | None:
    if isinstance(value, NotGiven) or value is None:
        found = os.environ.get(env)
        return found if found else None
    return value


def resolve_config(
    *,
    base_url: str | None,
    api_key: str | None,
    bearer_token: str | None,
    admin_token: str | None,
    tenant_id: str | None,
    scope: str | None,
    agent_id: str | None,
    team_id: str | None,
    timeout: TimeoutTypes | NotGiven,
    max_retries: int | None,
    retry: RetryPolicy | None,
    default_headers: Mapping[str, str] | None,
    default_query: Mapping[str, Any] | None,
    strict_validation: bool,
    circuit_breaker: CircuitBreaker | None,
    hooks: Hooks | None,
) -> ClientConfig:
    """Merge explicit arguments with ``AIONIS_*`` environment variables and defaults.

    An explicit argument always wins; an unset one falls back to its environment variable.
    ``max_retries`` overrides ``retry.max_retries`` when both are given.
    """
    policy = retry if retry is not None else RetryPolicy()
    if max_retries is not None:
        policy = policy.with_max_retries(max_retries)
    resolved_url = _pick(base_url, "AIONIS_BASE_URL") or DEFAULT_BASE_URL
    return ClientConfig(
        base_url=str(resolved_url).rstrip("/"),
        api_key=_pick(api_key, "AIONIS_API_KEY"),
        bearer_token=_pick(bearer_token, "AIONIS_BEARER_TOKEN"),
        admin_token=_pick(admin_token, "AIONIS_ADMIN_TOKEN"),
        tenant_id=_pick(tenant_id, "AIONIS_TENANT_ID"),
        scope=_pick(scope, "AIONIS_SCOPE"),
        agent_id=_pick(agent_id, "AIONIS_AGENT_ID"),
        team_id=_pick(team_id, "AIONIS_TEAM_ID"),
        timeout=DEFAULT_TIMEOUT if isinstance(timeout, NotGiven) else coerce_timeout(timeout),
        retry=policy,
        default_headers=dict(default_headers or {}),
        default_query=dict(default_query or {}),
        strict_validation=strict_validation,
        circuit_breaker=circuit_breaker,
        hooks=hooks,
    )
