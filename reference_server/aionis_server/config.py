"""Server configuration: one frozen dataclass, built from CLI flags, environment or code."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

AuthMode = Literal["off", "api_key", "jwt", "api_key_or_jwt"]
AUTH_MODES: tuple[AuthMode, ...] = ("off", "api_key", "jwt", "api_key_or_jwt")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


@dataclass(frozen=True)
class ApiKeyPrincipal:
    """What one API key stands for (§4.1): a tenant, and optionally an agent, team and role."""

    tenant_id: str
    agent_id: str | None = None
    team_id: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class ServerConfig:
    """Everything that shapes one server instance. Defaults match the spec's reference server."""

    db_path: str = ":memory:"
    host: str = "127.0.0.1"
    port: int = 3321
    # Authentication (§4.1) and the admin token (§4.6).
    auth_mode: AuthMode = "off"
    api_keys: Mapping[str, ApiKeyPrincipal] = field(default_factory=dict)
    jwt_secret: str | None = None
    jwt_require_exp: bool = False
    jwt_clock_skew_s: int = 30
    admin_token: str | None = None
    allow_insecure_bind: bool = False
    # Identity and tenancy defaults (§4.3, §4.4).
    local_actor_id: str = "local-user"
    default_tenant: str = "default"
    default_scope: str = "default"
    # Embeddings (§6).
    embedding_provider: str = "deterministic-hash"
    embedding_dim: int = 1536
    auto_embed: bool = True
    # Text handling (§5.4). Redaction is off by default on the reference server.
    pii_redaction: bool = False
    max_body_bytes: int = 5 * 1024 * 1024
    max_text_len: int = 8000
    # Per-tenant token buckets (§3.4); a class is limited only when its rps is set.
    rate_limit_recall_rps: float | None = None
    rate_limit_recall_burst: int = 20
    rate_limit_write_rps: float | None = None
    rate_limit_write_burst: int = 20
    rate_limit_debug_rps: float | None = None
    rate_limit_debug_burst: int = 2
    rate_limit_write_max_wait_ms: int = 200
    # Storage.
    synchronous: str = "FULL"
    vector_index_path: str | None = None
    # Optional extensions (advertised in /health capabilities as ``ext.*``, §7.2).
    ext_store_index: bool = True  # /v1/ext/store/...: LangGraph store heads in one query
    # Observability: a Server-Timing header on every response (off: it discloses storage time).
    server_timing: bool = False
    version: str = "0.1.0"

    def __post_init__(self) -> None:
        if self.auth_mode not in AUTH_MODES:
            raise ValueError(f"auth_mode must be one of {', '.join(AUTH_MODES)}")
        if self.auth_mode == "jwt" and not self.jwt_secret:
            raise ValueError("auth_mode=jwt needs jwt_secret")
        if self.auth_mode == "api_key" and not self.api_keys:
            raise ValueError("auth_mode=api_key needs at least one API key")
        if self.auth_mode == "api_key_or_jwt" and not (self.api_keys or self.jwt_secret):
            raise ValueError("auth_mode=api_key_or_jwt needs API keys or a jwt_secret")
        if self.embedding_dim < 1:
            raise ValueError("embedding_dim must be positive")
        if self.max_body_bytes < 1 or self.max_text_len < 2:
            raise ValueError("max_body_bytes and max_text_len must be positive")

    @property
    def rate_limits_enabled(self) -> bool:
        return any(
            rps is not None
            for rps in (
                self.rate_limit_recall_rps,
                self.rate_limit_write_rps,
                self.rate_limit_debug_rps,
            )
        )

    def is_loopback(self) -> bool:
        return self.host in LOOPBACK_HOSTS or self.host.startswith("127.")

    def check_bind(self) -> None:
        """Refuse ``auth_mode=off`` on a non-loopback address unless explicitly allowed (§4.1)."""
        if self.auth_mode == "off" and not self.is_loopback() and not self.allow_insecure_bind:
            raise ValueError(
                f"refusing to serve without authentication on non-loopback host {self.host!r};"
                " set an auth mode or pass --allow-insecure-bind"
            )

    def with_overrides(self, **changes: Any) -> ServerConfig:
        return replace(self, **changes)


def parse_api_keys(data: Any) -> dict[str, ApiKeyPrincipal]:
    """Parse a key map ``{key: {tenant_id, agent_id?, team_id?, role?}}``."""
    if not isinstance(data, Mapping):
        raise ValueError("API key map must be a JSON object of key -> {tenant_id, ...}")
    keys: dict[str, ApiKeyPrincipal] = {}
    for key, entry in data.items():
        if not isinstance(key, str) or not key:
            raise ValueError("API keys must be non-empty strings")
        if not isinstance(entry, Mapping):
            raise ValueError(f"API key entry for {key[:4]}… must be an object")
        tenant = entry.get("tenant_id")
        if not isinstance(tenant, str) or not tenant:
            raise ValueError(f"API key entry for {key[:4]}… needs a tenant_id")

        def opt(name: str, entry: Mapping[str, Any] = entry) -> str | None:
            value = entry.get(name)
            return value if isinstance(value, str) and value else None

        keys[key] = ApiKeyPrincipal(
            tenant_id=tenant, agent_id=opt("agent_id"), team_id=opt("team_id"), role=opt("role")
        )
    return keys


def load_api_keys(path: str | None = None) -> dict[str, ApiKeyPrincipal]:
    """Keys from a JSON file, else from env ``AIONIS_API_KEYS_JSON``, else none."""
    if path:
        return parse_api_keys(json.loads(Path(path).read_text("utf-8")))
    raw = os.environ.get("AIONIS_API_KEYS_JSON")
    if raw:
        return parse_api_keys(json.loads(raw))
    return {}
