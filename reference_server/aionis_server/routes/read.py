"""POST /v1/memory/find and /v1/memory/resolve."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..api import begin, body_schema, respond, run_sync
from ..schemas.read import FindBody, ResolveBody
from ..services.find import find
from ..services.resolve import resolve
from ..validation import parse_body

router = APIRouter()


@router.post("/v1/memory/find", openapi_extra=body_schema(FindBody))
async def find_route(request: Request) -> Response:
    ctx = await begin(request, "read", rate="recall")
    body = parse_body(FindBody, ctx.body)
    return respond(ctx, await run_sync(find, ctx, body))


@router.post("/v1/memory/resolve", openapi_extra=body_schema(ResolveBody))
async def resolve_route(request: Request) -> Response:
    ctx = await begin(request, "read", rate="recall")
    body = parse_body(ResolveBody, ctx.body)
    return respond(ctx, await run_sync(resolve, ctx, body))
