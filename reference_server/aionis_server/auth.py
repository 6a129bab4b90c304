"""Authentication (§4.1), the admin token (§4.6) and per-tenant rate limits (§3.4)."""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import jwt
from starlette.requests import HTTPConnection

from .config import ApiKeyPrincipal, ServerConfig
from .context import Principal, RequestContext
from .errors import ApiError

RateClass = Literal["recall", "write", "debug"]
UNAUTHORIZED_MESSAGE = "valid X-Api-Key or Authorization: Bearer <jwt> is required"


def unauthorized() -> ApiError:
    return ApiError(401, "unauthorized", UNAUTHORIZED_MESSAGE)


def _lookup_api_key(keys: Mapping[str, ApiKeyPrincipal], presented: str) -> ApiKeyPrincipal | None:
    """Find ``presented`` among ``keys`` comparing every key in constant time."""
    found: ApiKeyPrincipal | None = None
    candidate = presented.encode("utf-8", "surrogatepass")
    for key, principal in keys.items():
        if hmac.compare_digest(key.encode("utf-8", "surrogatepass"), candidate):
            found = principal
    return found


def _claim(claims: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def decode_jwt(token: str, config: ServerConfig) -> Principal | None:
    """Verify an HS256 token and build its principal; ``None`` when it is not acceptable."""
    if not config.jwt_secret:
        return None
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != "HS256":
            return None
        required = ["exp"] if config.jwt_require_exp else []
        claims = jwt.decode(
            token,
            config.jwt_secret,
            algorithms=["HS256"],
            leeway=config.jwt_clock_skew_s,
            options={"require": required, "verify_aud": False, "verify_iss": False},
        )
    except Exception:  # any malformed, expired or forged token is simply not a credential
        return None
    tenant = _claim(claims, "tenant_id", "tenant")
    if tenant is None:
        return None
    return Principal(
        tenant_id=tenant,
        agent_id=_claim(claims, "agent_id", "sub"),
        team_id=_claim(claims, "team_id"),
        role=_claim(claims, "role"),
        via="jwt",
    )


def _bearer(conn: HTTPConnection) -> str | None:
    value = conn.headers.get("authorization", "")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(conn: HTTPConnection, config: ServerConfig) -> Principal:
    """The caller's principal, or 401 ``unauthorized``. Mode ``off`` yields the local identity."""
    mode = config.auth_mode
    if mode == "off":
        return Principal(tenant_id=None, agent_id=config.local_actor_id, via="off")
    if mode in ("api_key", "api_key_or_jwt"):
        presented = conn.headers.get("x-api-key")
        if presented:
            entry = _lookup_api_key(config.api_keys, presented)
            if entry is not None:
                return Principal(
                    tenant_id=entry.tenant_id,
                    agent_id=entry.agent_id,
                    team_id=entry.team_id,
                    role=entry.role,
                    via="api_key",
                )
    if mode in ("jwt", "api_key_or_jwt"):
        token = _bearer(conn)
        if token:
            principal = decode_jwt(token, config)
            if principal is not None:
                return principal
    raise unauthorized()


def admin_allowed(request_or_ctx: HTTPConnection | RequestContext) -> bool:
    """Whether the caller may use admin-gated features (packs, recall debug embeddings).

    With no admin token configured everything is open; otherwise the request must carry the
    token in ``X-Admin-Token`` (compared in constant time). A :class:`RequestContext` is
    checked through the headers remembered when it was built.
    """
    if isinstance(request_or_ctx, RequestContext):
        config = request_or_ctx.state.config
        presented = request_or_ctx.admin_token
    else:
        config = request_or_ctx.app.state.aionis.config
        presented = request_or_ctx.headers.get("x-admin-token")
    if not config.admin_token:
        return True
    if not presented:
        return False
    return hmac.compare_digest(
        presented.encode("utf-8", "surrogatepass"), config.admin_token.encode("utf-8")
    )


def require_admin(request_or_ctx: HTTPConnection | RequestContext) -> None:
    """401 ``unauthorized_admin`` unless :func:`admin_allowed`."""
    if not admin_allowed(request_or_ctx):
        raise ApiError(401, "unauthorized_admin", "valid X-Admin-Token is required")


@dataclass
class _Bucket:
    tokens: float
    updated: float


_RATE_CODES: dict[RateClass, str] = {
    "recall": "tenant_rate_limited_recall",
    "write": "tenant_rate_limited_write",
    "debug": "tenant_rate_limited_debug_embeddings",
}


class RateLimiter:
    """Per-tenant token buckets for the recall, write and debug classes (off unless configured)."""

    def __init__(self, config: ServerConfig) -> None:
        self._limits: dict[RateClass, tuple[float, int]] = {}
        for cls, rps, burst in (
            ("recall", config.rate_limit_recall_rps, config.rate_limit_recall_burst),
            ("write", config.rate_limit_write_rps, config.rate_limit_write_burst),
            ("debug", config.rate_limit_debug_rps, config.rate_limit_debug_burst),
        ):
            if rps is not None and rps > 0:
                self._limits[cls] = (float(rps), max(1, int(burst)))  # type: ignore[index]
        self._write_wait_s = max(0, config.rate_limit_write_max_wait_ms) / 1000.0
        self._buckets: dict[tuple[RateClass, str], _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self._limits)

    def _take(self, cls: RateClass, tenant_id: str) -> float:
        """Take one token; return 0 on success, else the seconds until one is available."""
        rps, burst = self._limits[cls]
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get((cls, tenant_id))
            if bucket is None:
                bucket = self._buckets[(cls, tenant_id)] = _Bucket(float(burst), now)
            bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.updated) * rps)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rps

    async def check(self, cls: RateClass, tenant_id: str) -> None:
        """Consume a token or raise 429; writes may wait up to the configured bound first."""
        if cls not in self._limits:
            return
        wait = self._take(cls, tenant_id)
        waited = 0.0
        if wait > 0 and cls == "write" and wait <= self._write_wait_s:
            import anyio

            await anyio.sleep(wait)
            waited = wait
            wait = self._take(cls, tenant_id)
        if wait > 0:
            retry_ms = max(1, math.ceil(wait * 1000))
            raise ApiError(
                429,
                _RATE_CODES[cls],
                f"tenant rate limit exceeded for {cls}",
                details={
                    "retry_after_ms": retry_ms,
                    "waited_ms": round(waited * 1000),
                    "tenant_id": tenant_id,
                },
                headers={"retry-after": str(max(1, math.ceil(retry_ms / 1000)))},
            )
