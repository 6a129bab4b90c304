"""What a service function receives: the server's shared state and the caller's request context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .auth import RateLimiter
    from .config import ServerConfig
    from .embeddings import EmbeddingProvider
    from .storage.db import Database
    from .vectors import VectorIndex

AuthVia = Literal["off", "api_key", "jwt"]


@dataclass(frozen=True)
class Principal:
    """Who is calling: from the credential in authenticated modes, the local identity otherwise."""

    tenant_id: str | None
    agent_id: str | None = None
    team_id: str | None = None
    role: str | None = None
    via: AuthVia = "off"


@dataclass
class ServerState:
    """Everything a running server shares between requests (``app.state.aionis``)."""

    config: ServerConfig
    db: Database
    embedder: EmbeddingProvider
    vectors: VectorIndex
    limiter: RateLimiter | None = None


@dataclass
class RequestContext:
    """One request after authentication, tenancy resolution and identity injection (§4)."""

    state: ServerState
    request_id: str
    principal: Principal
    tenant_id: str
    scope: str
    scope_key: str
    body: dict[str, Any] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    admin_token: str | None = None  # the X-Admin-Token header as sent, for admin_allowed()
    kind: str = "plain"  # the route kind given to api.begin()
    tenant_explicit: bool = False  # tenant came from the body, X-Tenant-Id or a credential
