"""``ext.store_index`` (optional extension): ``POST /v1/ext/store/{heads,search,namespaces,watch}``.

Served only when ``ServerConfig.ext_store_index`` is on (the default; ``--no-ext-store-index``
or ``AIONIS_EXT_STORE_INDEX=0`` turn it off); when off, ``/health`` does not advertise it and
these routes answer 404 ``route_not_found`` like any unknown route.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.responses import Response

from ..api import begin, body_schema, respond, run_sync
from ..context import RequestContext
from ..errors import ApiError
from ..schemas.ext_store import (
    ExtStoreHeadsBody,
    ExtStoreNamespacesBody,
    ExtStoreSearchBody,
    ExtStoreWatchBody,
)
from ..services.ext_store import heads, index_of, namespaces, search
from ..services.ext_store_index import StoreIndex
from ..services.ext_store_watch import changes_since, commit_signal
from ..validation import parse_body

router = APIRouter()

CAPABILITY = "ext.store_index"
BodyT = TypeVar("BodyT", bound=BaseModel)
Service = Callable[[RequestContext, BodyT, StoreIndex], Any]


def _enabled_index(request: Request) -> StoreIndex:
    state = request.app.state.aionis
    if not state.config.ext_store_index:
        raise ApiError(
            404,
            "route_not_found",
            f"route {request.method}:{request.url.path} not found",
            details={"method": request.method, "path": request.url.path},
        )
    return index_of(request.app.state, int(state.embedder.dim))


async def _serve(request: Request, model: type[BodyT], service: Service[BodyT]) -> Response:
    """Shared steps of the three routes: off switch, auth and scope, body, service, response."""
    index = _enabled_index(request)
    ctx = await begin(request, "read", rate="recall")
    body = parse_body(model, ctx.body)
    return respond(ctx, await run_sync(service, ctx, body, index))


@router.post("/v1/ext/store/heads", openapi_extra=body_schema(ExtStoreHeadsBody))
async def heads_route(request: Request) -> Response:
    return await _serve(request, ExtStoreHeadsBody, heads)


@router.post("/v1/ext/store/search", openapi_extra=body_schema(ExtStoreSearchBody))
async def search_route(request: Request) -> Response:
    return await _serve(request, ExtStoreSearchBody, search)


@router.post("/v1/ext/store/namespaces", openapi_extra=body_schema(ExtStoreNamespacesBody))
async def namespaces_route(request: Request) -> Response:
    return await _serve(request, ExtStoreNamespacesBody, namespaces)


WAKE_S = 1.0  # a waiting watch looks at least this often whether its client is still there


@router.post("/v1/ext/store/watch", openapi_extra=body_schema(ExtStoreWatchBody))
async def watch_route(request: Request) -> Response:
    """Long poll: answers once a visible item changed after ``after``, or at the timeout."""
    index = _enabled_index(request)
    ctx = await begin(request, "read", rate="recall")
    body = parse_body(ExtStoreWatchBody, ctx.body)
    signal = commit_signal(request.app.state, ctx.state.db)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + body.timeout_ms / 1000
    while True:
        seen = signal.generation
        answer = await run_sync(changes_since, ctx, body, index)
        left = deadline - loop.time()
        if answer["changes"] or answer["reset"] or body.after is None or left <= 0:
            return respond(ctx, answer)
        if signal.closing or await request.is_disconnected():
            return respond(ctx, answer)
        await signal.wait(seen, min(left, WAKE_S))
