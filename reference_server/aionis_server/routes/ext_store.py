"""``ext.store_index`` (optional extension): ``POST /v1/ext/store/{heads,search,namespaces}``.

Served only when ``ServerConfig.ext_store_index`` is on (the default; ``--no-ext-store-index``
or ``AIONIS_EXT_STORE_INDEX=0`` turn it off); when off, ``/health`` does not advertise it and
these routes answer 404 ``route_not_found`` like any unknown route.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..api import begin, body_schema, respond, run_sync
from ..errors import ApiError
from ..schemas.ext_store import ExtStoreHeadsBody, ExtStoreNamespacesBody, ExtStoreSearchBody
from ..services.ext_store import heads, index_of, namespaces, search
from ..services.ext_store_index import StoreIndex
from ..validation import parse_body

router = APIRouter()

CAPABILITY = "ext.store_index"


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


@router.post("/v1/ext/store/heads", openapi_extra=body_schema(ExtStoreHeadsBody))
async def heads_route(request: Request) -> Response:
    index = _enabled_index(request)
    ctx = await begin(request, "read", rate="recall")
    body = parse_body(ExtStoreHeadsBody, ctx.body)
    return respond(ctx, await run_sync(heads, ctx, body, index))


@router.post("/v1/ext/store/search", openapi_extra=body_schema(ExtStoreSearchBody))
async def search_route(request: Request) -> Response:
    index = _enabled_index(request)
    ctx = await begin(request, "read", rate="recall")
    body = parse_body(ExtStoreSearchBody, ctx.body)
    return respond(ctx, await run_sync(search, ctx, body, index))


@router.post("/v1/ext/store/namespaces", openapi_extra=body_schema(ExtStoreNamespacesBody))
async def namespaces_route(request: Request) -> Response:
    index = _enabled_index(request)
    ctx = await begin(request, "read", rate="recall")
    body = parse_body(ExtStoreNamespacesBody, ctx.body)
    return respond(ctx, await run_sync(namespaces, ctx, body, index))
