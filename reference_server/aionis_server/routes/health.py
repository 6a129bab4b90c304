"""GET /health (§7.2): liveness, version, embedding, auth mode and the route groups served."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..api import respond, run_sync
from ..context import ServerState

router = APIRouter()

# Capability name -> the route that proves the group is served, in the spec's order.
CAPABILITY_ROUTES: tuple[tuple[str, str, str], ...] = (
    ("write", "POST", "/v1/memory/write"),
    ("recall", "POST", "/v1/memory/recall"),
    ("recall_text", "POST", "/v1/memory/recall_text"),
    ("find", "POST", "/v1/memory/find"),
    ("resolve", "POST", "/v1/memory/resolve"),
    ("sessions", "POST", "/v1/memory/sessions"),
    ("events", "POST", "/v1/memory/events"),
    ("packs", "POST", "/v1/memory/packs/export"),
    ("rules", "POST", "/v1/memory/rules/evaluate"),
    ("feedback", "POST", "/v1/memory/feedback"),
    ("tools", "POST", "/v1/memory/tools/select"),
    ("planning_context", "POST", "/v1/memory/planning/context"),
    ("context_assemble", "POST", "/v1/memory/context/assemble"),
)


def capabilities(request: Request, state: ServerState) -> list[str]:
    served: frozenset[tuple[str, str]] = getattr(request.app.state, "served_routes", frozenset())
    names = [name for name, method, path in CAPABILITY_ROUTES if (method, path) in served]
    if state.limiter is not None and state.limiter.enabled:
        names.append("ext.rate_limit")
    if state.config.ext_store_index and ("POST", "/v1/ext/store/search") in served:
        names.append("ext.store_index")
    return names


def _store_ok(state: ServerState) -> bool:
    try:
        with state.db.read() as conn:
            conn.execute("SELECT 1 FROM commits LIMIT 1").fetchall()
    except Exception:
        return False
    return True


@router.get("/health")
async def health(request: Request) -> Response:
    state: ServerState = request.app.state.aionis
    ok = await run_sync(_store_ok, state)
    payload: dict[str, Any] = {
        "ok": ok,
        "version": state.config.version,
        "api_version": "v1",
        "embedding": {"provider": state.embedder.name, "dim": int(state.embedder.dim)},
        "auth_mode": state.config.auth_mode,
        "capabilities": capabilities(request, state),
    }
    return respond(None, payload, status=200 if ok else 503)
